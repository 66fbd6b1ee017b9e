--------------------------- MODULE AssignedGuards ---------------------------
(* Checking an inductive invariant: Init is the invariant itself, so every  *)
(* state is generated from a type predicate and then filtered.  Once all    *)
(* variables have values, TLC evaluates what is left of Init or of an       *)
(* action as a plain boolean, so a disjunction there (directly, under \A or *)
(* behind =>) yields one state, not one per true disjunct.                  *)
EXTENDS Naturals

Slots == 1..2
Levels == 0..3

VARIABLES lvl, busy

TypeOK == /\ lvl \in [Slots -> Levels]
          /\ busy \in SUBSET Slots

Inv == \A s \in Slots :
         /\ s \in busy => \/ lvl[s] > 0
                          \/ lvl[s] = 0 /\ busy = Slots
         /\ \/ lvl[s] < 3
            \/ s \notin busy

IInit == TypeOK /\ Inv

Raise(s) == /\ lvl' = [lvl EXCEPT ![s] = (lvl[s] + 1) % 4]
            /\ busy' \in {busy \cup {s}, busy \ {s}}
            /\ \/ lvl'[s] > 0
               \/ s \notin busy'
            /\ \A t \in Slots : \/ lvl'[t] <= 3
                                \/ t \in busy'

Next == \E s \in Slots : /\ \/ lvl[s] < 3
                            \/ s \in busy
                         /\ Raise(s)

Spec == IInit /\ [][Next]_<<lvl, busy>>
=============================================================================
