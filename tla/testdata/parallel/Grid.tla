------------------------------- MODULE Grid -------------------------------
(* A grid walk with many states per level, so that the states of one level are
   spread over the workers; its configurations stop it in different ways: an
   invariant broken by several states of one level, a deadlock, an action property,
   constraints, and an evaluation error in Next. *)
EXTENDS Naturals

CONSTANT N

VARIABLES a, b

Init == a \in 0..1 /\ b = 0

Up == a < N /\ a' = a + 1 /\ b' = b
Right == b < N /\ b' = b + 1 /\ a' = a
Jump == a + b < N /\ a' = (a * 3 + b) % (N + 1) /\ b' = (b + 2) % (N + 1)

Next == Up \/ Right \/ Jump

\* Next with a division by zero in one state deep in the search
Broken == IF a = N - 1 /\ b = N - 2 THEN a' = a \div 0 /\ b' = b ELSE Next

Small == a + b < N + N \div 2
Bounded == a <= N - 2
InRange == b <= N
NoJumpBack == [][a' >= a \/ a < 4]_<<a, b>>
Forward == a' + b' >= a + b - 4
=============================================================================
