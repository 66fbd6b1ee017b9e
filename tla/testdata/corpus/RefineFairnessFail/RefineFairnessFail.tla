------------------------- MODULE RefineFairnessFail -------------------------
(* Every step of this clock is an abstract step, but the clock is only fair
   while the alarm is off; once the alarm is set it may stop for ever, so
   the abstract weak fairness (part of Abs!HSpec) is violated. *)
EXTENDS Naturals
CONSTANT Hours
VARIABLES hr, alarm
vars == <<hr, alarm>>
Abs == INSTANCE HourHand
Init == hr = 0 /\ alarm = FALSE
Tick == ~alarm /\ hr' = (hr + 1) % Hours /\ UNCHANGED alarm
SetAlarm == ~alarm /\ alarm' = TRUE /\ UNCHANGED hr
Spec == Init /\ [][Tick \/ SetAlarm]_vars /\ WF_vars(Tick)
Refines == Abs!HSpec
=============================================================================
