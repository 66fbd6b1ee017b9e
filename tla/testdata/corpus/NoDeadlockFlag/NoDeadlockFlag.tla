--------------------------- MODULE NoDeadlockFlag ---------------------------
(* A terminating countdown: it deadlocks at 0, which is fine because the
   entry runs TLC with -deadlock (do not check deadlock). *)
EXTENDS Naturals
VARIABLE n
Init == n \in 1..5
Next == n > 0 /\ n' = n - 1
Spec == Init /\ [][Next]_n
Inv == n \in 0..5
=============================================================================
