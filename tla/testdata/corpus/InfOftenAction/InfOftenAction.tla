--------------------------- MODULE InfOftenAction ---------------------------
(* []<><<A>>_v: a clock that is weakly fair ticks infinitely often, and so
   does its hour hand. *)
EXTENDS Naturals
VARIABLES hr, min
vars == <<hr, min>>
Init == hr = 0 /\ min = 0
Tick == /\ min' = (min + 1) % 3
        /\ hr' = IF min = 2 THEN (hr + 1) % 2 ELSE hr
Spec == Init /\ [][Tick]_vars /\ WF_vars(Tick)
Ticks == []<><<Tick>>_vars
HourMoves == []<><<hr' # hr>>_hr
=============================================================================
