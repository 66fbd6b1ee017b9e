----------------------------- MODULE ParseError -----------------------------
(* A syntax error: a conjunction with a missing right operand. Exit 150. *)
EXTENDS Naturals
VARIABLE x
Init == x = 0 /\
Next == x' = x + 1
=============================================================================
