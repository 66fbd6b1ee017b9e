---------------------------- MODULE ImpliesAlways ----------------------------
(* P => []Q and [](P => []Q): once sealed, a box stays sealed and its
   contents never change. *)
EXTENDS Naturals
VARIABLES items, sealed
vars == <<items, sealed>>
Init == items = 0 /\ sealed = FALSE
Add == ~sealed /\ items < 3 /\ items' = items + 1 /\ UNCHANGED sealed
Seal == ~sealed /\ sealed' = TRUE /\ UNCHANGED items
Next == Add \/ Seal
Spec == Init /\ [][Next]_vars /\ WF_vars(Seal)
StartsEmpty == (items = 0) => [](items <= 3)
SealedStays == \A n \in 0..3 : [](sealed /\ items = n => [](sealed /\ items = n))
=============================================================================
