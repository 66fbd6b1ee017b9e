// Command fakerunsc is a fake runsc for unit tests; see package fakerunsc.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc/profile"
)

// state is the fake's record of one container, shared with the tests.
type state = profile.State

var (
	root, logPath, platform, network = "/var/run/runsc", "", "", "sandbox"
	faults                           profile.Faults
	sub, self                        string
)

func main() {
	if filepath.Base(os.Args[0]) == "runsc-pipe-holder" {
		ms, _ := strconv.Atoi(os.Args[len(os.Args)-1])
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return
	}
	self, _ = os.Executable()
	if data, err := os.ReadFile(profile.ProfilePath(self)); err == nil {
		json.Unmarshal(data, &faults)
	}
	if filepath.Base(os.Args[0]) == "runsc-sandbox" {
		sandbox(os.Args[len(os.Args)-2], os.Args[len(os.Args)-1])
		return
	}
	if f, err := os.OpenFile(profile.CallsPath(self), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
		b, _ := json.Marshal(profile.Call{Args: os.Args[1:], Env: os.Environ()})
		f.Write(append(b, '\n'))
		f.Close()
	}
	args := os.Args[1:]
	i := 0
	for ; i < len(args) && strings.HasPrefix(args[i], "-"); i++ {
		name, val, has := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		switch name {
		case "version":
			sub = "--version"
			inject()
			if faults.Version != "" {
				fmt.Print(faults.Version)
			} else {
				fmt.Print("runsc version 0.0~20221219.0\nspec: 1.0.2-dev\n")
			}
			os.Exit(0)
		case "root", "log", "log-format", "platform", "network", "debug-log", "overlay2", "gofer-network-namespace":
			if !has {
				i++
				if i < len(args) {
					val = args[i]
				}
			}
			switch name {
			case "root":
				root = val
			case "log":
				logPath = val
			case "platform":
				platform = val
			case "network":
				network = val
			}
		case "debug", "rootless", "ignore-cgroups", "overlay":
		default:
			fmt.Fprintf(os.Stderr, "flag provided but not defined: -%s\nUsage: runsc <flags> <subcommand> <subcommand args>\n", name)
			os.Exit(2)
		}
	}
	if i >= len(args) {
		fmt.Fprintln(os.Stderr, "Usage: runsc <flags> <subcommand> <subcommand args>")
		os.Exit(2)
	}
	sub = args[i]
	rest := args[i+1:]
	flags := map[string]string{}
	var pos []string
	for j := 0; j < len(rest); j++ {
		name, val, has := strings.Cut(strings.TrimLeft(rest[j], "-"), "=")
		if !strings.HasPrefix(rest[j], "-") {
			pos = append(pos, rest[j])
			continue
		}
		switch name {
		case "bundle", "format", "pid-file", "console-socket":
			if !has && j+1 < len(rest) {
				j++
				val = rest[j]
			}
			flags[name] = val
		case "force", "all":
			flags[name] = "true"
		default:
			fail(128, fmt.Sprintf("flag provided but not defined: -%s", name))
		}
	}
	inject()
	id := ""
	if len(pos) > 0 {
		id = pos[0]
	}
	switch sub {
	case "flags":
		// What `runsc flags` prints: one "  -name" line per global flag it accepts.
		for _, f := range []string{"debug", "debug-log", "gofer-network-namespace", "ignore-cgroups", "log", "log-format",
			"network", "overlay", "overlay2", "platform", "root", "rootless"} {
			fmt.Printf("  -%s\n    \t(fake)\n", f)
		}
		os.Exit(0)
	case "create":
		s := create(id, flags["bundle"])
		if f := flags["pid-file"]; f != "" {
			// As runsc: the sandbox's pid, for a runc-style client to wait for.
			os.WriteFile(f, []byte(strconv.Itoa(s.Pid)), 0o644)
		}
	case "start":
		start(id)
	case "state":
		s := load(id, "loading container: file does not exist")
		out, _ := json.MarshalIndent(map[string]any{"ociVersion": "1.0.2-dev", "id": s.ID, "status": s.Status, "pid": s.Pid, "bundle": s.Bundle}, "", "  ")
		emit(out, false)
	case "list":
		var l []map[string]any
		for _, s := range all() {
			l = append(l, map[string]any{"ociVersion": "1.0.2-dev", "id": s.ID, "status": s.Status, "pid": s.Pid, "bundle": s.Bundle})
		}
		if l == nil {
			l = []map[string]any{}
		}
		out, _ := json.Marshal(l)
		emit(out, true)
	case "kill":
		kill(id, pos)
	case "wait":
		wait(id)
	case "pause":
		s := load(id, "loading container: file does not exist")
		switch s.Status {
		case "created":
			s.Wedged = true
			save(s)
			fmt.Fprintln(os.Stderr, "panic: invalid state transition: created => paused\n\ngoroutine 1 [running]:")
			os.Exit(2)
		case "running":
			s.Status = "paused"
			save(s)
		default:
			fail(128, fmt.Sprintf("pausing container: cannot pause container %q in state %s", s.ID, s.Status))
		}
	case "resume":
		s := load(id, "loading container: file does not exist")
		if s.Status != "paused" || s.Wedged {
			fail(128, fmt.Sprintf("resuming container: cannot resume container %q in state %s", s.ID, s.Status))
		}
		s.Status = "running"
		save(s)
	case "delete":
		del(id, flags["force"] == "true")
	case "run":
		run(id, flags["bundle"])
	default:
		fail(128, "unknown subcommand "+sub)
	}
	after()
}

