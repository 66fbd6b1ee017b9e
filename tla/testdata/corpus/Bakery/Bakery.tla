------------------------------- MODULE Bakery -------------------------------
(* A small version of the bakery algorithm: choosing, then a ticket one larger
   than every other ticket, then waiting for every smaller (ticket, id) pair.
   Tickets are unbounded, so a CONSTRAINT keeps the model finite. *)
EXTENDS Naturals

CONSTANTS N, MaxTicket

VARIABLES num, choosing, pc

vars == <<num, choosing, pc>>
P == 1..N

Max(S) == CHOOSE m \in S : \A x \in S : x <= m

LessThan(i, j) == \/ num[i] < num[j]
                  \/ num[i] = num[j] /\ i < j

Init ==
    /\ num = [i \in P |-> 0]
    /\ choosing = [i \in P |-> FALSE]
    /\ pc = [i \in P |-> "ncs"]

StartChoose(i) ==
    /\ pc[i] = "ncs"
    /\ choosing' = [choosing EXCEPT ![i] = TRUE]
    /\ pc' = [pc EXCEPT ![i] = "choose"]
    /\ UNCHANGED num

Choose(i) ==
    /\ pc[i] = "choose"
    /\ num' = [num EXCEPT ![i] = 1 + Max({num[j] : j \in P})]
    /\ choosing' = [choosing EXCEPT ![i] = FALSE]
    /\ pc' = [pc EXCEPT ![i] = "wait"]

Enter(i) ==
    /\ pc[i] = "wait"
    /\ \A j \in P \ {i} : ~choosing[j] /\ (num[j] = 0 \/ LessThan(i, j))
    /\ pc' = [pc EXCEPT ![i] = "cs"]
    /\ UNCHANGED <<num, choosing>>

Exit(i) ==
    /\ pc[i] = "cs"
    /\ num' = [num EXCEPT ![i] = 0]
    /\ pc' = [pc EXCEPT ![i] = "ncs"]
    /\ UNCHANGED choosing

Next == \E i \in P : StartChoose(i) \/ Choose(i) \/ Enter(i) \/ Exit(i)

Spec == Init /\ [][Next]_vars

Bounded == \A i \in P : num[i] <= MaxTicket

MutualExclusion == \A i, j \in P : i # j => ~(pc[i] = "cs" /\ pc[j] = "cs")
=============================================================================
