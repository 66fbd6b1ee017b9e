----------------------------- MODULE LeadsToFifo -----------------------------
(* A lock server that grants in request order. Under weak fairness of the
   server and of each client, every request leads to the lock (quantified ~>). *)
EXTENDS Naturals, Sequences

CONSTANT Clients

VARIABLES queue, holder, state

vars == <<queue, holder, state>>
None == "none"

Init ==
    /\ queue = <<>>
    /\ holder = None
    /\ state = [c \in Clients |-> "idle"]

Request(c) ==
    /\ state[c] = "idle"
    /\ queue' = Append(queue, c)
    /\ state' = [state EXCEPT ![c] = "waiting"]
    /\ UNCHANGED holder

Grant ==
    /\ holder = None
    /\ queue # <<>>
    /\ holder' = Head(queue)
    /\ queue' = Tail(queue)
    /\ state' = [state EXCEPT ![Head(queue)] = "holding"]

Release(c) ==
    /\ holder = c
    /\ holder' = None
    /\ state' = [state EXCEPT ![c] = "idle"]
    /\ UNCHANGED queue

Next == Grant \/ \E c \in Clients : Request(c) \/ Release(c)

Spec == Init /\ [][Next]_vars /\ WF_vars(Grant) /\ \A c \in Clients : WF_vars(Release(c))

Served == \A c \in Clients : (state[c] = "waiting") ~> (holder = c)
=============================================================================
