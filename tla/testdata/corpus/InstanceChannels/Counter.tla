------------------------------ MODULE Counter ------------------------------
(* A counter that wraps at Limit. *)
EXTENDS Naturals
CONSTANT Limit
VARIABLE n
Init == n = 0
Inc == n' = (n + 1) % Limit
Ok == n \in 0..(Limit - 1)
=============================================================================
