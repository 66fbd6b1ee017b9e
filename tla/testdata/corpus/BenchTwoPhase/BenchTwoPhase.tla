---------------------------- MODULE BenchTwoPhase ----------------------------
(* Benchmark-sized two-phase commit: the TwoPhase model with more
   participants and no symmetry reduction. *)
EXTENDS FiniteSets, TLC

CONSTANT Parts

VARIABLES part, sent, tally, decision

vars == <<part, sent, tally, decision>>

PartStates == {"active", "ready", "committed", "aborted"}
Votes == {"none", "yes", "no"}

TypeOK ==
    /\ part \in [Parts -> PartStates]
    /\ sent \in [Parts -> Votes]
    /\ tally \in [Parts -> Votes]
    /\ decision \in {"undecided", "commit", "abort"}

Init ==
    /\ part = [p \in Parts |-> "active"]
    /\ sent = [p \in Parts |-> "none"]
    /\ tally = [p \in Parts |-> "none"]
    /\ decision = "undecided"

VoteYes(p) ==
    /\ part[p] = "active"
    /\ part' = [part EXCEPT ![p] = "ready"]
    /\ sent' = [sent EXCEPT ![p] = "yes"]
    /\ UNCHANGED <<tally, decision>>

VoteNo(p) ==
    /\ part[p] = "active"
    /\ part' = [part EXCEPT ![p] = "aborted"]
    /\ sent' = [sent EXCEPT ![p] = "no"]
    /\ UNCHANGED <<tally, decision>>

Receive(p) ==
    /\ decision = "undecided"
    /\ sent[p] # "none"
    /\ tally[p] = "none"
    /\ tally' = [tally EXCEPT ![p] = sent[p]]
    /\ UNCHANGED <<part, sent, decision>>

Decide ==
    /\ decision = "undecided"
    /\ \A p \in Parts : tally[p] = "yes"
    /\ decision' = "commit"
    /\ UNCHANGED <<part, sent, tally>>

GiveUp ==
    /\ decision = "undecided"
    /\ decision' = "abort"
    /\ UNCHANGED <<part, sent, tally>>

Learn(p) ==
    /\ decision # "undecided"
    /\ part[p] \in {"active", "ready"}
    /\ part' = [part EXCEPT ![p] = IF decision = "commit" THEN "committed" ELSE "aborted"]
    /\ UNCHANGED <<sent, tally, decision>>

Next ==
    \/ Decide \/ GiveUp
    \/ \E p \in Parts : VoteYes(p) \/ VoteNo(p) \/ Receive(p) \/ Learn(p)

Spec == Init /\ [][Next]_vars

Agreement ==
    \A p, q \in Parts : ~(part[p] = "committed" /\ part[q] = "aborted")

CommitNeedsAllYes == decision = "commit" => \A p \in Parts : sent[p] = "yes"

=============================================================================
