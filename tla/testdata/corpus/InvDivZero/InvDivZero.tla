------------------------------ MODULE InvDivZero -----------------------------
(* An invariant whose evaluation fails (\div by a variable that reaches zero):
   "Evaluating invariant ShareOK failed", exit 76. *)
EXTENDS Naturals
VARIABLES total, parts
Init == total = 12 /\ parts = 3
Next == parts > 0 /\ parts' = parts - 1 /\ total' = total
Spec == Init /\ [][Next]_<<total, parts>>
ShareOK == total \div parts <= total
=============================================================================
