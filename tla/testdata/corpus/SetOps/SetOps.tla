------------------------------- MODULE SetOps -------------------------------
(* SUBSET, UNION, \X, set comprehensions of both kinds, \subseteq, \cap,
   Cardinality and [S -> T] sets, used both in ASSUMEs and as generators. *)
EXTENDS Naturals, FiniteSets

S == {1, 2, 3}

ASSUME Cardinality(SUBSET S) = 8
ASSUME UNION {{1}, {2, 3}, {}} = S
ASSUME {1, 2} \X {"a"} = {<<1, "a">>, <<2, "a">>}
ASSUME Cardinality(S \X S \X S) = 27
ASSUME Cardinality([S -> {0, 1}]) = 8
ASSUME {x * 2 : x \in S} = {2, 4, 6}
ASSUME {x \in S : x > 1} = {2, 3}
ASSUME {<<a, b>> \in S \X S : a < b} = {<<1, 2>>, <<1, 3>>, <<2, 3>>}
ASSUME \A <<a, b>> \in S \X S : a + b <= 6
ASSUME (S \cap {2, 4}) \cup (S \ {1}) = {2, 3}
ASSUME IsFiniteSet(S)

VARIABLES chosen, pairs

Init == chosen \in SUBSET S /\ Cardinality(chosen) = 1 /\ pairs = {}

Next ==
    \/ \E T \in SUBSET S :
          /\ chosen \subseteq T
          /\ T # chosen
          /\ chosen' = T
          /\ UNCHANGED pairs
    \/ \E p \in chosen \X chosen :
          /\ p \notin pairs
          /\ pairs' = pairs \cup {p}
          /\ UNCHANGED chosen

Spec == Init /\ [][Next]_<<chosen, pairs>>

Inv == pairs \subseteq UNION {chosen \X chosen}
=============================================================================
