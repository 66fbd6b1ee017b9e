--------------------------- MODULE LiveNoFairness ---------------------------
(* The same download without fairness may stutter for ever before finishing:
   <>P fails with a counterexample that ends in stuttering. *)
EXTENDS Naturals
CONSTANT Size
VARIABLE got
Init == got = 0
Fetch == got < Size /\ got' = got + 1
Spec == Init /\ [][Fetch]_got
Finished == <>(got = Size)
=============================================================================
