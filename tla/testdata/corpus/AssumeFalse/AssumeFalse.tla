----------------------------- MODULE AssumeFalse -----------------------------
(* The model gives a quorum size larger than the number of nodes, which an
   ASSUME rules out: exit 10 before any state is computed. *)
EXTENDS Naturals, FiniteSets
CONSTANTS Nodes, Quorum
ASSUME Quorum \in 1..Cardinality(Nodes)
VARIABLE votes
Init == votes = {}
Next == \E n \in Nodes : n \notin votes /\ votes' = votes \cup {n}
Spec == Init /\ [][Next]_votes
=============================================================================
