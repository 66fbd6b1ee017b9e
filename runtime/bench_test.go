package runtime

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	runc "github.com/containerd/go-runc"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkRunTrue runs /bin/true (busybox) three ways, interleaved so that load on the
// shared machine hits all alike: through Runtime.Run, as the same `runsc run` command
// started directly, and through containerd/go-runc pointed at runsc. It reports each
// median and the ratios to the direct call: the ratio of the medians, and the median of
// each round's own ratio (the three calls of a round run back to back, so they share the
// machine's load at that moment, which the ratio of medians over the whole run does not
// cancel). Each iteration starts 15 sandboxes (five rounds of three); -benchtime=Nx sets
// the number of iterations.
func BenchmarkRunTrue(b *testing.B) {
	ctx := context.Background()
	r := benchRuntime(b)
	bundle := busyboxBundle(b, "true")
	flags := []string{"--platform=ptrace", "--network=none", r.behaviour.Overlay}
	if r.behaviour.GoferNetNS {
		flags = append(flags, "--gofer-network-namespace=new")
	}
	directRoot := filepath.Join(b.TempDir(), "root")
	runcRoot := filepath.Join(b.TempDir(), "root")
	os.Mkdir(directRoot, 0o700)
	os.Mkdir(runcRoot, 0o700)
	gr := &runc.Runc{Command: realRunsc, Root: runcRoot, ExtraArgs: flags}
	devnull, _ := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	defer devnull.Close()

	var lib, direct, gorunc []time.Duration
	var libCPU, directCPU, goruncCPU []time.Duration // this process's own CPU time
	ways := []func(i int) error{
		func(i int) error {
			code, err := r.Run(ctx, "lib"+strconv.Itoa(i), bundle, nil)
			if err == nil && code != 0 {
				err = fmt.Errorf("exit %d", code)
			}
			return err
		},
		func(i int) error {
			cmd := exec.CommandContext(ctx, realRunsc, append(append([]string{"--root", directRoot}, flags...),
				"run", "--bundle", bundle, "direct"+strconv.Itoa(i))...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
			return cmd.Run()
		},
		func(i int) error {
			code, err := gr.Run(ctx, "gorunc"+strconv.Itoa(i), bundle, &runc.CreateOpts{})
			if err == nil && code != 0 {
				err = fmt.Errorf("exit %d", code)
			}
			return err
		},
	}
	sinks := []*[]time.Duration{&lib, &direct, &gorunc}
	cpuSinks := []*[]time.Duration{&libCPU, &directCPU, &goruncCPU}
	// Several rounds per iteration, so that even the default -benchtime (one
	// iteration) yields medians over more than one sample.
	const rounds = 5
	b.ResetTimer()
	for i := 0; i < b.N*rounds; i++ {
		for k := range ways {
			w := (i + k) % len(ways) // rotate the order
			c0, t0 := selfCPU(), time.Now()
			if err := ways[w](i); err != nil {
				b.Fatalf("way %d: %v", w, err)
			}
			*sinks[w] = append(*sinks[w], time.Since(t0))
			*cpuSinks[w] = append(*cpuSinks[w], selfCPU()-c0)
		}
	}
	b.StopTimer()
	ml, md, mg := median(lib), median(direct), median(gorunc)
	// Per-round ratios, kept as durations (scaled by 1e6) so that median applies.
	var libR, goruncR []time.Duration
	for i := range direct {
		libR = append(libR, lib[i]*1e6/direct[i])
		goruncR = append(goruncR, gorunc[i]*1e6/direct[i])
	}
	paired := func(d []time.Duration) float64 { return float64(median(d)) / 1e6 }
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(ml), "lib-ms")
	b.ReportMetric(ms(md), "direct-ms")
	b.ReportMetric(ms(mg), "gorunc-ms")
	b.ReportMetric(float64(ml)/float64(md), "lib/direct")
	b.ReportMetric(float64(mg)/float64(md), "gorunc/direct")
	b.ReportMetric(paired(libR), "lib/direct-paired")
	b.ReportMetric(paired(goruncR), "gorunc/direct-paired")
	b.ReportMetric(0, "ns/op") // the per-way medians above are the result
	b.ReportMetric(ms(median(libCPU)), "lib-self-cpu-ms")
	fmt.Printf("Run(/bin/true), %d runs each, medians (ratio of medians; median of per-round ratios; self CPU: this process's, runsc's excluded):\n"+
		"  library   %7.1f ms  %.3fx  %.3fx paired  self CPU %5.1f ms\n  direct    %7.1f ms  1.000x  1.000x paired  self CPU %5.1f ms\n  go-runc   %7.1f ms  %.3fx  %.3fx paired  self CPU %5.1f ms\n",
		len(lib), ms(ml), float64(ml)/float64(md), paired(libR), ms(median(libCPU)), ms(md), ms(median(directCPU)),
		ms(mg), float64(mg)/float64(md), paired(goruncR), ms(median(goruncCPU)))
}

// selfCPU is the user and system CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFSMGuard is the lifecycle check every step pays: one Fire of a legal
// self-loop (Wait on a Running container).
func BenchmarkFSMGuard(b *testing.B) {
	m := fsm.NewContainer("bench")
	ctx := context.Background()
	m.Fire(ctx, fsm.EventCreate)
	m.Fire(ctx, fsm.EventStart)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := m.Fire(ctx, fsm.EventWait); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFSMRefusal is the cost of refusing an illegal step (Pause of Created).
func BenchmarkFSMRefusal(b *testing.B) {
	m := fsm.NewContainer("bench")
	ctx := context.Background()
	m.Fire(ctx, fsm.EventCreate)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := m.Fire(ctx, fsm.EventPause); err == nil {
			b.Fatal("pause of created allowed")
		}
	}
}

// BenchmarkRunscState is one `runsc state` through the library, the yardstick for the
// guard's cost.
func BenchmarkRunscState(b *testing.B) {
	ctx := context.Background()
	r := benchRuntime(b)
	mustCreate(b, ctx, r, "st", busyboxBundle(b, "sleep", "3600"), nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.State(ctx, "st"); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRuntime is a runtime on the real runsc with the ptrace platform, closed when
// the benchmark ends.
func benchRuntime(b *testing.B) *Runtime {
	b.Helper()
	needRunsc(b)
	ctx := context.Background()
	r, err := newOnLine(ctx, WithPlatform("ptrace"), WithoutSandboxProbe())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close(ctx) })
	return r
}
