--------------------------- MODULE LiveConstraint ---------------------------
(* Liveness is still checked when a CONSTRAINT cuts the state graph. The
   goal x = 10 lies beyond the constraint, yet the property holds: in the
   explored graph the only infinite behaviour stutters at x = 4, where Inc
   is still enabled, and weak fairness rules that out. *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Inc == x' = x + 1
Spec == Init /\ [][Inc]_x /\ WF_x(Inc)
Reaches == <>(x = 10)
Below == x < 5
=============================================================================
