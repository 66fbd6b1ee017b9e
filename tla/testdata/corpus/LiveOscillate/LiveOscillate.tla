---------------------------- MODULE LiveOscillate ----------------------------
(* <>[]P fails: a blinking light never stays on. *)
VARIABLE light
Init == light = "off"
Toggle == light' = IF light = "on" THEN "off" ELSE "on"
Spec == Init /\ [][Toggle]_light /\ WF_light(Toggle)
StaysOn == <>[](light = "on")
=============================================================================
