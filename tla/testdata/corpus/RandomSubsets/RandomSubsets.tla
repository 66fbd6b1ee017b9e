---------------------------- MODULE RandomSubsets ----------------------------
(* The Randomization module: the picks are pseudo-random, so the model keeps *)
(* its counts independent of them (one successor per state) and checks only  *)
(* what every pick satisfies.                                                *)
EXTENDS Naturals, FiniteSets, Randomization

Items == 1..6

VARIABLES n, picked, family

Init == /\ n = 0
        /\ picked = RandomSubset(2, Items)
        /\ family = RandomSetOfSubsets(3, 2, Items)

Next == /\ n < 4
        /\ n' = n + 1
        /\ picked' = RandomSubset(n + 1, Items)
        /\ family' = RandomSetOfSubsets(2, 3, Items)

Inv == /\ picked \subseteq Items
       /\ Cardinality(picked) = IF n = 0 THEN 2 ELSE n
       /\ family \subseteq SUBSET Items
       /\ Cardinality(family) <= 3
=============================================================================
