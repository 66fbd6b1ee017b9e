------------------------------ MODULE UnknownOp ------------------------------
(* Uses Len without extending Sequences: "Unknown operator", exit 150. *)
EXTENDS Naturals
VARIABLE s
Init == s = <<>>
Next == Len(s) < 3 /\ s' = s \o <<1>>
=============================================================================
