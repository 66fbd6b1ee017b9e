------------------------------- MODULE Hanoi -------------------------------
(* Towers of Hanoi with each tower a sequence of disk sizes, top first.
   All reachable configurations are legal: every tower stays sorted. *)
EXTENDS Naturals, Sequences

CONSTANT Disks

VARIABLE towers

Towers == 1..3

RECURSIVE Sorted(_)
Sorted(s) == Len(s) <= 1 \/ (s[1] < s[2] /\ Sorted(Tail(s)))

RECURSIVE Range(_, _)
Range(a, b) == IF a > b THEN <<>> ELSE <<a>> \o Range(a + 1, b)

TotalDisks == Len(towers[1]) + Len(towers[2]) + Len(towers[3])

Init == towers = [t \in Towers |-> IF t = 1 THEN Range(1, Disks) ELSE <<>>]

CanMove(from, to) ==
    /\ from # to
    /\ towers[from] # <<>>
    /\ IF towers[to] = <<>> THEN TRUE
       ELSE Head(towers[from]) < Head(towers[to])

Move(from, to) ==
    /\ CanMove(from, to)
    /\ towers' = [towers EXCEPT ![from] = Tail(@),
                                ![to] = <<Head(towers[from])>> \o @]

Next == \E from, to \in Towers : Move(from, to)

Spec == Init /\ [][Next]_towers

TypeOK == towers \in [Towers -> Seq(1..Disks)]
AllSorted == \A t \in Towers : Sorted(towers[t])
Conserved == TotalDisks = Disks
=============================================================================
