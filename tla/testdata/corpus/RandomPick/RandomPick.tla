----------------------------- MODULE RandomPick -----------------------------
(* RandomElement picks an element pseudo-randomly (TLC picks a new seed per  *)
(* run), so only a model whose counts do not depend on the picks has fixed   *)
(* counts: here every state has exactly one successor whatever is picked.    *)
(* It is used at constant level (evaluated once), in Init, and in Next on    *)
(* intervals, sets of records and sets of functions.                         *)
EXTENDS Naturals, TLC

VARIABLES step, rec, fcn

Pick == RandomElement(1..5)

Init == /\ step = 0
        /\ rec = [f |-> RandomElement({1, 2}), g |-> 0]
        /\ fcn = [i \in {1, 2} |-> Pick]

Next == /\ step < 6
        /\ step' = step + 1
        /\ rec' = RandomElement([f : {1, 2}, g : 1..3])
        /\ fcn' = RandomElement([{1, 2} -> {Pick, 7}])

Inv == /\ Pick \in 1..5
       /\ fcn \in [{1, 2} -> {Pick, 7}]
       /\ rec \in [f : {1, 2}, g : 0..3]
=============================================================================
