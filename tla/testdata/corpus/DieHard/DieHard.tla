---------------------------- MODULE DieHard ----------------------------
(* Two jugs of 3 and 5 gallons; the "invariant" that the big jug never holds
   exactly 4 gallons is violated, and the counterexample is the solution. *)
EXTENDS Naturals

VARIABLES small, big

Min(a, b) == IF a < b THEN a ELSE b

TypeOK == small \in 0..3 /\ big \in 0..5

Init == small = 0 /\ big = 0

FillSmall  == small' = 3 /\ big' = big
FillBig    == big' = 5 /\ small' = small
EmptySmall == small' = 0 /\ big' = big
EmptyBig   == big' = 0 /\ small' = small

SmallToBig ==
    LET pour == Min(small, 5 - big)
    IN  /\ small' = small - pour
        /\ big' = big + pour

BigToSmall ==
    LET pour == Min(big, 3 - small)
    IN  /\ big' = big - pour
        /\ small' = small + pour

Next == \/ FillSmall \/ FillBig
        \/ EmptySmall \/ EmptyBig
        \/ SmallToBig \/ BigToSmall

Spec == Init /\ [][Next]_<<small, big>>

NotSolved == big # 4
=============================================================================
