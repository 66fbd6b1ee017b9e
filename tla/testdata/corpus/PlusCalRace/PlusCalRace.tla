---------------------------- MODULE PlusCalRace ----------------------------
(* A PlusCal algorithm (kept in a comment, as PlusCal is) with its TLA+
   translation: two workers increment a shared counter by reading it into a
   local variable and writing it back, so one increment can be lost. The
   invariant that the final count is the number of increments fails. *)
EXTENDS Naturals, FiniteSets, TLC

CONSTANT Workers

(*--algorithm race
variables counter = 0, finished = 0;

fair process worker \in Workers
variable tmp = 0;
begin
  Read:
    tmp := counter;
  Write:
    counter := tmp + 1;
  Finish:
    finished := finished + 1;
end process;
end algorithm; *)
\* BEGIN TRANSLATION
VARIABLES pc, counter, finished, tmp

vars == << pc, counter, finished, tmp >>

ProcSet == (Workers)

Init == (* Global variables *)
        /\ counter = 0
        /\ finished = 0
        (* Process worker *)
        /\ tmp = [self \in Workers |-> 0]
        /\ pc = [self \in ProcSet |-> "Read"]

Read(self) == /\ pc[self] = "Read"
              /\ tmp' = [tmp EXCEPT ![self] = counter]
              /\ pc' = [pc EXCEPT ![self] = "Write"]
              /\ UNCHANGED << counter, finished >>

Write(self) == /\ pc[self] = "Write"
               /\ counter' = tmp[self] + 1
               /\ pc' = [pc EXCEPT ![self] = "Finish"]
               /\ UNCHANGED << finished, tmp >>

Finish(self) == /\ pc[self] = "Finish"
                /\ finished' = finished + 1
                /\ pc' = [pc EXCEPT ![self] = "Done"]
                /\ UNCHANGED << counter, tmp >>

worker(self) == Read(self) \/ Write(self) \/ Finish(self)

(* Allow infinite stuttering to prevent deadlock on termination. *)
Terminating == /\ \A self \in ProcSet: pc[self] = "Done"
               /\ UNCHANGED vars

Next == (\E self \in Workers: worker(self))
           \/ Terminating

Spec == /\ Init /\ [][Next]_vars
        /\ \A self \in Workers : WF_vars(worker(self))

Termination == <>(\A self \in ProcSet: pc[self] = "Done")

\* END TRANSLATION

AllCounted == finished = Cardinality(Workers) => counter = Cardinality(Workers)

=============================================================================
