package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gvisorfsm/gvisorfsm/runtime"
	"pgregory.net/rapid"
)

// TestRealConcurrentInvocations is a conformance tier for the front-end: rapid drives it
// as clients do, one process per step and several at once on the same two containers,
// against the real runsc. Every invocation ends done or refused by the lifecycle (never
// with a runsc failure: the per-container lock serializes the steps, and each is judged
// on the state reconciled with runsc), every container's trace validates against the
// spec, and nothing is left. -rapid.checks sets the number of cases (default 3 here:
// each takes seconds).
func TestRealConcurrentInvocations(t *testing.T) {
	c, traces := realClient(t)
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.checks" })
	if fl := flag.Lookup("rapid.checks"); fl != nil && !given {
		old := fl.Value.String()
		fl.Value.Set("3")
		t.Cleanup(func() { fl.Value.Set(old) })
	}
	bundle := busyboxBundle(t, "sleep", "3600")
	verbs := []string{"start", "pause", "resume", "kill", "state", "delete", "delete --force", "create"}
	rapid.Check(t, func(rt *rapid.T) {
		ids := []string{"oci-" + runtime.NewID(), "oci-" + runtime.NewID()}
		defer func() { // a failed case too leaves nothing
			for _, id := range ids {
				c.run("delete", "--force", id)
			}
		}()
		for _, id := range ids {
			c.must("create", "--bundle", bundle, id)
		}
		for range rapid.IntRange(2, 5).Draw(rt, "batches") {
			n := rapid.IntRange(1, 3).Draw(rt, "width")
			var calls [][]string
			for range n {
				v := rapid.SampledFrom(verbs).Draw(rt, "verb")
				id := rapid.SampledFrom(ids).Draw(rt, "container")
				args := append(strings.Fields(v), id)
				switch v {
				case "kill":
					args = append(args, "KILL")
				case "create":
					args = []string{"create", "--bundle", bundle, id}
				}
				calls = append(calls, args)
			}
			results := make([]result, len(calls))
			var wg sync.WaitGroup
			for i, args := range calls {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = c.run(args...)
				}()
			}
			wg.Wait()
			for i, r := range results {
				lifecycle := strings.Contains(r.stderr, "not permitted") || strings.Contains(r.stderr, "does not exist") ||
					strings.Contains(r.stderr, "already exists") || strings.Contains(r.stderr, "a kill was accepted")
				if r.code != 0 && (r.code != 1 || !lifecycle) {
					rt.Fatalf("%v: exit %d, %q: want done or refused by the lifecycle", calls[i], r.code, r.stderr)
				}
			}
		}
		for _, id := range ids {
			if r := c.run("delete", "--force", id); r.code != 0 && !strings.Contains(r.stderr, "does not exist") {
				rt.Fatalf("final delete --force %s: %d %q", id, r.code, r.stderr)
			}
		}
		if n := validateTraces(t, traces); n == 0 {
			rt.Fatal("no traces kept")
		}
		files, _ := filepath.Glob(filepath.Join(traces, "*.ndjson"))
		for _, f := range files {
			os.Remove(f)
		}
	})
}
