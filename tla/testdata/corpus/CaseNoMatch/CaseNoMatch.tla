----------------------------- MODULE CaseNoMatch -----------------------------
(* A CASE without OTHER where no guard holds: TLC stops with exit 75. *)
EXTENDS Naturals
VARIABLE light
Init == light = "red"
Next == light' = CASE light = "red" -> "green"
                   [] light = "green" -> "yellow"
                   [] light = "yellow" -> "off"
Spec == Init /\ [][Next]_light
=============================================================================
