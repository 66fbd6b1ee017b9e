------------------------------ MODULE TLCExtOps ------------------------------
(* TLCExt operators that are plain functions of their values. Trace is only  *)
(* named (behind an invariant that holds), as models that export a trace on *)
(* a violation do.                                                           *)
EXTENDS Naturals, TLC, TLCExt

VARIABLE n

Init == n = 0

Next == /\ n < 5
        /\ n' = TLCNoOp(n + 1)

Inv == /\ AssertEq(n + 0, TLCCache(n, {}))
       /\ n <= 5 \/ Trace = <<>>
=============================================================================
