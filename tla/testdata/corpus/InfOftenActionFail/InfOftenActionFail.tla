------------------------- MODULE InfOftenActionFail -------------------------
(* []<><<A>>_v fails: a clock whose alarm may be switched off for good;
   after that the alarm never rings again, though the clock keeps ticking. *)
EXTENDS Naturals
VARIABLES min, armed
vars == <<min, armed>>
Init == min = 0 /\ armed = TRUE
Tick == min' = (min + 1) % 3 /\ UNCHANGED armed
Ring == armed /\ min = 0 /\ min' = 1 /\ UNCHANGED armed
Disarm == armed /\ armed' = FALSE /\ UNCHANGED min
Next == Tick \/ Ring \/ Disarm
Spec == Init /\ [][Next]_vars /\ WF_vars(Tick)
Rings == []<><<Ring>>_vars
=============================================================================
