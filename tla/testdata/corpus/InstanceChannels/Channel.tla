------------------------------ MODULE Channel ------------------------------
(* A one-place channel carrying values from Data; instantiated by
   InstanceChannels. *)
EXTENDS Naturals

CONSTANT Data
VARIABLE chan

TypeOK == chan \in [val : Data, rdy : {0, 1}, ack : {0, 1}]

Init == /\ chan \in [val : Data, rdy : {0, 1}, ack : {0, 1}]
        /\ chan.ack = chan.rdy

Send(d) == /\ chan.rdy = chan.ack
           /\ chan' = [chan EXCEPT !.val = d, !.rdy = 1 - @]

Rcv == /\ chan.rdy # chan.ack
       /\ chan' = [chan EXCEPT !.ack = 1 - @]

Next == (\E d \in Data : Send(d)) \/ Rcv

Spec == Init /\ [][Next]_chan
=============================================================================
