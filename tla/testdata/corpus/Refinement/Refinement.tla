----------------------------- MODULE Refinement -----------------------------
(* A clock with a minute hand refines the abstract hour hand: the property
   Abs!HSpec checks the abstract initial condition, that every step is an
   HNext or leaves hr unchanged, and the abstract weak fairness. *)
EXTENDS Naturals
CONSTANT Hours
VARIABLES hr, min
vars == <<hr, min>>
Abs == INSTANCE HourHand
Init == hr = 0 /\ min = 0
Tick == /\ min' = (min + 1) % 2
        /\ hr' = IF min = 1 THEN (hr + 1) % Hours ELSE hr
Spec == Init /\ [][Tick]_vars /\ WF_vars(Tick)
Refines == Abs!HSpec
=============================================================================
