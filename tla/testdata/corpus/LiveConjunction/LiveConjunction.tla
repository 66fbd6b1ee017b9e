--------------------------- MODULE LiveConjunction ---------------------------
(* A conjunction of temporal formulas in one property: the first conjunct
   holds, the second does not (the counter never returns to 0). *)
EXTENDS Naturals
VARIABLE n
Init == n = 0
Up == n < 3 /\ n' = n + 1
Spec == Init /\ [][Up]_n /\ WF_n(Up)
Both == <>(n = 3) /\ []<>(n = 0)
=============================================================================
