----------------------------- MODULE TailEmpty -----------------------------
(* A consumer that takes Tail without checking the queue is non-empty: TLC
   stops with "Attempted to apply Tail to the empty sequence", exit 255. *)
EXTENDS Naturals, Sequences
VARIABLE q
Init == q = <<1, 2>>
Next == q' = Tail(q)
Spec == Init /\ [][Next]_q
=============================================================================
