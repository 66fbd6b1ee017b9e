----------------------------- MODULE ActionProp -----------------------------
(* An action property [][A]_v: the version must never decrease, but a
   rollback action lowers it. TLC reports an action property violation,
   exit 13. *)
EXTENDS Naturals
VARIABLES version, backup
vars == <<version, backup>>
Init == version = 1 /\ backup = 1
Upgrade == version < 4 /\ version' = version + 1 /\ backup' = version
Rollback == version = 3 /\ version' = backup /\ backup' = backup
Next == Upgrade \/ Rollback
Spec == Init /\ [][Next]_vars
Monotonic == [][version' >= version]_vars
TypeOK == version \in 1..4
=============================================================================