// after applies the profile's faults that act after the effect.
func after() {
	if ms := faults.PipeHold[sub]; ms > 0 && fire() {
		holdPipes(ms)
	}
	if faults.KillMid[sub] && fire() {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		hang()
	}
	if ms := faults.SlowAfter[sub]; ms > 0 && fire() {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	if faults.HangAfter[sub] && fire() {
		hang()
	}
}

// fire reports whether a fault that applies now fires: always, unless the profile
// is one-shot and a fault has fired already (the first invocation to claim the
// marker file wins).
func fire() bool {
	if !faults.Once {
		return true
	}
	f, err := os.OpenFile(profile.FiredPath(self), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// holdPipes starts a child that keeps this process's stdout and stderr open for ms
// milliseconds, as a runsc child that inherits them would. Like every process runsc
// leaves behind, it names the root on its command line.
func holdPipes(ms int) {
	cmd := exec.Command("/proc/self/exe", "--root="+root, strconv.Itoa(ms))
	cmd.Args[0] = "runsc-pipe-holder"
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Start()
}

// inject applies the profile's faults that act before the effect.
func inject() {
	if code, ok := faults.Exit[sub]; ok && fire() {
		msg := faults.Message
		if msg == "" {
			msg = "injected failure of " + sub
		}
		fail(code, msg)
	}
	if faults.HangBefore[sub] && fire() {
		hang()
	}
}

func emit(out []byte, newline bool) {
	switch {
	case faults.Garbage[sub] && fire():
		out = []byte("{\"id\": <<garbage")
	case faults.Truncated[sub] && fire():
		out = out[:len(out)/2]
	case faults.Noisy[sub] && fire():
		out = append([]byte("W1202 12:00:00.000000 1 runsc.go:42] noise before the JSON\n"), out...)
		out = append(out, "\nnoise after the JSON"...)
	}
	os.Stdout.Write(out)
	if newline {
		os.Stdout.Write([]byte("\n"))
	}
}

func fail(code int, msg string) {
	if logPath != "" {
		if f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
			b, _ := json.Marshal(map[string]string{"msg": msg, "level": "error", "time": time.Now().Format(time.RFC3339Nano)})
			f.Write(b)
			f.Close()
		}
	}
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}

func stateFile(id string) string { return profile.StateFile(root, id) }

func all() []*state {
	ents, _ := os.ReadDir(root)
	var out []*state
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".state") {
			continue
		}
		if s := read(filepath.Join(root, e.Name())); s != nil {
			out = append(out, s)
		}
	}
	return out
}

func read(p string) *state {
	s, _ := profile.ReadState(p)
	return s
}

func save(s *state) { profile.WriteState(root, s) }

// load resolves id by prefix, like runsc: an exact ID is ambiguous when another
// container's ID starts with it.
func load(id, missing string) *state {
	var match []*state
	for _, s := range all() {
		if strings.HasPrefix(s.ID, id) {
			match = append(match, s)
		}
	}
	switch len(match) {
	case 0:
		fail(128, missing)
	case 1:
		return match[0]
	}
	fail(128, fmt.Sprintf("loading container %q: id %q is ambiguous and could refer to multiple containers", id, id))
	return nil
}

