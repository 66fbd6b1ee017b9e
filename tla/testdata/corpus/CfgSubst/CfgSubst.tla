------------------------------ MODULE CfgSubst ------------------------------
(* Config substitutions: a constant replaced by a defined operator (N <- Two),
   a defined operator overridden (Nat <- Small, Limit <- Three), and a
   module-scoped override of an operator inside an instantiated module
   (Width <- [Grid]Narrow, which replaces Width inside Grid by this module's
   Narrow). *)
EXTENDS Naturals

CONSTANTS N, Target

VARIABLES pos, count

G == INSTANCE Grid WITH cell <- pos

Two == 2
Three == 3
Small == 0..4
Limit == 100
Narrow == 2

Init == pos = <<0, 0>> /\ count = 0

Next ==
    /\ count + 1 \in Nat
    /\ count < Limit
    /\ count' = count + 1
    /\ G!Step

Spec == Init /\ [][Next]_<<pos, count>>

TypeOK == pos \in G!Cells /\ count \in Nat /\ count <= N + 1
TargetOK == Target \in {"p", "q"}
\* Each substitution is observable, so ignoring one fails this invariant.
SubstOK == N = 2 /\ Limit = 3 /\ Nat = 0..4 /\ G!Width = 2
=============================================================================
