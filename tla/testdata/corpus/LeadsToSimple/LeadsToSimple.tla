---------------------------- MODULE LeadsToSimple ----------------------------
(* Unquantified P ~> Q and the shape []P => <>Q: a kettle that is switched on
   boils, and if it is never unplugged it ends up boiled. *)
EXTENDS Naturals
VARIABLES temp, on, plugged
vars == <<temp, on, plugged>>
Init == temp = 0 /\ on = FALSE /\ plugged = TRUE
SwitchOn == ~on /\ temp = 0 /\ on' = TRUE /\ UNCHANGED <<temp, plugged>>
Heat == on /\ plugged /\ temp < 3 /\ temp' = temp + 1 /\ UNCHANGED <<on, plugged>>
Unplug == plugged /\ plugged' = FALSE /\ UNCHANGED <<temp, on>>
Next == SwitchOn \/ Heat \/ Unplug
Spec == Init /\ [][Next]_vars /\ WF_vars(SwitchOn) /\ WF_vars(Heat)
Boils == (on /\ plugged /\ temp = 0) ~> (temp = 3 \/ ~plugged)
PluggedBoils == []plugged => <>(temp = 3)
=============================================================================
