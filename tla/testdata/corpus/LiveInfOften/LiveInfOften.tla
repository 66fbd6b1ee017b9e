---------------------------- MODULE LiveInfOften ----------------------------
(* []<>P: a token passed around a ring under weak fairness visits every
   node infinitely often. *)
EXTENDS Naturals
CONSTANT N
VARIABLE token
Init == token = 0
Pass == token' = (token + 1) % N
Spec == Init /\ [][Pass]_token /\ WF_token(Pass)
EveryNode == \A i \in 0..(N - 1) : []<>(token = i)
=============================================================================
