------------------------------- MODULE Grid -------------------------------
(* A walker on a Width x 2 grid that moves right or down. *)
EXTENDS Naturals
VARIABLE cell
Width == 10
Cells == (0..(Width - 1)) \X (0..1)
Step == \E d \in {<<1, 0>>, <<0, 1>>} :
          /\ <<cell[1] + d[1], cell[2] + d[2]>> \in Cells
          /\ cell' = <<cell[1] + d[1], cell[2] + d[2]>>
=============================================================================
