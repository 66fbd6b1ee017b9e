-------------------------- MODULE InstanceChannels --------------------------
(* Two channels as a function of channels (a parameterized INSTANCE), one
   named instance with WITH substitutions, and a counter instance whose
   constant is an expression of this module's constant. *)
EXTENDS Naturals, FiniteSets

CONSTANT Msgs

VARIABLES chans, bits, count

Ids == {1, 2}

Ch(i) == INSTANCE Channel WITH chan <- chans[i], Data <- Msgs
Bit == INSTANCE Channel WITH chan <- bits, Data <- {0, 1}
Cnt == INSTANCE Counter WITH Limit <- Cardinality(Msgs) + 1, n <- count

vars == <<chans, bits, count>>

Init ==
    /\ chans \in [Ids -> [val : Msgs, rdy : {0}, ack : {0}]]
    /\ Bit!Init
    /\ Cnt!Init

SendOn(i, d) ==
    /\ chans' = [chans EXCEPT ![i] = [chans[i] EXCEPT !.val = d, !.rdy = 1 - @]]
    /\ Ch(i)!Send(d)   \* now only a check of the chans' already chosen
    /\ UNCHANGED <<bits, count>>

RcvOn(i) ==
    /\ chans[i].rdy # chans[i].ack
    /\ chans' = [chans EXCEPT ![i].ack = 1 - @]
    /\ Cnt!Inc
    /\ UNCHANGED bits

Next ==
    \/ \E i \in Ids, d \in Msgs : SendOn(i, d)
    \/ \E i \in Ids : RcvOn(i)
    \/ Bit!Next /\ UNCHANGED <<chans, count>>

Spec == Init /\ [][Next]_vars

TypeOK == /\ \A i \in Ids : Ch(i)!TypeOK
          /\ Bit!TypeOK
          /\ Cnt!Ok
=============================================================================
