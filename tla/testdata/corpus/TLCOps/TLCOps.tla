------------------------------- MODULE TLCOps -------------------------------
(* The TLC module: :> and @@ to build functions, Permutations, ToString,
   Print and PrintT (which print and yield TRUE), and an Assert that holds. *)
EXTENDS Naturals, TLC, FiniteSets

CONSTANT Procs

ASSUME (1 :> "a" @@ 2 :> "b") = [i \in {1, 2} |-> IF i = 1 THEN "a" ELSE "b"]
ASSUME (1 :> "x" @@ 1 :> "y")[1] = "x"
ASSUME Cardinality(Permutations({1, 2, 3})) = 6
ASSUME ToString(<<1, "a">>) = "<<1, \"a\">>"
ASSUME PrintT(<<"procs", Procs>>)

VARIABLE owner

Init == owner = [p \in Procs |-> 0]

Give(p) ==
    /\ owner[p] < 2
    /\ Assert(owner[p] \in 0..1, "owner out of range")
    /\ owner' = (p :> owner[p] + 1) @@ owner

Next == \E p \in Procs : Give(p)

Spec == Init /\ [][Next]_owner

Report == owner \in [Procs -> 0..2]
Done == (\A p \in Procs : owner[p] = 2) => Print("all done", TRUE)

Symm == Permutations(Procs)
=============================================================================
