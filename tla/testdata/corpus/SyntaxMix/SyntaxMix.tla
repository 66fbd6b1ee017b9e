------------------------------ MODULE SyntaxMix ------------------------------
(***************************************************************************)
(* Parser coverage in one small model: (* nested comments *), LOCAL       *)
(* definitions and LOCAL INSTANCE, LAMBDA, operators passed as arguments,  *)
(* an operator constant F(_) given by the cfg, labels, tuple and multiple  *)
(* binders, unbounded \A in a theorem, <=>, Int and unary minus,         *)
(* ^, %, \div, strings, and a THEOREM with a proof that TLC skips.         *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets

CONSTANTS F(_), Lim

LOCAL INSTANCE TLC
LOCAL Double(x) == 2 * x

Map(Op(_), s) == [i \in 1..Len(s) |-> Op(s[i])]
Fold(Op(_, _), s, init) ==
    LET RECURSIVE Go(_, _)
        Go(t, acc) == IF t = <<>> THEN acc ELSE Go(Tail(t), Op(acc, Head(t)))
    IN  Go(s, init)

Sum(s) == Fold(LAMBDA a, b : a + b, s, 0)
Twice(Op(_), x) == Op(Op(x))

Inc(x) == x + 1

ASSUME Map(Double, <<1, 2, 3>>) = <<2, 4, 6>>
ASSUME Map(LAMBDA x : x * x, <<1, 2, 3>>) = <<1, 4, 9>>
ASSUME Sum(<<1, 2, 3, 4>>) = 10
ASSUME Twice(F, 1) = F(F(1))
ASSUME 2^3 = 8 /\ 7 % 3 = 1 /\ 7 \div 2 = 3 /\ -7 + 10 = 3
ASSUME -5 \in Int /\ (-5 \notin Nat)
ASSUME (TRUE <=> ~FALSE) /\ (FALSE \/ TRUE) /\ ~(TRUE /\ FALSE)
ASSUME \A x, y \in 1..3 : x + y = y + x
ASSUME \E <<a, b>> \in (1..2) \X (1..2), c \in {3} : a + b = c
ASSUME "tla" \o "+" = "tla+" /\ Len("abc") = 3

THEOREM Commutes == \A x, y \in Nat : x + y = y + x
PROOF OBVIOUS

THEOREM Reflexive == \A x : x = x

LEMMA DoubleEven == \A x \in Nat : Double(x) % 2 = 0
  <1>1. TAKE x \in Nat
  <1>2. QED BY <1>1 DEF Double

VARIABLES val, hist

vars == <<val, hist>>

Init == val = 0 /\ hist = <<>>

Step ==
    step:: /\ val < Lim
           /\ val' = F(val)
           /\ hist' = Append(hist, val)

Back ==
    back:: /\ hist # <<>>
           /\ val' = hist[Len(hist)]
           /\ hist' = SubSeq(hist, 1, Len(hist) - 1)

Next == Step \/ Back

Spec == Init /\ [][Next]_vars

HistOK == \A i \in 1..Len(hist) : hist[i] < Lim /\ (i > 1 => hist[i] = F(hist[i - 1]))
Bounded == val <= Lim + 1 /\ Cardinality({hist[i] : i \in DOMAIN hist}) = Len(hist)
=============================================================================
