------------------------------ MODULE InvInit ------------------------------
(* One of the initial states already violates the invariant. *)
EXTENDS Naturals
VARIABLES a, b
Init == a \in 1..3 /\ b \in {"x", "y"}
Next == a' = a /\ b' = b
Spec == Init /\ [][Next]_<<a, b>>
NotThreeY == ~(a = 3 /\ b = "y")
=============================================================================
