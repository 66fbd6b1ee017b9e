package tla_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gvisorfsm/gvisorfsm/tla"
)

// A trace logs some variables per step; the second step is not one the spec allows.
func ExampleValidateTrace() {
	dir, err := os.MkdirTemp("", "trace")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	spec := filepath.Join(dir, "Door.tla")
	os.WriteFile(spec, []byte(`---- MODULE Door ----
VARIABLES door, locked
Init == door = "closed" /\ locked = FALSE
Open == ~locked /\ door = "closed" /\ door' = "open" /\ UNCHANGED locked
Close == door = "open" /\ door' = "closed" /\ UNCHANGED locked
Lock == door = "closed" /\ ~locked /\ locked' = TRUE /\ UNCHANGED door
Next == Open \/ Close \/ Lock
====
`), 0o644)
	os.WriteFile(filepath.Join(dir, "Door.cfg"), []byte("INIT Init\nNEXT Next\n"), 0o644)

	trace := `{"door":"closed"}
{"locked":true,"action":"Lock"}
{"door":"open"}
`
	res, err := tla.ValidateTrace(context.Background(), spec, "", strings.NewReader(trace), tla.TraceOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println("behaviour of the spec:", res.OK)
	fmt.Print(res.Failure)
	// Output:
	// behaviour of the spec: false
	// step 3 cannot be matched: no step of Next from the 1 candidate state(s) matches
	//   {"door":"open"}
	//   Open: not enabled in any candidate state
	//   Close: not enabled in any candidate state
	//   Lock: not enabled in any candidate state
}
