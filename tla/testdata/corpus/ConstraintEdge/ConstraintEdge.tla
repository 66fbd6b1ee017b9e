--------------------------- MODULE ConstraintEdge ---------------------------
(* How CONSTRAINT interacts with invariants: states outside the constraint
   are generated and not explored further. The invariant only fails at
   x = 3, a state outside the constraint x < 3. *)
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\ y \in {0, 1}
Next == \/ x' = x + 1 /\ y' = y
        \/ y' = 1 - y /\ x' = x
Spec == Init /\ [][Next]_<<x, y>>
Small == x < 3
NotThree == x # 3
=============================================================================
