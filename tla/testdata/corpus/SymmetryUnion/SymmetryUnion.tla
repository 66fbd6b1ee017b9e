---------------------------- MODULE SymmetryUnion ----------------------------
(* A SYMMETRY set that is not a group: the permutations of the owners and,   *)
(* separately, those of the keys. TLC reduces by the group they generate, so *)
(* states that need an owner and a key swapped at once are merged too.       *)
EXTENDS Naturals, TLC

CONSTANTS Owners, Keys

VARIABLES owner, key, round

Init == /\ owner \in Owners
        /\ key \in Keys
        /\ round = 0

Next == /\ round < 3
        /\ owner' \in Owners
        /\ key' \in Keys \ {key}
        /\ round' = round + 1

Spec == Init /\ [][Next]_<<owner, key, round>>

Symm == Permutations(Owners) \cup Permutations(Keys)
=============================================================================
