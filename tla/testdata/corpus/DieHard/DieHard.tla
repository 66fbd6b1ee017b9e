---------------------------- MODULE DieHard ----------------------------
(* The water-jug puzzle with jugs as a function from jug names to contents:
   with a 3 and a 5 gallon jug, measure exactly 4 gallons. The invariant
   "no jug holds 4 gallons" is violated, and the counterexample is a
   shortest solution. *)
EXTENDS Naturals

Capacity == [small |-> 3, large |-> 5]
Jugs == DOMAIN Capacity

VARIABLE water

Least(a, b) == IF a <= b THEN a ELSE b

TypeOK == water \in [Jugs -> 0..5] /\ \A j \in Jugs : water[j] <= Capacity[j]

Init == water = [j \in Jugs |-> 0]

Fill(j) == water' = [water EXCEPT ![j] = Capacity[j]]

Empty(j) == water' = [water EXCEPT ![j] = 0]

Pour(from, to) ==
    LET amount == Least(water[from], Capacity[to] - water[to])
    IN  water' = [water EXCEPT ![from] = @ - amount, ![to] = @ + amount]

Next == \E j \in Jugs :
            \/ Fill(j)
            \/ Empty(j)
            \/ \E k \in Jugs \ {j} : Pour(j, k)

Spec == Init /\ [][Next]_water

NoFourGallons == \A j \in Jugs : water[j] # 4
=============================================================================
