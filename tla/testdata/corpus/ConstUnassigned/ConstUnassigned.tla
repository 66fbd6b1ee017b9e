-------------------------- MODULE ConstUnassigned --------------------------
(* The cfg gives N a value but forgets Procs: exit 151. *)
EXTENDS Naturals
CONSTANTS N, Procs
VARIABLE x
Init == x \in Procs
Next == x' = x
Spec == Init /\ [][Next]_x
ASSUME N > 0
=============================================================================
