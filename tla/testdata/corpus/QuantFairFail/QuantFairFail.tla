---------------------------- MODULE QuantFairFail ----------------------------
(* Fairness of the whole Next instead of each worker's step: one worker may
   run for ever while another is never scheduled, so the per-worker []<>
   fails. *)
EXTENDS Naturals
CONSTANT Workers
VARIABLE count
Init == count = [w \in Workers |-> 0]
Step(w) == count' = [count EXCEPT ![w] = (@ + 1) % 3]
Next == \E w \in Workers : Step(w)
Spec == Init /\ [][Next]_count /\ WF_count(Next)
AllCycle == \A w \in Workers : []<>(count[w] = 1)
=============================================================================
