------------------------ MODULE ActionDisjunctError ------------------------
(* In an action, TLC treats every disjunct as a possible branch and evaluates
   it even when an earlier disjunct is already true, so the guard below does
   not protect Head from the empty sequence: evaluation error, exit 255. *)
EXTENDS Naturals, Sequences

VARIABLES stack, top

Init == stack = <<>> /\ top = 0

Push == Len(stack) < 2 /\ stack' = Append(stack, Len(stack) + 1) /\ top' = top

Peek ==
    /\ \/ stack = <<>>
       \/ Head(stack) > 0
    /\ top' = top + 1
    /\ UNCHANGED stack

Next == Push \/ Peek
=============================================================================
