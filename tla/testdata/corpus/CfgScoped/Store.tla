------------------------------- MODULE Store -------------------------------
(* A slot store whose "empty" marker is an unbounded CHOOSE and whose
   initial contents range over Seq(Vals): neither can be evaluated by TLC
   until the cfg replaces them inside this module. *)
EXTENDS Naturals, Sequences
CONSTANT Vals
VARIABLES slot, queue
Empty == CHOOSE v : v \notin Vals
Init == slot = Empty /\ queue \in Seq(Vals)
Take == queue # <<>> /\ slot = Empty /\ slot' = Head(queue) /\ queue' = Tail(queue)
Drop == slot # Empty /\ slot' = Empty /\ UNCHANGED queue
Next == Take \/ Drop
=============================================================================
