----------------------------- MODULE AssertFail -----------------------------
(* Assert(FALSE, msg) reached inside the next-state relation: exit 14. *)
EXTENDS Naturals, TLC
VARIABLE budget
Init == budget = 3
Spend == budget' = budget - 1
Check == Assert(budget > 0, <<"budget exhausted", budget>>)
Next == Check /\ Spend
=============================================================================