// validID is runsc's `^[\w+.-]+$`, written out: a regexp compiled at start-up
// would cost every invocation more than the check itself.
func validID(id string) bool {
	if id == "" {
		return false
	}
	for _, c := range []byte(id) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '+' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// exitCode parses a shell command `exit N`.
func exitCode(cmd string) (int, bool) {
	n, ok := strings.CutPrefix(cmd, "exit ")
	if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
		return 0, false
	}
	code, _ := strconv.Atoi(n)
	return code, true
}

func fastExit(bundle string) (*int, error) {
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("reading spec: error opening spec file %q: %v", filepath.Join(bundle, "config.json"), err)
	}
	var spec struct {
		Process struct{ Args []string } `json:"process"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("reading spec: %v", err)
	}
	a := spec.Process.Args
	if len(a) == 0 {
		return nil, fmt.Errorf("reading spec: process.args empty")
	}
	code := -1
	switch filepath.Base(a[0]) {
	case "true":
		code = 0
	case "false":
		code = 1
	}
	if c, ok := exitCode(a[len(a)-1]); ok {
		code = c
	}
	if code < 0 {
		return nil, nil
	}
	return &code, nil
}

func checkPlatform() {
	switch platform {
	case "systrap":
		fail(128, "unknown platform: systrap")
	case "kvm":
		for { // nested virtualization: forever, whatever the profile
			time.Sleep(time.Hour)
		}
	}
}

func create(id, bundle string) *state {
	if !validID(id) {
		fail(128, "creating container: invalid container id: "+id)
	}
	if bundle == "" {
		bundle, _ = os.Getwd()
	}
	fe, err := fastExit(bundle)
	if err != nil {
		fail(128, err.Error())
	}
	checkPlatform()
	if len(id) > 92 {
		// The sandbox's control socket "\x00runsc-sandbox.<id>" must fit in a unix
		// socket address; the real runsc gets this far before it fails.
		fail(128, fmt.Sprintf("cannot create sandbox: cannot create sandbox process: creating control server socket for sandbox %q: invalid argument", id))
	}
	os.MkdirAll(root, 0o711)
	if _, err := os.Stat(stateFile(id)); err == nil {
		// The real runsc's trap: the existing container's state goes, its sandbox stays.
		os.Remove(stateFile(id))
		fail(128, "creating container: container already exists")
	}
	// Re-executed through /proc/self/exe like the real sandbox, so it shows as "exe".
	cmd := exec.Command("/proc/self/exe", "--root="+root, "boot", root, id)
	cmd.Args[0] = "runsc-sandbox"
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr // inherited, as by the real sandbox
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	s := &state{ID: id, Status: "created", Bundle: bundle, FastExit: fe}
	// The marker tells the sandbox its state is still to come (rather than deleted).
	pending := stateFile(id) + ".pending"
	os.WriteFile(pending, nil, 0o644)
	defer os.Remove(pending)
	if err := cmd.Start(); err != nil {
		os.Remove(pending) // fail exits: deferred calls do not run
		fail(128, "cannot create sandbox: "+err.Error())
	}
	if faults.HangMidCreate {
		hang()
	}
	if faults.KillMid[sub] && fire() {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		hang()
	}
	if faults.RecordDelay > 0 {
		time.Sleep(time.Duration(faults.RecordDelay) * time.Millisecond)
	}
	s.Pid = cmd.Process.Pid
	save(s)
	return s
}

func start(id string) {
	s := load(id, "loading container: file does not exist")
	if s.Status != "created" {
		fail(128, fmt.Sprintf("starting container: cannot start container %q in state %s", s.ID, s.Status))
	}
	if network == "sandbox" {
		fail(128, "starting container: setting up network: cannot run with network enabled in root network namespace")
	}
	s.Status = "running"
	save(s)
}

func kill(id string, pos []string) {
	s := load(id, "loading container: file does not exist")
	sig := 15
	if len(pos) > 1 {
		n, err := strconv.Atoi(pos[1])
		if err != nil {
			fail(128, "invalid signal "+pos[1])
		}
		sig = n
	}
	switch s.Status {
	case "created":
		fail(128, fmt.Sprintf("cannot signal container %q in state created", s.ID))
	case "stopped":
		fail(128, "sandbox is not running")
	case "paused":
		fail(128, fmt.Sprintf("cannot signal container %q in state paused", s.ID))
	}
	s.Status, s.Exit, s.ExitKnown = "stopped", 128+sig, true
	save(s)
}

func wait(id string) {
	s := load(id, "loading container: file does not exist")
	unavailable := fmt.Sprintf("waiting on container %q: sandbox no longer running and its exit status is unavailable", s.ID)
	if s.Status == "stopped" || s.Status == "created" {
		fail(128, unavailable)
	}
	for {
		cur := read(stateFile(s.ID))
		if cur == nil || (cur.Status == "stopped" && !cur.ExitKnown) {
			fail(128, unavailable)
		}
		if cur.Status == "stopped" {
			emit([]byte(fmt.Sprintf(`{"id":%q,"exitStatus":%d}`, s.ID, cur.Exit)), true)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func del(id string, force bool) {
	var match *state
	for _, s := range all() {
		if strings.HasPrefix(s.ID, id) {
			if match != nil {
				fail(128, fmt.Sprintf("id %q is ambiguous", id))
			}
			match = s
		}
	}
	if match == nil {
		if force {
			return
		}
		fail(128, fmt.Sprintf("loading container %q: file does not exist", id))
	}
	switch {
	case match.Status == "paused" && force:
		fmt.Fprintln(os.Stderr, "panic: invalid state transition: paused => stopped")
		os.Exit(2)
	case (match.Status == "running" || match.Status == "paused") && !force:
		fail(128, "cannot delete container that is not stopped without --force flag")
	}
	os.Remove(stateFile(match.ID))
	if match.Pid > 0 {
		syscall.Kill(match.Pid, syscall.SIGKILL)
	}
}

// run is create + start + wait + delete; runsc is the sandbox's parent, so it always
// knows the status and exits with it.
func run(id, bundle string) {
	if !validID(id) {
		fail(128, "running container: creating container: invalid container id: "+id)
	}
	s := create(id, bundle)
	if network == "sandbox" {
		os.Remove(stateFile(id))
		syscall.Kill(s.Pid, syscall.SIGKILL)
		fail(128, "running container: starting container: cannot run with network enabled in root network namespace")
	}
	s.Status = "running"
	save(s)
	p, _ := os.FindProcess(s.Pid)
	ps, _ := p.Wait()
	os.Remove(stateFile(id))
	ws := ps.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(ws.ExitStatus())
}

// sandbox is the fake sandbox process: it lives while its container does and exits
// with the workload's status, like runsc's boot process.
func sandbox(r, id string) {
	root = r
	// A test process killed before its cleanup leaves the state behind, and nobody
	// to delete it: no fake sandbox outlives the longest test run.
	life := sandboxLifetime
	if faults.SandboxLifetime > 0 {
		life = time.Duration(faults.SandboxLifetime) * time.Millisecond
	}
	end := time.Now().Add(life)
	for first := true; ; first = false {
		if time.Now().After(end) {
			os.Exit(137)
		}
		s := read(stateFile(id))
		if s == nil {
			if first && faults.SandboxGap > 0 {
				time.Sleep(time.Duration(faults.SandboxGap) * time.Millisecond)
			}
			if _, err := os.Stat(stateFile(id) + ".pending"); err == nil {
				time.Sleep(20 * time.Millisecond) // create has not recorded the state yet
				continue
			}
			// create records the state before it removes its marker: the state
			// may have come between the two looks, and only if it is still not
			// there was the container deleted (or its create failed).
			if s = read(stateFile(id)); s == nil {
				os.Exit(0)
			}
		}
		switch {
		case s.Status == "running" && s.FastExit != nil:
			s.Status, s.Exit, s.ExitKnown = "stopped", *s.FastExit, true
			// Like the real sandbox, do not linger: wait may miss the status.
			save(s)
			os.Exit(s.Exit)
		case s.Status == "stopped" && s.ExitKnown:
			os.Exit(s.Exit)
		}
		time.Sleep(20 * time.Millisecond) // every live sandbox polls: keep it cheap
	}
}

// sandboxLifetime bounds a fake sandbox's life unless the profile says otherwise:
// longer than any test's timeout.
const sandboxLifetime = 30 * time.Minute

// hang blocks for the profile's HangFor, or forever (a bare select{} would be a
// detected deadlock, exit 2).
func hang() {
	if faults.HangFor > 0 {
		time.Sleep(time.Duration(faults.HangFor) * time.Millisecond)
		return
	}
	for {
		time.Sleep(time.Hour)
	}
}
