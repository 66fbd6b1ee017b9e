package conformance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gvisorfsm/gvisorfsm/internal/fakerunsc"
)

// The fake tier's target: this many cases (each of rapid's default ~30
// actions) within targetWall.
const (
	targetCases = 1000
	targetWall  = time.Minute
)

// BenchmarkFakeTierCase runs b.N cases of the fake tier in this process, as
// one of its shards does, and measures side by side in the same run what a
// case costs in CPU (this process, and every process it reaped: the fake
// runsc commands, their sandboxes) and what the cheapest process starts on
// this machine cost: busybox `true` (static C), an empty Go program, and the
// fake runsc answering `state` for an unknown ID. From these it projects how
// long targetCases cases take at best (every core busy all the time), and the
// floors under that: this process's share alone, and the runsc process
// starts alone had each cost no more than an empty Go program or busybox.
func BenchmarkFakeTierCase(b *testing.B) {
	bin := fakerunsc.Build(b)
	empty := buildEmptyGo(b)
	root := b.TempDir()
	starts := []struct {
		name string
		argv []string
	}{
		{"busybox true", []string{"/usr/bin/busybox", "true"}},
		{"an empty Go program", []string{empty}},
		{"fake runsc state", []string{bin, "--root", root, "state", "nosuch"}},
	}
	startCPU := make([]time.Duration, len(starts))
	for i, s := range starts {
		startCPU[i] = perStart(b, s.argv, 50)
	}

	bundle, runBundle, err := testBundles(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	setFlag(b, "rapid.checks", fmt.Sprint(b.N))
	var stats Stats
	b.ResetTimer()
	c0, s0 := treeCPU(), selfCPU()
	fakeShard(b, bundle, runBundle, &stats)
	tree, self := treeCPU()-c0, selfCPU()-s0
	b.StopTimer()

	ts := stats.Snapshot("fake")
	if ts.Cases == 0 || ts.Steps == 0 {
		b.Fatal("no case ran")
	}
	cases := time.Duration(ts.Cases)
	procs := float64(ts.RunscCalls) / float64(ts.Cases)
	cores := goruntime.NumCPU()
	// At best every core is busy all the time.
	project := func(perCase time.Duration) time.Duration {
		return perCase * targetCases / time.Duration(cores)
	}
	ratio := func(d time.Duration) float64 { return float64(d) / float64(targetWall) }
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	atCost := project(tree / cases)
	b.ReportMetric(ms(tree/cases), "cpu-ms/case")
	b.ReportMetric(ms(tree)/float64(ts.Steps), "cpu-ms/op")
	b.ReportMetric(procs, "runsc/case")
	b.ReportMetric(ratio(atCost), "projected/target")
	fmt.Printf("fake tier: %d cases, %d operations (%.1f a case), %d runsc processes (%.1f a case, %.2f an operation)\n",
		ts.Cases, ts.Steps, float64(ts.Steps)/float64(ts.Cases), ts.RunscCalls, procs, float64(ts.RunscCalls)/float64(ts.Steps))
	fmt.Printf("  CPU a case: %.0f ms, of which this process %.0f ms\n", ms(tree/cases), ms(self/cases))
	for i, s := range starts {
		fmt.Printf("  CPU a start of %-21s %5.2f ms\n", s.name+":", ms(startCPU[i]))
	}
	fmt.Printf("%d cases on %d cores, at best, against a target of %v:\n", targetCases, cores, targetWall)
	for _, l := range []struct {
		what string
		d    time.Duration
	}{
		{"at the measured cost", atCost},
		{"this process's share alone", project(self / cases)},
		{"runsc starts alone, each an empty Go program", project(time.Duration(procs * float64(startCPU[1])))},
		{"runsc starts alone, each a busybox true", project(time.Duration(procs * float64(startCPU[0])))},
	} {
		fmt.Printf("  %-46s %6.1f s  %5.2fx the target\n", l.what+":", l.d.Seconds(), ratio(l.d))
	}
	fmt.Printf("  cores the measured cost needs for the target:  %4.0f\n", ratio(atCost)*float64(cores)+0.5)
}

// perStart is the CPU one start of argv costs, this process's share included,
// averaged over n starts.
func perStart(b *testing.B, argv []string, n int) time.Duration {
	b.Helper()
	c0 := treeCPU()
	for range n {
		cmd := exec.Command(argv[0], argv[1:]...)
		if err := cmd.Run(); err != nil {
			if _, exit := err.(*exec.ExitError); !exit {
				b.Fatalf("%v: %v", argv, err)
			}
		}
	}
	return (treeCPU() - c0) / time.Duration(n)
}

// buildEmptyGo builds a Go program that does nothing, as the fake is built.
func buildEmptyGo(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(dir, "empty")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, src)
	cmd.Env = append(os.Environ(), "GO111MODULE=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building an empty Go program: %v\n%s", err, out)
	}
	return bin
}

// selfCPU is the user and system CPU time of this process.
func selfCPU() time.Duration {
	var self syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil {
		return 0
	}
	return time.Duration(self.Utime.Nano() + self.Stime.Nano())
}

// treeCPU is the user and system CPU time of this process and of every
// descendant it (or a descendant) has waited for.
func treeCPU() time.Duration {
	var self, children syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children) != nil {
		return 0
	}
	return time.Duration(self.Utime.Nano() + self.Stime.Nano() + children.Utime.Nano() + children.Stime.Nano())
}
