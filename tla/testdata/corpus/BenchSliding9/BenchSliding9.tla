---------------------------- MODULE BenchSliding9 ---------------------------
(* A sliding-tile puzzle on a Rows x Cols board (0 is the gap). From the
   solved board every reachable arrangement is explored: half of all
   permutations: 181440 states for this 3 x 3 model, the largest benchmark. *)
EXTENDS Naturals

CONSTANTS Rows, Cols

VARIABLE board

Cells == (0..(Rows - 1)) \X (0..(Cols - 1))
Tiles == 0..(Rows * Cols - 1)

Solved == [c \in Cells |-> (c[1] * Cols + c[2] + 1) % (Rows * Cols)]

Gap == CHOOSE c \in Cells : board[c] = 0

Neighbours(c) ==
    {n \in Cells : \/ n[1] = c[1] /\ (n[2] = c[2] + 1 \/ n[2] + 1 = c[2])
                   \/ n[2] = c[2] /\ (n[1] = c[1] + 1 \/ n[1] + 1 = c[1])}

Init == board = Solved

Slide(n) ==
    board' = [board EXCEPT ![Gap] = board[n], ![n] = 0]

Next == \E n \in Neighbours(Gap) : Slide(n)

Spec == Init /\ [][Next]_board

TypeOK == board \in [Cells -> Tiles]
AllTiles == {board[c] : c \in Cells} = Tiles
=============================================================================
