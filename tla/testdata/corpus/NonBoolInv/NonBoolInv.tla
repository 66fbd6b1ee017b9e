----------------------------- MODULE NonBoolInv -----------------------------
(* An invariant that evaluates to a number instead of a boolean: exit 76. *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = (x + 1) % 3
Spec == Init /\ [][Next]_x
Count == IF x < 2 THEN TRUE ELSE x
=============================================================================
