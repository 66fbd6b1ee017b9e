---------------------------- MODULE CfgUndefined ----------------------------
(* The cfg names an invariant the spec does not define: exit 151. *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = 1 - x
Spec == Init /\ [][Next]_x
TypeOK == x \in {0, 1}
=============================================================================
