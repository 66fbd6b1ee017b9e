----------------------------- MODULE AliasTrace -----------------------------
(* An ALIAS changes how trace states are printed (here adding a derived
   field). The invariant fails so that a trace is printed. *)
EXTENDS Naturals

VARIABLES x, y

Init == x = 0 /\ y = 0

Next == \/ x < 3 /\ x' = x + 1 /\ y' = y
        \/ y < 3 /\ y' = y + 2 /\ x' = x

Spec == Init /\ [][Next]_<<x, y>>

Alias == [x |-> x, y |-> y, sum |-> x + y]

SumSmall == x + y < 5
=============================================================================
