----------------------------- MODULE CfgNegative ----------------------------
(* TLC's config reader has no negative integer literals: "Lo = -2" is a
   config syntax error, reported as an unexpected exception (exit 255). *)
EXTENDS Integers, Sequences

CONSTANTS Lo, Hi

ASSUME Lo < Hi
ASSUME -3 \div 2 = -2 /\ -3 % 2 = 1
ASSUME 2^10 = 1024
ASSUME \A x \in Lo..Hi : x * x >= 0
ASSUME \E s \in Seq({1}) : Len(s) = 2
ASSUME (TRUE => FALSE) = FALSE /\ (FALSE <=> FALSE)
ASSUME "abc" # "abd" /\ <<1, 2>> = [i \in {1, 2} |-> i]
=============================================================================
