----------------------------- MODULE Registers -----------------------------
(* TLCSet/TLCGet registers carry a value from the expansion of one state to the
   next, so the successors depend on the order in which states are expanded. *)
EXTENDS Naturals, TLC

VARIABLES x, y

Init == x = 0 /\ y = 0

\* sets the register without reading it
Mark == x % 3 = 0 /\ x < 12 /\ TLCSet(1, x + y) /\ x' = x + 1 /\ y' = y
Step == x % 3 # 0 /\ x < 12 /\ x' = x + 1 /\ y' = y
\* reads what the last Mark set
Use == y < 6 /\ y' = y + 1 + TLCGet(1) % 2 /\ x' = x

Next == Mark \/ Step \/ Use
=============================================================================
