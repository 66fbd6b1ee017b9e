---------------------------- MODULE RandomConst ----------------------------
(* A constant definition that calls RandomElement is evaluated once, drawing from
   the generator of the state whose successors are being computed at the time: its
   value depends on which state the search expands first. *)
EXTENDS Naturals, TLC

VARIABLES a, b, z

Pick == RandomElement(1..1000)

Init == a = 0 /\ b = 0 /\ z = 0

\* first evaluated deep in the search, where a level has several states
Val == IF a + b >= 20 THEN Pick ELSE 0

Next == \/ a < 30 /\ a' = a + 1 /\ b' = b /\ z' = Val
        \/ b < 30 /\ b' = b + 1 /\ a' = a /\ z' = Val
=============================================================================
