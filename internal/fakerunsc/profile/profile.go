// Package profile holds what the fake runsc (cmd/fakerunsc) and the tests that
// drive it share: the fault profile, where the fake keeps its files next to its
// binary, and the state it keeps for each container. It imports nothing beyond
// the standard library packages the fake links anyway: the fake is started
// thousands of times per test run, and every package it links adds to each
// start (package fakerunsc links testing).
package profile

// Faults is the fault profile. Keys of the maps are runsc subcommands ("create",
// "start", "state", "wait", "kill", "pause", "resume", "delete", "list", "run") or
// "--version". The zero value injects nothing. New kinds of fault are added as new
// fields; the fake ignores fields it does not know, and unset fields mean "behave".
type Faults struct {
	// Version replaces the `runsc --version` output.
	Version string `json:"version,omitempty"`
	// Exit makes the subcommand exit with this status before doing anything, logging
	// Message (or a generic error) to --log and stderr.
	Exit map[string]int `json:"exit,omitempty"`
	// Message is the error logged with an Exit fault.
	Message string `json:"message,omitempty"`
	// Garbage replaces the subcommand's JSON output (state, list, wait) with junk.
	Garbage map[string]bool `json:"garbage,omitempty"`
	// HangBefore makes the subcommand block forever before its effect.
	HangBefore map[string]bool `json:"hang_before,omitempty"`
	// HangAfter makes the subcommand block forever after its effect.
	HangAfter map[string]bool `json:"hang_after,omitempty"`
	// HangMidCreate makes create block forever after starting the sandbox process
	// and before recording any state: nothing can delete that sandbox by ID.
	HangMidCreate bool `json:"hang_mid_create,omitempty"`
	// SlowAfter makes the subcommand sleep this many milliseconds after its effect
	// and before it exits: a command that is still running, with its work done.
	SlowAfter map[string]int `json:"slow_after,omitempty"`
	// Truncated cuts the subcommand's JSON output (state, list, wait) in half.
	Truncated map[string]bool `json:"truncated,omitempty"`
	// Noisy prints text before and after the subcommand's JSON output, as a
	// runsc that logs to stdout would.
	Noisy map[string]bool `json:"noisy,omitempty"`
	// KillMid makes the subcommand SIGKILL itself half way: create after starting
	// the sandbox process and before recording its state, others after their effect.
	KillMid map[string]bool `json:"kill_mid,omitempty"`
	// PipeHold makes the subcommand leave a child process that holds its stdout and
	// stderr open for this many milliseconds after the subcommand itself exits.
	PipeHold map[string]int `json:"pipe_hold,omitempty"`
	// HangFor ends the hangs (HangBefore, HangAfter, HangMidCreate) after this many
	// milliseconds, after which the subcommand carries on; 0 hangs until killed.
	HangFor int `json:"hang_for,omitempty"`
	// RecordDelay makes create sleep this many milliseconds between starting the
	// sandbox process and recording its state, as a create descheduled there would
	// (every time: Once does not apply).
	RecordDelay int `json:"record_delay,omitempty"`
	// SandboxGap makes a sandbox that finds no state on its first look sleep this
	// many milliseconds before it looks for create's marker, as a sandbox
	// descheduled between the two would (every time: Once does not apply).
	SandboxGap int `json:"sandbox_gap,omitempty"`
	// SandboxLifetime is how many milliseconds a sandbox lives at most before it
	// exits 137 on its own (0: 30 minutes, longer than any test). It stands for
	// the cleanup of a test process killed before its own could run.
	SandboxLifetime int `json:"sandbox_lifetime,omitempty"`
	// Once makes the profile's faults fire on one invocation only (the first one a
	// fault applies to); afterwards the fake behaves.
	Once bool `json:"once,omitempty"`
}

// FiredPath is where the fake at bin records that a one-shot fault has fired.
// SetFaults removes it, re-arming the profile.
func FiredPath(bin string) string { return bin + ".fired" }

// ProfilePath is where the fake at bin looks for its fault profile.
func ProfilePath(bin string) string { return bin + ".faults.json" }

// CallsPath is where the fake at bin appends one JSON line per invocation:
// {"args":[...],"env":[...]} (argv without argv[0]).
func CallsPath(bin string) string { return bin + ".calls" }

// Call is one recorded invocation.
type Call struct {
	Args []string `json:"args"`
	Env  []string `json:"env"`
}
