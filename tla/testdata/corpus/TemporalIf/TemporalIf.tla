----------------------------- MODULE TemporalIf -----------------------------
(* A temporal IF whose condition is a constant: in "auto" mode the job must
   finish, in "manual" mode it must never start by itself. *)
EXTENDS Naturals
CONSTANT Mode
VARIABLE step
Init == step = 0
Run == Mode = "auto" /\ step < 2 /\ step' = step + 1
Spec == Init /\ [][Run]_step /\ WF_step(Run)
Policy == IF Mode = "auto" THEN <>(step = 2) ELSE [](step = 0)
=============================================================================
