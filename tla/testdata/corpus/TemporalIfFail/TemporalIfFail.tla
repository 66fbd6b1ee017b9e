--------------------------- MODULE TemporalIfFail ---------------------------
(* A temporal IF whose condition depends on the initial state: when the job
   starts in "auto" mode it must finish, otherwise it must stay put. Manual
   jobs can still be started by hand, so the ELSE branch fails. *)
EXTENDS Naturals
VARIABLES mode, step
vars == <<mode, step>>
Init == mode \in {"auto", "manual"} /\ step = 0
Run == step < 2 /\ step' = step + 1 /\ UNCHANGED mode
Spec == Init /\ [][Run]_vars /\ WF_vars(Run)
Policy == IF mode = "auto" THEN <>(step = 2) ELSE [](step = 0)
=============================================================================
