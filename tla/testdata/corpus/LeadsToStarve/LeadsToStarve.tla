---------------------------- MODULE LeadsToStarve ----------------------------
(* The same server granting to any waiting client: one client can be passed
   over for ever, so the quantified ~> fails. *)
EXTENDS Naturals

CONSTANT Clients

VARIABLES holder, state

vars == <<holder, state>>
None == "none"

Init == holder = None /\ state = [c \in Clients |-> "idle"]

Request(c) ==
    /\ state[c] = "idle"
    /\ state' = [state EXCEPT ![c] = "waiting"]
    /\ UNCHANGED holder

Grant(c) ==
    /\ holder = None
    /\ state[c] = "waiting"
    /\ holder' = c
    /\ state' = [state EXCEPT ![c] = "holding"]

Release(c) ==
    /\ holder = c
    /\ holder' = None
    /\ state' = [state EXCEPT ![c] = "idle"]

Next == \E c \in Clients : Request(c) \/ Grant(c) \/ Release(c)

Spec == Init /\ [][Next]_vars
          /\ WF_vars(\E c \in Clients : Grant(c))
          /\ \A c \in Clients : WF_vars(Release(c)) /\ WF_vars(Request(c))

Served == \A c \in Clients : (state[c] = "waiting") ~> (holder = c)
=============================================================================
