------------------- MODULE NucleusSecurity_GVisor_GVisorRuntime -------------------
(***************************************************************************)
(* The lifecycle of driving gVisor's `runsc` from Go: a runtime that is    *)
(* resolved, probed and then either hands the process over to runsc or     *)
(* manages containers until it is closed; and, per container ID, the OCI   *)
(* lifecycle as this runsc actually behaves (see the table of observed     *)
(* behaviour the wrapper is written against).                              *)
(*                                                                         *)
(* State and action names are the names of package fsm: an action is     *)
(* named after the fsm.Event it performs, and rt / cs[c] hold fsm.State    *)
(* strings, so the reachable state graph projects onto the runtime machine *)
(* (rt) and onto one container machine (cs[c]).                            *)
(*                                                                         *)
(* Action            Go method that performs or observes it (Runtime is    *)
(*                   runtime.Runtime)                                      *)
(* ----------------  ----------------------------------------------------- *)
(* Resolve           runtime.ResolvePath / runtime.New: runsc found at a   *)
(*                   trusted path and validated                            *)
(* ResolveFail       runtime.ResolvePath / runtime.New: missing, untrusted *)
(* Probe             Runtime.Version and .ProbePlatforms: the              *)
(*                   version parses and a platform starts a sandbox        *)
(* ProbeFail         Version / ProbePlatforms: version probe failed or no  *)
(*                   usable platform                                       *)
(* Retry             runtime.New again after an Unavailable result         *)
(* ExecHandover      Runtime.ExecWithOCIBundle: the process is             *)
(*                   replaced by runsc                                     *)
(* ExecFail          ExecWithOCIBundle: exec failed after the environment  *)
(*                   was prepared                                          *)
(* Close             Runtime.Close: stop taking new containers             *)
(* CloseDone         Close returns: every container force-deleted          *)
(* Create(c)         Runtime.Create                                        *)
(* Start(c)          Runtime.Start (also arms `runsc wait`)                *)
(* Wait(c)           Runtime.Wait: arms the exit-code waiter               *)
(* Kill(c)           Runtime.Kill: a request only                          *)
(* Pause(c)          Runtime.Pause                                         *)
(* Resume(c)         Runtime.Resume                                        *)
(* Delete(c)         Runtime.Delete                                        *)
(* ForceDelete(c)    Runtime.Delete with Force set                         *)
(* Run(c)            Runtime.Run: create+start+wait+delete                 *)
(* Exit(c)           environment: the workload exits (or a kill takes      *)
(*                   effect); observed through Wait and State              *)
(* SandboxDied(c)    environment: the sandbox is killed from outside;      *)
(*                   observed through State (Wait reports no status)       *)
(* Terminated        not an operation: the stuttering step of a finished   *)
(*                   system, so that deadlock checking stays on            *)
(*                                                                         *)
(* Every runsc operation may fail; a failed one leaves the state as it was *)
(* (res' = "failed").  Where runsc itself breaks that rule the wrapper     *)
(* refuses the call before runsc runs (res' = "refused"):                  *)
(*  - create of an ID that exists: runsc fails but deletes the existing    *)
(*    container's state, leaving its sandbox running untracked;            *)
(*  - pause of a created container: runsc panics and wedges the sandbox;   *)
(*  - delete (without force) of a created container: runsc deletes it,     *)
(*    the OCI spec says only stopped containers may be deleted.            *)
(* The spec does not fork per runsc line (runtime.Behaviour says how one   *)
(* binary differs). Where a newer runsc drops a trap, the step is refused  *)
(* all the same: current gVisor refuses a duplicate create itself, and it  *)
(* accepts kill of a created container, but Kill(c) is enabled from        *)
(* Running only (OCI: kill needs a running container) on every line.       *)
(* Where a newer runsc adds a trap, the wrapper covers it below this spec: *)
(*  - the zombie window: `state` says running after the workload exited,   *)
(*    until the sandbox process is reaped; the wrapper reaps it (or waits  *)
(*    for init to) before it reports Exit, so Exit(c) and a plain Delete   *)
(*    from Stopped mean the same on both lines;                            *)
(*  - null-netns: runsc leaves an nsfs mount in its --root; the wrapper    *)
(*    passes --gofer-network-namespace=new and unmounts anything left      *)
(*    before CloseDone removes the root.                                   *)
(* RunscCreatesDuplicate and RunscPausesCreated say what runsc would do if *)
(* it were asked; no action uses them, and the invariants                  *)
(* NoDuplicateCreate and NoPauseFromCreated check that it never is (the    *)
(* mutants under mutants/ call them and fail those invariants).            *)
(***************************************************************************)
EXTENDS Naturals

CONSTANTS
    Containers,   \* container IDs (model values)
    ExitCodes,    \* exit statuses a workload can report, e.g. {0, 3, 143}
    NoCode,       \* model value: the container has not stopped
    UnknownCode   \* model value: stopped, but runsc cannot say with which status

ASSUME NoCode \notin ExitCodes /\ UnknownCode \notin ExitCodes /\ NoCode # UnknownCode

VARIABLES
    rt,          \* runtime state
    cs,          \* cs[c]: state of container c
    armed,       \* armed[c]: an exit-code waiter (`runsc wait`) is armed or has reported
    killReq,     \* killReq[c]: a kill was requested and accepted by runsc
    exit,        \* exit[c]: the exit status the wrapper knows
    exitWrites,  \* exitWrites[c]: how often exit[c] was written (ghost)
    orphan,      \* orphan[c]: runsc lost the state of a running sandbox (ghost)
    wedged,      \* wedged[c]: the sandbox kernel is paused under a created container (ghost)
    res          \* result of the last step: "none", "ok", "failed", "refused"

vars == <<rt, cs, armed, killReq, exit, exitWrites, orphan, wedged, res>>

\* What a failed or refused step must leave alone: everything the wrapper
\* and runsc can observe.
observable == <<rt, cs, armed, killReq, exit, exitWrites>>

RuntimeStates == {"Unresolved", "Resolved", "Available", "Unavailable",
                  "Closing", "Closed", "Done", "Failed"}
ContainerStates == {"Absent", "Created", "Running", "Paused", "Stopped", "Deleted"}
Live == {"Created", "Running", "Paused", "Stopped"}   \* known to runsc
Gone == {"Absent", "Deleted"}                         \* nothing left in runsc
Results == {"none", "ok", "failed", "refused"}

AllGone == \A c \in Containers : cs[c] \in Gone

-----------------------------------------------------------------------------
Init ==
    /\ rt = "Unresolved"
    /\ cs = [c \in Containers |-> "Absent"]
    /\ armed = [c \in Containers |-> FALSE]
    /\ killReq = [c \in Containers |-> FALSE]
    /\ exit = [c \in Containers |-> NoCode]
    /\ exitWrites = [c \in Containers |-> 0]
    /\ orphan = [c \in Containers |-> FALSE]
    /\ wedged = [c \in Containers |-> FALSE]
    /\ res = "none"

\* Runtime steps touch only rt.  Every action below is a conjunction, so
\* TLC names its steps after it (and not after this helper).
RuntimeTo(s) ==
    /\ rt' = s
    /\ res' = "ok"
    /\ UNCHANGED <<cs, armed, killReq, exit, exitWrites, orphan, wedged>>

Resolve     == rt = "Unresolved" /\ RuntimeTo("Resolved")
ResolveFail == rt = "Unresolved" /\ RuntimeTo("Unavailable")
Probe       == rt = "Resolved" /\ RuntimeTo("Available")
ProbeFail   == rt = "Resolved" /\ RuntimeTo("Unavailable")
Retry       == rt = "Unavailable" /\ RuntimeTo("Unresolved")

\* Exec replaces the process: only when it would not abandon a container.
ExecHandover == rt = "Available" /\ AllGone /\ RuntimeTo("Done")
ExecFail     == rt = "Available" /\ AllGone /\ RuntimeTo("Failed")

Close     == rt = "Available" /\ RuntimeTo("Closing")
CloseDone == rt = "Closing" /\ AllGone /\ RuntimeTo("Closed")

-----------------------------------------------------------------------------
\* Container steps.  The helpers below are used as conjuncts only, so TLC
\* names every step after the action (the event) that contains it.

SetCs(c, s) == cs' = [cs EXCEPT ![c] = s]

\* runsc ran and failed: nothing observable changes.
RunscFailed == res' = "failed" /\ UNCHANGED <<observable, orphan, wedged>>

\* The wrapper refused before runsc ran.
WrapperRefused == res' = "refused" /\ UNCHANGED <<observable, orphan, wedged>>

\* What runsc does with a create of an ID it has: it fails, and deletes the
\* existing container's state, so its sandbox keeps running untracked.
RunscCreatesDuplicate(c) ==
    /\ res' = "failed"
    /\ orphan' = [orphan EXCEPT ![c] = TRUE]
    /\ UNCHANGED <<observable, wedged>>

\* What runsc does with a pause of a created container: it panics (exit 2),
\* the status stays created, but the sandbox kernel stays paused.
RunscPausesCreated(c) ==
    /\ res' = "failed"
    /\ wedged' = [wedged EXCEPT ![c] = TRUE]
    /\ UNCHANGED <<observable, orphan>>

Create(c) ==
    /\ rt = "Available"
    /\ \/ /\ cs[c] = "Absent"
          /\ \/ /\ SetCs(c, "Created")
                /\ res' = "ok"
                /\ UNCHANGED <<rt, armed, killReq, exit, exitWrites, orphan, wedged>>
             \/ RunscFailed
       \/ /\ cs[c] \in Live   \* duplicate ID: runsc would orphan the sandbox
          /\ WrapperRefused

\* The wrapper arms `runsc wait` as part of Start; arming can fail on its
\* own, which leaves a running container without a waiter (see Wait).
Start(c) ==
    /\ rt = "Available"
    /\ cs[c] = "Created"
    /\ \/ /\ SetCs(c, "Running")
          /\ armed' \in {[armed EXCEPT ![c] = TRUE], [armed EXCEPT ![c] = FALSE]}
          /\ res' = "ok"
          /\ UNCHANGED <<rt, killReq, exit, exitWrites, orphan, wedged>>
       \/ RunscFailed

\* runsc reports a status only to a waiter armed while the container runs.
Wait(c) ==
    /\ rt = "Available"
    /\ cs[c] = "Running"
    /\ \/ /\ armed' = [armed EXCEPT ![c] = TRUE]
          /\ res' = "ok"
          /\ UNCHANGED <<rt, cs, killReq, exit, exitWrites, orphan, wedged>>
       \/ RunscFailed

\* A request: the container keeps running until Exit.
Kill(c) ==
    /\ rt = "Available"
    /\ cs[c] = "Running"
    /\ \/ /\ killReq' = [killReq EXCEPT ![c] = TRUE]
          /\ res' = "ok"
          /\ UNCHANGED <<rt, cs, armed, exit, exitWrites, orphan, wedged>>
       \/ RunscFailed

\* Pausing a container whose kill is on its way would hold the stop back.
Pause(c) ==
    /\ rt = "Available"
    /\ \/ /\ cs[c] = "Running"
          /\ ~killReq[c]
          /\ \/ /\ SetCs(c, "Paused")
                /\ res' = "ok"
                /\ UNCHANGED <<rt, armed, killReq, exit, exitWrites, orphan, wedged>>
             \/ RunscFailed
       \/ /\ cs[c] = "Created"   \* runsc would panic and wedge the sandbox
          /\ WrapperRefused
       \/ /\ cs[c] = "Running"
          /\ killReq[c]
          /\ WrapperRefused

\* While Closing, the only resume is the wrapper's own: runsc's delete
\* --force panics on a paused container, so a force-delete resumes it
\* first, and when the delete then fails the container runs on until a
\* later force-delete.
Resume(c) ==
    /\ rt \in {"Available", "Closing"}
    /\ cs[c] = "Paused"
    /\ \/ /\ SetCs(c, "Running")
          /\ res' = "ok"
          /\ UNCHANGED <<rt, armed, killReq, exit, exitWrites, orphan, wedged>>
       \/ RunscFailed

Delete(c) ==
    /\ rt = "Available"
    /\ \/ /\ cs[c] = "Stopped"
          /\ \/ /\ SetCs(c, "Deleted")
                /\ res' = "ok"
                /\ UNCHANGED <<rt, armed, killReq, exit, exitWrites, orphan, wedged>>
             \/ RunscFailed
       \/ /\ cs[c] = "Created"   \* OCI: only stopped; runsc would delete it
          /\ WrapperRefused

\* Also what Close does to every container still known to runsc.
ForceDelete(c) ==
    /\ rt \in {"Available", "Closing"}
    /\ cs[c] \in Live
    /\ \/ /\ SetCs(c, "Deleted")
          /\ res' = "ok"
          /\ UNCHANGED <<rt, armed, killReq, exit, exitWrites, orphan, wedged>>
       \/ RunscFailed

\* `runsc run` reports the workload's status; a failed Run is cleaned up
\* by the wrapper and leaves the ID absent.
Run(c) ==
    /\ rt = "Available"
    /\ cs[c] = "Absent"
    /\ \/ /\ SetCs(c, "Deleted")
          /\ \E code \in ExitCodes : exit' = [exit EXCEPT ![c] = code]
          /\ exitWrites' = [exitWrites EXCEPT ![c] = @ + 1]
          /\ armed' = [armed EXCEPT ![c] = TRUE]
          /\ res' = "ok"
          /\ UNCHANGED <<rt, killReq, orphan, wedged>>
       \/ RunscFailed

-----------------------------------------------------------------------------
\* Environment steps: they happen to the wrapper, they never fail.

\* The workload exits with some status (after a kill: whatever the signal
\* made of it).  Only an armed waiter learns the status.
Exit(c) ==
    /\ cs[c] = "Running"
    /\ SetCs(c, "Stopped")
    /\ \E code \in ExitCodes :
          exit' = [exit EXCEPT ![c] = IF armed[c] THEN code ELSE UnknownCode]
    /\ exitWrites' = [exitWrites EXCEPT ![c] = @ + 1]
    /\ res' = "ok"
    /\ UNCHANGED <<rt, armed, killReq, orphan, wedged>>

\* The sandbox is killed from outside: runsc says stopped, and an armed
\* waiter returns without a status ("exit status is unavailable").
SandboxDied(c) ==
    /\ cs[c] \in {"Created", "Running", "Paused"}
    /\ SetCs(c, "Stopped")
    /\ exit' = [exit EXCEPT ![c] = UnknownCode]
    /\ exitWrites' = [exitWrites EXCEPT ![c] = @ + 1]
    /\ armed' = [armed EXCEPT ![c] = FALSE]
    /\ res' = "ok"
    /\ UNCHANGED <<rt, killReq, orphan, wedged>>

\* Nothing is left to do: the runtime is finished and no container remains.
Terminated ==
    /\ rt \in {"Done", "Closed", "Failed"}
    /\ AllGone
    /\ UNCHANGED vars

-----------------------------------------------------------------------------
RuntimeNext ==
    \/ Resolve \/ ResolveFail \/ Probe \/ ProbeFail \/ Retry
    \/ ExecHandover \/ ExecFail \/ Close \/ CloseDone

ContainerNext(c) ==
    \/ Create(c) \/ Start(c) \/ Wait(c) \/ Kill(c) \/ Pause(c) \/ Resume(c)
    \/ Delete(c) \/ ForceDelete(c) \/ Run(c) \/ Exit(c) \/ SandboxDied(c)

Next == RuntimeNext \/ (\E c \in Containers : ContainerNext(c)) \/ Terminated

\* Fairness, each for one liveness property below:
\*  - resolution runs to an outcome (it does not hang forever);
\*  - a kill runsc accepted takes effect;
\*  - while closing, force-delete keeps being retried until it succeeds;
\*  - Close returns once nothing is left.
Fairness ==
    /\ WF_vars(Resolve \/ ResolveFail)
    /\ \A c \in Containers : WF_vars(killReq[c] /\ Exit(c))
    /\ \A c \in Containers :
          WF_vars(rt = "Closing" /\ ForceDelete(c) /\ cs'[c] = "Deleted")
    /\ WF_vars(CloseDone)

Spec == Init /\ [][Next]_vars /\ Fairness

-----------------------------------------------------------------------------
\* Invariants.

TypeOK ==
    /\ rt \in RuntimeStates
    /\ cs \in [Containers -> ContainerStates]
    /\ armed \in [Containers -> BOOLEAN]
    /\ killReq \in [Containers -> BOOLEAN]
    /\ exit \in [Containers -> ExitCodes \cup {NoCode, UnknownCode}]
    /\ exitWrites \in [Containers -> Nat]
    /\ orphan \in [Containers -> BOOLEAN]
    /\ wedged \in [Containers -> BOOLEAN]
    /\ res \in Results

\* A container exists in runsc only while the runtime can manage it:
\* Available, or Closing (where it is being force-deleted).  In particular
\* exec never abandons a container and Close leaks none.
ContainerOpsRequireAvailable ==
    \A c \in Containers : cs[c] \in Live => rt \in {"Available", "Closing"}

\* runsc never saw a create for an ID it already had.
NoDuplicateCreate == \A c \in Containers : ~orphan[c]

\* runsc never saw a pause of a created container.
NoPauseFromCreated == \A c \in Containers : ~wedged[c]

ExitCodeSetOnce == \A c \in Containers : exitWrites[c] <= 1

\* A container that stopped under an armed waiter has a known status.
ExitCodeKnownIfWaitArmed ==
    \A c \in Containers : (cs[c] = "Stopped" /\ armed[c]) => exit[c] \in ExitCodes

\* A status exists exactly when the container has stopped: Kill alone sets none.
ExitCodeOnlyWhenStopped ==
    \A c \in Containers :
        (exit[c] # NoCode) <=> (cs[c] \in {"Stopped", "Deleted"} /\ exitWrites[c] > 0)

-----------------------------------------------------------------------------
\* Action properties: terminal states stay put, failures change nothing.

DoneStaysDone     == [][rt = "Done" => rt' = "Done"]_vars
ClosedStaysClosed == [][rt = "Closed" => rt' = "Closed"]_vars
FailedStaysFailed == [][rt = "Failed" => rt' = "Failed"]_vars
DeletedStaysDeleted ==
    [][\A c \in Containers : cs[c] = "Deleted" => cs'[c] = "Deleted"]_vars
FailedOpLeavesState ==
    [][res' \in {"failed", "refused"} => UNCHANGED observable]_vars

-----------------------------------------------------------------------------
\* Liveness (under Fairness).

LeavesUnresolved == (rt = "Unresolved") ~> (rt # "Unresolved")

\* Deleted counts: force-delete stops the container too.
KillLeadsToStopped ==
    \A c \in Containers :
        (cs[c] = "Running" /\ killReq[c]) ~> (cs[c] \in {"Stopped", "Deleted"})

\* No leaks: after Close every container runsc knows is deleted ...
CloseDeletesAll ==
    \A c \in Containers : (rt = "Closing" /\ cs[c] # "Absent") ~> (cs[c] = "Deleted")

\* ... and Close returns.
CloseCompletes == (rt = "Closing") ~> (rt = "Closed")

=============================================================================
