#!/usr/bin/env python3
"""mutate.py writes the mutants under spec/mutants/ from the spec: each is the
spec with one deliberate mistake (a find/replace below, which must match
exactly once) and a cfg that checks only the invariant or property the
mistake breaks. Re-run it after changing the spec, then spec/mutants/run.sh.

Usage: spec/mutants/mutate.py [--check]
  --check  write nothing; exit 1 when a committed mutant differs from what
           the current spec gives.
"""
import os, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
M='NucleusSecurity_GVisor_GVisorRuntime'
spec=open(os.path.join(root, f'{M}.tla')).read()
cfg=open(os.path.join(root, f'{M}.cfg')).read()
cfg_head=cfg[:cfg.index('SPECIFICATION')]
INV=12; PROP=13  # TLC's exit codes for the two kinds of violation
muts = {
 'TypeOK': (INV, 'Retry leads to a state the runtime does not have',
   [('Retry       == rt = "Unavailable" /\\ RuntimeTo("Unresolved")',
     'Retry       == rt = "Unavailable" /\\ RuntimeTo("Retrying")')]),
 'ContainerOpsRequireAvailable': (INV, 'Create does not check that the runtime is Available',
   [('Create(c) ==\n    /\\ rt = "Available"', 'Create(c) ==\n    /\\ rt \\in RuntimeStates')]),
 'NoDuplicateCreate': (INV, 'the wrapper passes a duplicate-ID create to runsc',
   [('/\\ cs[c] \\in Live   \\* duplicate ID: runsc would orphan the sandbox\n          /\\ WrapperRefused',
     '/\\ cs[c] \\in Live   \\* duplicate ID: runsc would orphan the sandbox\n          /\\ RunscCreatesDuplicate(c)')]),
 'NoPauseFromCreated': (INV, 'the wrapper passes a pause of a created container to runsc',
   [('/\\ cs[c] = "Created"   \\* runsc would panic and wedge the sandbox\n          /\\ WrapperRefused',
     '/\\ cs[c] = "Created"   \\* runsc would panic and wedge the sandbox\n          /\\ RunscPausesCreated(c)')]),
 'ExitCodeSetOnce': (INV, 'a sandbox can die again after it stopped, overwriting the status',
   [('SandboxDied(c) ==\n    /\\ cs[c] \\in {"Created", "Running", "Paused"}',
     'SandboxDied(c) ==\n    /\\ cs[c] \\in {"Created", "Running", "Paused", "Stopped"}')]),
 'ExitCodeKnownIfWaitArmed': (INV, 'Exit ignores the armed waiter',
   [('exit\' = [exit EXCEPT ![c] = IF armed[c] THEN code ELSE UnknownCode]',
     'exit\' = [exit EXCEPT ![c] = UnknownCode]')]),
 'ExitCodeOnlyWhenStopped': (INV, 'Kill records a status as if the request were the stop',
   [('''    /\\ \\/ /\\ killReq' = [killReq EXCEPT ![c] = TRUE]
          /\\ res' = "ok"
          /\\ UNCHANGED <<rt, cs, armed, exit, exitWrites, orphan, wedged>>''',
     '''    /\\ \\/ /\\ killReq' = [killReq EXCEPT ![c] = TRUE]
          /\\ \\E code \\in ExitCodes : exit' = [exit EXCEPT ![c] = code]
          /\\ res' = "ok"
          /\\ UNCHANGED <<rt, cs, armed, exitWrites, orphan, wedged>>''')]),
 'DoneStaysDone': (PROP, 'Retry also restarts a runtime that handed over to runsc',
   [('Retry       == rt = "Unavailable" /\\', 'Retry       == rt \\in {"Unavailable", "Done"} /\\')]),
 'ClosedStaysClosed': (PROP, 'Retry also reopens a closed runtime',
   [('Retry       == rt = "Unavailable" /\\', 'Retry       == rt \\in {"Unavailable", "Closed"} /\\')]),
 'FailedStaysFailed': (PROP, 'Retry also restarts a runtime whose exec failed',
   [('Retry       == rt = "Unavailable" /\\', 'Retry       == rt \\in {"Unavailable", "Failed"} /\\')]),
 'DeletedStaysDeleted': (PROP, 'Create re-uses the ID of a deleted container in the same machine',
   [('''    /\\ \\/ /\\ cs[c] = "Absent"
          /\\ \\/ /\\ SetCs(c, "Created")''',
     '''    /\\ \\/ /\\ cs[c] \\in Gone
          /\\ \\/ /\\ SetCs(c, "Created")''')]),
 'FailedOpLeavesState': (PROP, 'a failed Kill still records the kill request',
   [('''          /\\ UNCHANGED <<rt, cs, armed, exit, exitWrites, orphan, wedged>>
       \\/ RunscFailed''',
     '''          /\\ UNCHANGED <<rt, cs, armed, exit, exitWrites, orphan, wedged>>
       \\/ /\\ res' = "failed"
          /\\ killReq' = [killReq EXCEPT ![c] = TRUE]
          /\\ UNCHANGED <<rt, cs, armed, exit, exitWrites, orphan, wedged>>''')]),
 'LeavesUnresolved': (PROP, 'no fairness for resolution: it may hang forever',
   [('    /\\ WF_vars(Resolve \\/ ResolveFail)\n', '')]),
 'KillLeadsToStopped': (PROP, 'the wrapper pauses a container whose kill is on its way',
   [('''          /\\ ~killReq[c]
''', ''), ('''       \\/ /\\ cs[c] = "Running"
          /\\ killReq[c]
          /\\ WrapperRefused
''', '')]),
 'CloseDeletesAll': (PROP, 'Close gives up force-deleting (no fairness for ForceDelete)',
   [('''    /\\ \\A c \\in Containers :
          WF_vars(rt = "Closing" /\\ ForceDelete(c) /\\ cs'[c] = "Deleted")
''', '')]),
 'CloseCompletes': (PROP, 'Close may never return (no fairness for CloseDone)',
   [('    /\\ WF_vars(CloseDone)\n', '')]),
}
check = sys.argv[1:] == ['--check']
stale = []
for name,(code,why,reps) in muts.items():
    s=spec
    for a,b in reps:
        n=s.count(a)
        if n != 1:
            sys.exit(f'mutate.py: {name}: pattern matches {n} times, want 1:\n{a}')
        s=s.replace(a,b)
    # say in the module what was changed, right below the header line
    lines=s.split('\n')
    lines.insert(1, f'\\* MUTANT for {name}: {why}.')
    s='\n'.join(lines)
    kw='INVARIANT' if code==INV else 'PROPERTY'
    c=cfg_head+f'SPECIFICATION Spec\n\n{kw} {name}\n\nCHECK_DEADLOCK TRUE\n'
    c=c.replace('\\* Two containers','\\* The main cfg, checking only '+name+'.\n\\* Two containers',1)
    d=os.path.join(here, name)
    for path, text in ((f'{d}/{M}.tla', s), (f'{d}/{M}.cfg', c)):
        if check:
            try:
                same = open(path).read() == text
            except OSError:
                same = False
            if not same:
                stale.append(path)
            continue
        os.makedirs(d, exist_ok=True)
        open(path,'w').write(text)
if stale:
    print('stale mutants (run spec/mutants/mutate.py):', *stale, sep='\n  ')
    sys.exit(1)
