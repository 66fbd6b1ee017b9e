----------------------------- MODULE DivZeroNext -----------------------------
(* Splitting a total among a shrinking number of parts divides by zero in
   the next-state relation: "The second argument of \div is 0", exit 255. *)
EXTENDS Naturals
VARIABLES total, parts, share
Init == total = 12 /\ parts = 3 /\ share = 4
Next == /\ parts' = parts - 1
        /\ share' = total \div parts'
        /\ total' = total
Spec == Init /\ [][Next]_<<total, parts, share>>
=============================================================================
