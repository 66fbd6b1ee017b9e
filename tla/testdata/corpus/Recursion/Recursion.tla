------------------------------ MODULE Recursion ------------------------------
(* RECURSIVE operators, recursive function definitions (also inside LET) and
   ASSUMEs that pin their values; the state machine walks n through 0..Max and
   keeps derived values that invariants recompute a different way. *)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANT Max

RECURSIVE Fact(_)
Fact(k) == IF k = 0 THEN 1 ELSE k * Fact(k - 1)

RECURSIVE SetSum(_)
SetSum(S) == IF S = {} THEN 0
             ELSE LET x == CHOOSE y \in S : TRUE IN x + SetSum(S \ {x})

RECURSIVE Reverse(_)
Reverse(s) == IF s = <<>> THEN <<>> ELSE Append(Reverse(Tail(s)), Head(s))

RECURSIVE Even(_), Odd(_)
Even(k) == IF k = 0 THEN TRUE ELSE Odd(k - 1)
Odd(k) == IF k = 0 THEN FALSE ELSE Even(k - 1)

fib[k \in Nat] == IF k < 2 THEN k ELSE fib[k - 1] + fib[k - 2]

Gcd(a, b) ==
    LET m == IF a > b THEN a ELSE b
        g[x \in 0..m, y \in 0..m] ==
            IF y = 0 THEN x ELSE g[y, x % y]
    IN  g[a, b]

Triangle(k) == LET t[i \in 0..k] == IF i = 0 THEN 0 ELSE i + t[i - 1] IN t[k]

ASSUME Fact(5) = 120
ASSUME SetSum(1..10) = 55
ASSUME Reverse(<<1, 2, 3>>) = <<3, 2, 1>>
ASSUME Even(10) /\ Odd(7)
ASSUME fib[10] = 55
ASSUME Gcd(12, 18) = 6

VARIABLES n, f, seq

Init == n = 0 /\ f = 1 /\ seq = <<>>

Next ==
    /\ n < Max
    /\ n' = n + 1
    /\ f' = f * (n + 1)
    /\ seq' = Append(seq, fib[n + 1])

Spec == Init /\ [][Next]_<<n, f, seq>>

FactOK == f = Fact(n)
SumOK == SetSum({seq[i] : i \in 1..Len(seq)}) <= SetSum({fib[i] : i \in 1..n})
TriOK == Triangle(n) * 2 = n * (n + 1)
=============================================================================
