------------------------------ MODULE Strings ------------------------------
(* TLC walks a set of strings in the order it interned them. Strings made while
   checking (ToString) are interned when first met, so the order of the successors
   of one state depends on the states expanded before it: at n = 9, "9" was met at
   n = 1, before "17", though "17" < "9" as strings. *)
EXTENDS Naturals, TLC

VARIABLES n, pick

Init == n = 0 /\ pick = ""

Next == /\ n < 30
        /\ n' = n + 1
        /\ \E t \in {ToString(n), ToString(n + 8)} : pick' = t

Level == TLCGet("level") = n + 1
=============================================================================
