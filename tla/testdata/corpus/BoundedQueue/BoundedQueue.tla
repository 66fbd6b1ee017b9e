---------------------------- MODULE BoundedQueue ----------------------------
(* Producers and consumers sharing a bounded FIFO queue. Producers put their
   own name; consumers take the head. *)
EXTENDS Naturals, Sequences

CONSTANTS Producers, Consumers, Capacity

VARIABLES queue, taken

vars == <<queue, taken>>

Init == queue = <<>> /\ taken = [c \in Consumers |-> 0]

Put(p) ==
    /\ Len(queue) < Capacity
    /\ queue' = Append(queue, p)
    /\ UNCHANGED taken

Get(c) ==
    /\ queue # <<>>
    /\ queue' = Tail(queue)
    /\ taken' = [taken EXCEPT ![c] = (@ + 1) % 3]

Next == (\E p \in Producers : Put(p)) \/ (\E c \in Consumers : Get(c))

Spec == Init /\ [][Next]_vars

TypeOK ==
    /\ queue \in Seq(Producers)
    /\ Len(queue) <= Capacity
    /\ taken \in [Consumers -> 0..2]
=============================================================================
