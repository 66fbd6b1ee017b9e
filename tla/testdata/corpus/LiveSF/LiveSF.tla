-------------------------------- MODULE LiveSF --------------------------------
(* A switch flips for ever; a worker can only act while the switch is on.
   Weak fairness does not force the worker (it is never continuously
   enabled), strong fairness does (it is enabled infinitely often).
   LiveWF and LiveSF differ only in the fairness of Work. *)
VARIABLES switch, done
vars == <<switch, done>>
Init == switch = "off" /\ done = FALSE
Flip == switch' = (IF switch = "on" THEN "off" ELSE "on") /\ UNCHANGED done
Work == switch = "on" /\ ~done /\ done' = TRUE /\ UNCHANGED switch
Next == Flip \/ Work
Spec == Init /\ [][Next]_vars /\ WF_vars(Flip) /\ SF_vars(Work)
WorkDone == <>done
=============================================================================
