-------------------------- MODULE RepeatedKeywords --------------------------
(* A cfg that repeats CONSTANT, INVARIANT and PROPERTY sections, has an empty
   INVARIANT section and comments of both kinds. *)
EXTENDS Naturals

CONSTANTS A, B, C, Wrap

VARIABLE v

Init == v = A
Next == v' = IF Wrap THEN (v + B) % C ELSE v + B
Spec == Init /\ [][Next]_v

InRange == v \in 0..(C - 1)
NotNeg == v >= 0
Mono == [][v' # v]_v
AlwaysInRange == []InRange
=============================================================================
