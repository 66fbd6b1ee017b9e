------------------------------ MODULE Peterson ------------------------------
(* Peterson's two-process mutual exclusion, one step per label. Checks mutual
   exclusion as an invariant and starvation freedom under weak fairness. *)
EXTENDS Naturals

VARIABLES flag, turn, pc

vars == <<flag, turn, pc>>
Procs == {0, 1}
Other(p) == 1 - p

Init ==
    /\ flag = [p \in Procs |-> FALSE]
    /\ turn = 0
    /\ pc = [p \in Procs |-> "idle"]

SetFlag(p) ==
    /\ pc[p] = "idle"
    /\ flag' = [flag EXCEPT ![p] = TRUE]
    /\ pc' = [pc EXCEPT ![p] = "turn"]
    /\ UNCHANGED turn

GiveTurn(p) ==
    /\ pc[p] = "turn"
    /\ turn' = Other(p)
    /\ pc' = [pc EXCEPT ![p] = "wait"]
    /\ UNCHANGED flag

Enter(p) ==
    /\ pc[p] = "wait"
    /\ ~flag[Other(p)] \/ turn = p
    /\ pc' = [pc EXCEPT ![p] = "cs"]
    /\ UNCHANGED <<flag, turn>>

Leave(p) ==
    /\ pc[p] = "cs"
    /\ flag' = [flag EXCEPT ![p] = FALSE]
    /\ pc' = [pc EXCEPT ![p] = "idle"]
    /\ UNCHANGED turn

Proc(p) == SetFlag(p) \/ GiveTurn(p) \/ Enter(p) \/ Leave(p)

Next == \E p \in Procs : Proc(p)

Spec == Init /\ [][Next]_vars /\ \A p \in Procs : WF_vars(Proc(p))

MutualExclusion == ~(pc[0] = "cs" /\ pc[1] = "cs")
TypeOK ==
    /\ flag \in [Procs -> BOOLEAN]
    /\ turn \in Procs
    /\ pc \in [Procs -> {"idle", "turn", "wait", "cs"}]

NoStarvation == \A p \in Procs : (pc[p] = "wait") ~> (pc[p] = "cs")
=============================================================================
