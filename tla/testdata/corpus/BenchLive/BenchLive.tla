----------------------------- MODULE BenchLive -----------------------------
(* A benchmark for the liveness checker: workers with counters modulo M,
   each weakly fair; every worker's counter returns to 0 infinitely often and
   a request by any worker leads to its counter wrapping. *)
EXTENDS Naturals
CONSTANTS Workers, M
VARIABLE count
Init == count = [w \in Workers |-> 0]
Step(w) == count' = [count EXCEPT ![w] = (@ + 1) % M]
Next == \E w \in Workers : Step(w)
Spec == Init /\ [][Next]_count /\ \A w \in Workers : WF_count(Step(w))
Cycles == \A w \in Workers : []<>(count[w] = 0)
Wraps == \A w \in Workers : (count[w] = M - 1) ~> (count[w] = 0)
=============================================================================
