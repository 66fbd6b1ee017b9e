----------------------------- MODULE Unassigned -----------------------------
(* One disjunct of Next forgets to say what y becomes: exit 75. *)
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\ y = 0
IncX == x < 2 /\ x' = x + 1 /\ y' = y
IncY == x = 2 /\ x' = 0
Next == IncX \/ IncY
Spec == Init /\ [][Next]_<<x, y>>
=============================================================================
