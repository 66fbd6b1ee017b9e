----------------------------- MODULE ChooseOrder -----------------------------
(* CHOOSE takes the first element in TLC's order of the set: records compare *)
(* field by field with the field names in the order TLC first met them (zz   *)
(* before aa here), and model values in the order the configuration names    *)
(* them (m2 before m1), not alphabetically. The pick decides the states.     *)
EXTENDS Naturals, FiniteSets

CONSTANTS m1, m2

VARIABLES x, y

Pairs == {[zz |-> 1, aa |-> 2], [zz |-> 2, aa |-> 1]}
Groups == {{m2}, {m1, m2}, {m1}}

Init == /\ x = (CHOOSE r \in Pairs : TRUE)
        /\ y = (CHOOSE g \in Groups : TRUE)

Next == /\ x.aa < 5 + Cardinality(y)
        /\ x' = [x EXCEPT !.aa = @ + 1]
        /\ y' = IF x.aa = 3 THEN (CHOOSE g \in Groups : g # y) ELSE y
=============================================================================
