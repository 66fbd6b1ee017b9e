--------------------------- MODULE BagsInventory ---------------------------
(* A shop inventory kept as a bag (multiset) of items, using the Bags module:
   (+), (-), BagIn, CopiesIn, BagToSet, SetToBag, BagCardinality, \sqsubseteq. *)
EXTENDS Naturals, Bags

CONSTANTS Items, Cap

VARIABLES stock, sold

vars == <<stock, sold>>

ASSUME BagCardinality(SetToBag({1, 2}) (+) SetToBag({2})) = 3
ASSUME CopiesIn(2, SetToBag({1, 2}) (+) SetToBag({2})) = 2
ASSUME BagToSet((1 :> 2) (-) (1 :> 2)) = {}
ASSUME SetToBag({1}) \sqsubseteq SetToBag({1, 2})
ASSUME IsABag(EmptyBag)

Init == stock = EmptyBag /\ sold = EmptyBag

Restock(i) ==
    /\ BagCardinality(stock) < Cap
    /\ stock' = stock (+) SetToBag({i})
    /\ UNCHANGED sold

Sell(i) ==
    /\ BagIn(i, stock)
    /\ stock' = stock (-) SetToBag({i})
    /\ sold' = IF CopiesIn(i, sold) < 2 THEN sold (+) SetToBag({i}) ELSE sold

Next == \E i \in Items : Restock(i) \/ Sell(i)

Spec == Init /\ [][Next]_vars

TypeOK ==
    /\ IsABag(stock) /\ IsABag(sold)
    /\ BagToSet(stock) \subseteq Items
    /\ BagCardinality(stock) <= Cap
    /\ \A i \in BagToSet(sold) : CopiesIn(i, sold) <= 2
=============================================================================
