package runtime

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	runc "github.com/containerd/go-runc"

	"github.com/gvisorfsm/gvisorfsm/fsm"
	"github.com/gvisorfsm/gvisorfsm/internal/procfs"
)

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkRunTrue runs /bin/true (busybox) four ways, interleaved so that load on the
// shared machine hits all alike: through Runtime.Run; directly, as the same `runsc run`
// command (the library's global flags, its --log file among them, and stdio on socket
// pairs drained as the library's relay drains them); bare, as the shortest `runsc run`
// (no --log, stdio on /dev/null, which runsc hands to the sandbox user: a reference,
// not a practice); and through containerd/go-runc pointed at runsc. It reports each
// median and the ratios to the direct call: the ratio of the medians, and the median of
// each round's own ratio (the calls of a round run back to back and share the machine's
// load at that moment; here that cancels little, see below). So library/direct is what the library adds to the runsc command it runs, and
// bare/direct what that command's --log and socket stdio cost runsc. Those ratios move
// by a few percent between runs of the benchmark (a sandbox's start spreads from 0.1
// to 0.3 s), so it also reports, within each library call, the library's own time: the
// Run's wall time less that of its runsc command, timed by the runtime from just before
// the start to the return of Wait, and the median ratio of the two. Each iteration is
// five rounds, each starting one sandbox a way timed; -benchtime=Nx sets the number of
// iterations.
//
// How far a ratio can be trusted is printed beside it: a 90% bootstrap interval of the
// ratio of medians. Runs of one round are as good as independent here (their times
// correlate by about 0.05), so only more runs narrow it: at 100 runs a way it spans
// about ±4%, at 1,000 about ±1%. RUN_TRUE_WAYS=library,direct times only those two.
func BenchmarkRunTrue(b *testing.B) {
	ctx := context.Background()
	r := benchRuntime(b)
	bundle := busyboxBundle(b, "true")
	directRoot := filepath.Join(b.TempDir(), "root")
	bareRoot := filepath.Join(b.TempDir(), "root")
	runcRoot := filepath.Join(b.TempDir(), "root")
	for _, d := range []string{directRoot, bareRoot, runcRoot} {
		os.Mkdir(d, 0o700)
	}
	// The library's own global flags, but for the root.
	directGlobals := func(i int) []string {
		return r.globals(call{root: directRoot}, filepath.Join(directRoot, "log"+strconv.Itoa(i)+".json"))
	}
	flags := []string{"--platform=ptrace", "--network=none", r.behaviour.Overlay}
	if r.behaviour.GoferNetNS {
		flags = append(flags, "--gofer-network-namespace=new")
	}
	if !slices.Contains(directGlobals(0), "--platform=ptrace") {
		b.Fatalf("the library's flags %q are not the bare way's %q", directGlobals(0), flags)
	}
	gr := &runc.Runc{Command: realRunsc, Root: runcRoot, ExtraArgs: flags}
	devnull, _ := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	defer devnull.Close()

	// The library's own share of each Run: its wall time less its runsc command's.
	var runscWall time.Duration
	r.runscWall = func(sub string, d time.Duration) {
		if sub == "run" {
			runscWall = d
		}
	}
	var own, ownRatio []time.Duration // ratios scaled by 1e6, as below
	names := []string{"library", "direct", "bare", "go-runc"}
	ways := []func(i int) error{
		func(i int) error {
			runscWall = 0
			calls := r.RunscCalls()
			code, err := r.Run(ctx, "lib"+strconv.Itoa(i), bundle, nil)
			if err == nil && code != 0 {
				err = fmt.Errorf("exit %d", code)
			}
			// The comparison holds only while a Run is one runsc command.
			if n := r.RunscCalls() - calls; err == nil && n != 1 {
				err = fmt.Errorf("Run started %d runsc commands, not one", n)
			}
			return err
		},
		func(i int) error {
			args := append(directGlobals(i), "run", "--bundle", bundle, "direct"+strconv.Itoa(i))
			cmd := exec.CommandContext(ctx, realRunsc, args...)
			in, inOurs, err := socketPair("stdin")
			if err != nil {
				return err
			}
			defer in.Close()
			inOurs.Close()
			out, outOurs, err := socketPair("stdout")
			if err != nil {
				return err
			}
			defer out.Close()
			drained := make(chan struct{})
			go func() {
				defer close(drained)
				defer outOurs.Close()
				io.Copy(io.Discard, outOurs)
			}()
			cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, out
			err = cmd.Run()
			out.Close()
			<-drained
			return err
		},
		func(i int) error {
			cmd := exec.CommandContext(ctx, realRunsc, append(append([]string{"--root", bareRoot}, flags...),
				"run", "--bundle", bundle, "bare"+strconv.Itoa(i))...)
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
	// The ways to time: all by default; library and direct always.
	timed := make([]bool, len(ways))
	want := strings.Split(os.Getenv("RUN_TRUE_WAYS"), ",")
	for w, name := range names {
		timed[w] = w <= 1 || want[0] == "" || slices.Contains(want, name)
	}
	wall := make([][]time.Duration, len(ways))
	cpu := make([][]time.Duration, len(ways)) // this process's own CPU time
	// Several rounds per iteration, so that even the default -benchtime (one
	// iteration) yields medians over more than one sample.
	const rounds = 5
	b.ResetTimer()
	for i := 0; i < b.N*rounds; i++ {
		for k := range ways {
			w := (i + k) % len(ways) // rotate the order
			if !timed[w] {
				continue
			}
			c0, t0 := selfCPU(), time.Now()
			if err := ways[w](i); err != nil {
				b.Fatalf("%s: %v", names[w], err)
			}
			wall[w] = append(wall[w], time.Since(t0))
			cpu[w] = append(cpu[w], selfCPU()-c0)
			if w == 0 {
				d := wall[w][len(wall[w])-1]
				own = append(own, d-runscWall)
				ownRatio = append(ownRatio, d*1e6/runscWall)
			}
			reapOthers(r)
		}
	}
	b.StopTimer()
	const direct = 1
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	fmt.Printf("Run(/bin/true), %d runs each, medians (ratio of medians [its 90%% bootstrap interval]; median of per-round ratios; self CPU: this process's, runsc's excluded):\n", len(wall[0]))
	for w, name := range names {
		if !timed[w] {
			continue
		}
		// Per-round ratios, kept as durations (scaled by 1e6) so that median applies.
		var perRound []time.Duration
		for i := range wall[direct] {
			perRound = append(perRound, wall[w][i]*1e6/wall[direct][i])
		}
		ratio := float64(median(wall[w])) / float64(median(wall[direct]))
		paired := float64(median(perRound)) / 1e6
		lo, hi := ratioInterval(wall[w], wall[direct])
		interval := fmt.Sprintf("[%.3f, %.3f]", lo, hi)
		if w == direct {
			interval = ""
		}
		fmt.Printf("  %-8s %7.1f ms  %.3fx %-14s  %.3fx paired  self CPU %5.1f ms\n", name, ms(median(wall[w])), ratio, interval, paired, ms(median(cpu[w])))
		key := map[string]string{"library": "lib", "direct": "direct", "bare": "bare", "go-runc": "gorunc"}[name]
		b.ReportMetric(ms(median(wall[w])), key+"-ms")
		if w != direct {
			b.ReportMetric(ratio, key+"/direct")
			b.ReportMetric(lo, key+"/direct-lo")
			b.ReportMetric(hi, key+"/direct-hi")
			b.ReportMetric(paired, key+"/direct-paired")
		}
	}
	fmt.Printf("  library's own time a Run (its wall time less its runsc command's): %.2f ms, Run/runsc command %.4fx (medians)\n",
		ms(median(own)), float64(median(ownRatio))/1e6)
	b.ReportMetric(ms(median(own)), "lib-own-ms")
	b.ReportMetric(float64(median(ownRatio))/1e6, "lib/runsc-command")
	b.ReportMetric(0, "ns/op") // the per-way medians above are the result
	b.ReportMetric(ms(median(cpu[0])), "lib-self-cpu-ms")
}

// ratioInterval is a 90% bootstrap interval of median(a)/median(b): the 5th and 95th
// percentiles of that ratio over 2,000 resamples of each, drawn with a fixed seed so
// that the same times give the same interval.
func ratioInterval(a, b []time.Duration) (lo, hi float64) {
	const resamples = 2000
	rng := rand.New(rand.NewPCG(1, 2))
	resampledMedian := func(d []time.Duration) float64 {
		s := make([]time.Duration, len(d))
		for i := range s {
			s[i] = d[rng.IntN(len(d))]
		}
		return float64(median(s))
	}
	ratios := make([]float64, resamples)
	for i := range ratios {
		ratios[i] = resampledMedian(a) / resampledMedian(b)
	}
	slices.Sort(ratios)
	return ratios[resamples*5/100], ratios[resamples*95/100]
}

// reapOthers waits, untimed, for the zombie children of this process that r does not
// claim: the sandboxes and gofers the direct and go-runc ways leave to it, the
// subreaper New made it, which a program must reap itself (see the package doc). Left,
// they would pile up by the hundred, and every reaping pass of the library would read
// each of them.
func reapOthers(r *Runtime) {
	me := os.Getpid()
	kids, _ := procfs.Children(me)
	for _, pid := range kids {
		if st, ok := procfs.ReadStat(pid); ok && st.State == 'Z' && st.PPid == me && !r.reaper.own.claims(pid, st) {
			var ws syscall.WaitStatus
			syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		}
	}
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

func TestRatioInterval(t *testing.T) {
	// Times spread like a sandbox's start, and the same times 10% slower.
	var a, b []time.Duration
	for i := range 400 {
		d := time.Duration(150+i%7*10+i%13*3) * time.Millisecond
		b = append(b, d)
		a = append(a, d*11/10)
	}
	lo, hi := ratioInterval(a, b)
	if !(lo <= 1.1 && 1.1 <= hi) || hi-lo > 0.1 {
		t.Errorf("interval [%.3f, %.3f] for a ratio of 1.1", lo, hi)
	}
	if lo2, hi2 := ratioInterval(a, b); lo2 != lo || hi2 != hi {
		t.Errorf("the same times gave [%.3f, %.3f], then [%.3f, %.3f]", lo, hi, lo2, hi2)
	}
	// Fewer runs, a wider interval.
	if lo3, hi3 := ratioInterval(a[:40], b[:40]); hi3-lo3 <= hi-lo {
		t.Errorf("40 runs gave [%.3f, %.3f], no wider than 400 runs' [%.3f, %.3f]", lo3, hi3, lo, hi)
	}
}
