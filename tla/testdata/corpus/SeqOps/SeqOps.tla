------------------------------- MODULE SeqOps -------------------------------
(* The operators of the Sequences module on a small buffer: Append, Head,
   Tail, SubSeq, SelectSeq, \o, Len and Seq(S) membership. *)
EXTENDS Naturals, Sequences

VARIABLES buf, out

vars == <<buf, out>>

IsEven(x) == x % 2 = 0

ASSUME SubSeq(<<1, 2, 3, 4>>, 2, 3) = <<2, 3>>
ASSUME SubSeq(<<1, 2>>, 2, 1) = <<>>
ASSUME SelectSeq(<<1, 2, 3, 4>>, IsEven) = <<2, 4>>
ASSUME <<1>> \o <<2, 3>> = <<1, 2, 3>>
ASSUME <<>> \o <<>> = <<>>
ASSUME Head(<<"a", "b">>) = "a" /\ Tail(<<"a">>) = <<>>
ASSUME <<1, 2>> \in Seq(Nat)
ASSUME [i \in 1..2 |-> i] = <<1, 2>>

Init == buf = <<>> /\ out = <<>>

Add(x) == Len(buf) < 3 /\ buf' = Append(buf, x) /\ UNCHANGED out

Take ==
    /\ buf # <<>>
    /\ out' = SubSeq(<<Head(buf)>> \o out, 1, IF out = <<>> THEN 1 ELSE 2)
    /\ buf' = Tail(buf)

Evens == buf' = SelectSeq(buf, IsEven) /\ buf' # buf /\ UNCHANGED out

Rotate == Len(buf) > 1 /\ buf' = SubSeq(buf, 2, Len(buf)) \o <<buf[1]>> /\ UNCHANGED out

Next == (\E x \in 1..3 : Add(x)) \/ Take \/ Evens \/ Rotate

Spec == Init /\ [][Next]_vars

TypeOK == buf \in Seq(1..3) /\ Len(buf) <= 3 /\ out \in Seq(1..3) /\ Len(out) <= 2
=============================================================================
