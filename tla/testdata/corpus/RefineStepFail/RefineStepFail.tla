--------------------------- MODULE RefineStepFail ---------------------------
(* A clock that can be set back to midnight: that step is not an abstract
   HNext step, so the [][HNext]_hr part of Abs!HSpec is violated. *)
EXTENDS Naturals
CONSTANT Hours
VARIABLE hr
Abs == INSTANCE HourHand
Init == hr = 0
Tick == hr' = (hr + 1) % Hours
Reset == hr # 0 /\ hr' = 0
Spec == Init /\ [][Tick \/ Reset]_hr /\ WF_hr(Tick)
Refines == Abs!HSpec
=============================================================================
