------------------------------ MODULE QuantFair ------------------------------
(* Quantified fairness \A p \in S : WF_vars(Step(p)): every worker's counter
   returns to 0 infinitely often. *)
EXTENDS Naturals
CONSTANT Workers
VARIABLE count
Init == count = [w \in Workers |-> 0]
Step(w) == count' = [count EXCEPT ![w] = (@ + 1) % 3]
Next == \E w \in Workers : Step(w)
Spec == Init /\ [][Next]_count /\ \A w \in Workers : WF_count(Step(w))
AllCycle == \A w \in Workers : []<>(count[w] = 0 /\ ENABLED Step(w))
=============================================================================
