--------------------------- MODULE LiveEventually ---------------------------
(* <>P under weak fairness: a download that makes progress finishes. The
   finished state has no successor, so deadlock checking is off. *)
EXTENDS Naturals
CONSTANT Size
VARIABLE got
Init == got = 0
Fetch == got < Size /\ got' = got + 1
Spec == Init /\ [][Fetch]_got /\ WF_got(Fetch)
Finished == <>(got = Size)
=============================================================================
