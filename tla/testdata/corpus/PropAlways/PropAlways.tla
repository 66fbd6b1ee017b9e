----------------------------- MODULE PropAlways -----------------------------
(* A PROPERTY of the form []P with P a state predicate: TLC checks it as an
   invariant and reports it as "Invariant Bounded is violated", exit 12. *)
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\ y = 0
Next == \/ x' = x + 1 /\ y' = y
        \/ y' = x /\ x' = x
Spec == Init /\ [][Next]_<<x, y>>
Small == x + y < 7
Bounded == []Small
Constr == x < 10
=============================================================================
