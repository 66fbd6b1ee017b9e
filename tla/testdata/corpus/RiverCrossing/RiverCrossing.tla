--------------------------- MODULE RiverCrossing ---------------------------
(* Farmer, wolf, goat and cabbage. The boat carries the farmer and at most one
   passenger. NotDone is violated by a shortest safe crossing. *)
EXTENDS Naturals, FiniteSets

VARIABLES left, right, boat

Items == {"farmer", "wolf", "goat", "cabbage"}
vars == <<left, right, boat>>

Unsafe(bank) ==
    /\ "farmer" \notin bank
    /\ \/ {"wolf", "goat"} \subseteq bank
       \/ {"goat", "cabbage"} \subseteq bank

Init ==
    /\ left = Items
    /\ right = {}
    /\ boat = "left"

Cross(from, to, side) ==
    \E cargo \in {{}} \cup {{x} : x \in from \ {"farmer"}} :
        LET moving == {"farmer"} \cup cargo
            newFrom == from \ moving
            newTo == to \cup moving
        IN  /\ "farmer" \in from
            /\ ~Unsafe(newFrom)
            /\ IF side = "left"
                  THEN left' = newFrom /\ right' = newTo /\ boat' = "right"
                  ELSE right' = newFrom /\ left' = newTo /\ boat' = "left"

Next ==
    \/ boat = "left" /\ Cross(left, right, "left")
    \/ boat = "right" /\ Cross(right, left, "right")

Spec == Init /\ [][Next]_vars

TypeOK ==
    /\ left \cup right = Items
    /\ left \cap right = {}
    /\ boat \in {"left", "right"}

Safe == ~Unsafe(left) /\ ~Unsafe(right)

NotDone == Cardinality(right) < 4
=============================================================================
