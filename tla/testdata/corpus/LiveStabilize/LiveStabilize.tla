---------------------------- MODULE LiveStabilize ----------------------------
(* <>[]P: a thermostat that heats until the target and then only holds it. *)
EXTENDS Naturals
CONSTANT Target
VARIABLES temp, heater
vars == <<temp, heater>>
Init == temp = 0 /\ heater = "on"
Heat == heater = "on" /\ temp < Target /\ temp' = temp + 1
          /\ heater' = IF temp + 1 = Target THEN "off" ELSE "on"
Hold == heater = "off" /\ UNCHANGED vars
Next == Heat \/ Hold
Spec == Init /\ [][Next]_vars /\ WF_vars(Heat)
Settles == <>[](temp = Target /\ heater = "off")
=============================================================================
