-------------------------- MODULE ImpliesEventually --------------------------
(* P => <>Q fails: the box may be sealed before it is full. *)
EXTENDS Naturals
VARIABLES items, sealed
vars == <<items, sealed>>
Init == items = 0 /\ sealed = FALSE
Add == ~sealed /\ items < 3 /\ items' = items + 1 /\ UNCHANGED sealed
Seal == ~sealed /\ sealed' = TRUE /\ UNCHANGED items
Next == Add \/ Seal
Spec == Init /\ [][Next]_vars /\ WF_vars(Next)
EventuallyFull == (items = 0) => <>(items = 3)
=============================================================================
