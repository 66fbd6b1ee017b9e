---------------------------- MODULE HanoiSolve ----------------------------
(* Towers of Hanoi as numbers: tower t holds the disks whose bits are set in
   towers[t]. The invariant "not everything on tower 3" is violated by the
   shortest solution, 2^N - 1 moves. *)
EXTENDS Naturals

CONSTANT N

VARIABLE towers

Pow2(k) == 2^k
RECURSIVE Bit(_, _)
Bit(x, k) == IF k = 0 THEN x % 2 ELSE Bit(x \div 2, k - 1)
HasDisk(x, k) == Bit(x, k - 1) = 1
Smallest(x) == CHOOSE k \in 1..N : HasDisk(x, k) /\ \A j \in 1..(k-1) : ~HasDisk(x, j)

Init == towers = <<Pow2(N) - 1, 0, 0>>

Move(a, b) ==
    /\ towers[a] # 0
    /\ IF towers[b] = 0 THEN TRUE
       ELSE Smallest(towers[a]) < Smallest(towers[b])
    /\ LET d == Pow2(Smallest(towers[a]) - 1)
       IN towers' = [towers EXCEPT ![a] = @ - d, ![b] = @ + d]

Next == \E a, b \in 1..3 : a # b /\ Move(a, b)

NotSolved == towers[3] # Pow2(N) - 1
=============================================================================
