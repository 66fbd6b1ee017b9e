package runtime

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
)

// processesUsingRoot lists processes whose command line passes --root root: only runsc
// processes started for that (private) root do.
func processesUsingRoot(root string) []int {
	return slices.Sorted(maps.Keys(commandsUsingRoot(root)))
}

// commandsUsingRoot is processesUsingRoot with each process's command line.
func commandsUsingRoot(root string) map[int][]string {
	out := map[int][]string{}
	for _, pid := range procfs.Pids() {
		if args := procfs.Cmdline(pid); usesRoot(args, root) {
			out[pid] = args
		}
	}
	return out
}

// usesRoot reports whether the command line args passes --root root.
func usesRoot(args []string, root string) bool {
	for i, a := range args {
		if a == "--root="+root || a == "-root="+root || ((a == "--root" || a == "-root") && i+1 < len(args) && args[i+1] == root) {
			return true
		}
	}
	return false
}

// ppidOf is a process's parent pid (-1 once it has gone).
func ppidOf(pid int) int {
	st, ok := procfs.ReadStat(pid)
	if !ok {
		return -1
	}
	return st.PPid
}

// recordedPids returns the sandbox and gofer pids runsc recorded for container id in
// its state file under root (`<sandbox>_sandbox:<id>.state`). They are ours beyond
// doubt even once they are zombies, whose command lines can no longer be matched.
func recordedPids(root, id string) []int {
	files, _ := filepath.Glob(filepath.Join(root, "*_sandbox:"+id+".state"))
	var pids []int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var st struct {
			ID       string `json:"id"`
			GoferPid int    `json:"goferPid"`
			Sandbox  *struct {
				Pid int `json:"pid"`
			} `json:"sandbox"`
		}
		if json.Unmarshal(data, &st) != nil || st.ID != id {
			continue
		}
		if st.Sandbox != nil && st.Sandbox.Pid > 0 {
			pids = append(pids, st.Sandbox.Pid)
		}
		if st.GoferPid > 0 {
			pids = append(pids, st.GoferPid)
		}
	}
	return pids
}

// hasStateFile reports whether runsc keeps a state file for exactly id under root
// (`<sandbox>_sandbox:<id>.state`; IDs cannot hold glob metacharacters).
func hasStateFile(root, id string) bool {
	files, _ := filepath.Glob(filepath.Join(root, "*_sandbox:"+id+".state"))
	return len(files) > 0
}

// killSandboxProcess SIGKILLs runsc sandbox processes of our root whose container ID
// (the last argument of `runsc-sandbox ... boot ... ID`) is id, and forked copies of a
// killed `runsc create|run ... id` that have not yet executed the sandbox. A sandbox
// forked just before its runsc was killed may take a moment to show, so the scan is
// repeated a few times.
func (r *Runtime) killSandboxProcess(id string) int {
	n := 0
	self := os.Getpid()
	for pass := 0; pass < 5; pass++ {
		if pass > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		for pid, args := range commandsUsingRoot(r.root) {
			if args[len(args)-1] != id {
				continue
			}
			sandbox := args[0] == "runsc-sandbox"
			// Not our child, so not one of our runsc commands: a fork of one.
			orphanCopy := args[0] == "runsc" && ppidOf(pid) != self && (slices.Contains(args, "create") || slices.Contains(args, "run"))
			if !sandbox && !orphanCopy {
				continue
			}
			r.reaper.adoptPid(pid)
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
				waitDead(pid)
			}
		}
	}
	return n
}

// waitDead waits (up to 5s) until pid has exited: SIGKILL is asynchronous, and the
// caller promises that nothing is left running when it returns.
func waitDead(pid int) {
	for i := 0; i < 1000; i++ {
		st, ok := procfs.ReadStat(pid)
		if !ok || st.State == 'Z' || st.State == 'X' {
			return // gone (reaped), or dead and waiting to be
		}
		time.Sleep(5 * time.Millisecond)
	}
}
