--------------------------- MODULE DiningDeadlock ---------------------------
(* Dining philosophers who all pick up the left fork first: when everyone
   holds one fork nobody can move, and TLC reports a deadlock. *)
EXTENDS Naturals

CONSTANT N

VARIABLES forks, state

P == 0..(N - 1)
Left(p) == p
Right(p) == (p + 1) % N
vars == <<forks, state>>

Init == forks = [f \in P |-> N] /\ state = [p \in P |-> "thinking"]

TakeLeft(p) ==
    /\ state[p] = "thinking"
    /\ forks[Left(p)] = N
    /\ forks' = [forks EXCEPT ![Left(p)] = p]
    /\ state' = [state EXCEPT ![p] = "hasLeft"]

TakeRight(p) ==
    /\ state[p] = "hasLeft"
    /\ forks[Right(p)] = N
    /\ forks' = [forks EXCEPT ![Right(p)] = p]
    /\ state' = [state EXCEPT ![p] = "eating"]

PutDown(p) ==
    /\ state[p] = "eating"
    /\ forks' = [forks EXCEPT ![Left(p)] = N, ![Right(p)] = N]
    /\ state' = [state EXCEPT ![p] = "thinking"]

Next == \E p \in P : TakeLeft(p) \/ TakeRight(p) \/ PutDown(p)

Spec == Init /\ [][Next]_vars

ForkSafety == \A p \in P : state[p] = "eating" => forks[Left(p)] = p /\ forks[Right(p)] = p
=============================================================================
