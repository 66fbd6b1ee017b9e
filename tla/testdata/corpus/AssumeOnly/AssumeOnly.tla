----------------------------- MODULE AssumeOnly -----------------------------
(* No behaviour spec at all: TLC evaluates the ASSUMEs and stops with 0
   states. *)
EXTENDS Integers, Sequences

CONSTANTS Lo, Hi

ASSUME Lo < Hi
ASSUME (-3) \div 2 = -2 /\ (-3) % 2 = 1 /\ -3 \div 2 = -1
ASSUME 2^10 = 1024
ASSUME \A x \in Lo..Hi : x * x >= 0
ASSUME <<1, 1>> \in Seq({1}) /\ <<2>> \notin Seq({1})
ASSUME (TRUE => FALSE) = FALSE /\ (FALSE <=> FALSE)
ASSUME "abc" # "abd" /\ <<1, 2>> = [i \in {1, 2} |-> i]
=============================================================================
