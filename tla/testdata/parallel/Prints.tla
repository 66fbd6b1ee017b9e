------------------------------ MODULE Prints ------------------------------
(* Print in Next writes while successors are computed, in the order states are
   expanded. *)
EXTENDS Naturals, TLC

VARIABLES a, b

Init == a = 0 /\ b = 0

Up == a < 8 /\ a' = a + 1 /\ b' = b /\ (a' = b' => PrintT(<<"diagonal", a'>>))
Right == b < 8 /\ b' = b + 1 /\ a' = a

Next == Up \/ Right
=============================================================================
