-------------------------- MODULE LiveInfOftenFail --------------------------
(* []<>P fails: the scheduler may bounce between states 1 and 2 for ever and
   never return to 0, even though Next is weakly fair. The counterexample is
   a lasso ("Back to state"). *)
EXTENDS Naturals
VARIABLE s
Init == s = 0
Next == \/ s = 0 /\ s' = 1
        \/ s = 1 /\ s' \in {0, 2}
        \/ s = 2 /\ s' = 1
Spec == Init /\ [][Next]_s /\ WF_s(Next)
BackHome == []<>(s = 0)
=============================================================================
