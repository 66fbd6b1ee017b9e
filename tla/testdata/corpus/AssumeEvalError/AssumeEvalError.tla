--------------------------- MODULE AssumeEvalError ---------------------------
(* An ASSUME whose evaluation fails (a function applied outside its domain)
   rather than being false; TLC reports the assumption as failed, exit 10. *)
EXTENDS Naturals
CONSTANT K
f == [i \in 1..K |-> i * i]
ASSUME f[K] = K * K
ASSUME f[K + 1] > 0
VARIABLE x
Init == x = 0
Next == x' = x
=============================================================================
