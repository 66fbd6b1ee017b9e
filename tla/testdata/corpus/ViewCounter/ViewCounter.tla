---------------------------- MODULE ViewCounter ----------------------------
(* A VIEW makes TLC identify states by a projection: the step counter is
   not part of the view, so states that differ only in it count as one. *)
EXTENDS Naturals

VARIABLES light, steps

vars == <<light, steps>>

Init == light = "red" /\ steps = 0

Change ==
    /\ light # "off"
    /\ light' = CASE light = "red" -> "green"
                  [] light = "green" -> "yellow"
                  [] light = "yellow" -> "red"
    /\ steps' = steps + 1

Blink == light = "yellow" /\ light' = "off" /\ steps' = steps + 1
Restore == light = "off" /\ light' = "red" /\ steps' = steps + 1

Next == Change \/ Blink \/ Restore

Spec == Init /\ [][Next]_vars

View == light

TypeOK == light \in {"red", "green", "yellow", "off"} /\ steps \in Nat
=============================================================================
