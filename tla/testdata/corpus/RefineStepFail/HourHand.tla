------------------------------ MODULE HourHand ------------------------------
(* The abstract clock: an hour hand that keeps moving forward. *)
EXTENDS Naturals
CONSTANT Hours
VARIABLE hr
HInit == hr = 0
HNext == hr' = (hr + 1) % Hours
HSpec == HInit /\ [][HNext]_hr /\ WF_hr(HNext)
=============================================================================
