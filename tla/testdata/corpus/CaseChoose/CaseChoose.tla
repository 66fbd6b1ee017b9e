----------------------------- MODULE CaseChoose -----------------------------
(* CASE with and without OTHER, bounded CHOOSE, and the NoVal idiom: an
   unbounded CHOOSE that TLC cannot evaluate, replaced in the cfg by a model
   value. *)
EXTENDS Naturals

CONSTANT Vals

NoVal == CHOOSE v : v \notin Vals

VARIABLES slot, phase

vars == <<slot, phase>>

Classify(x) == CASE x = NoVal -> "empty"
                 [] x \in Vals -> "full"

Next3(p) == CASE p = "a" -> "b"
              [] p = "b" -> "c"
              [] OTHER -> "a"

Smallest(S) == CHOOSE m \in S : \A y \in S : m <= y

Init == slot = NoVal /\ phase = "a"

Fill == slot = NoVal /\ slot' = Smallest(Vals) /\ phase' = Next3(phase)
Grow == slot # NoVal /\ slot + 1 \in Vals /\ slot' = slot + 1 /\ phase' = Next3(phase)
Clear == slot # NoVal /\ slot' = NoVal /\ UNCHANGED phase

Next == Fill \/ Grow \/ Clear

Spec == Init /\ [][Next]_vars

TypeOK == slot \in Vals \cup {NoVal} /\ phase \in {"a", "b", "c"}
ClassOK == Classify(slot) = IF slot = NoVal THEN "empty" ELSE "full"
=============================================================================
