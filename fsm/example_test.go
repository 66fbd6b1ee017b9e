package fsm_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/gvisorfsm/gvisorfsm/fsm"
)

func ExampleMachine_Fire() {
	ctx := context.Background()
	c := fsm.NewContainer("web")
	for _, e := range []fsm.Event{fsm.EventCreate, fsm.EventPause, fsm.EventStart, fsm.EventKill, fsm.EventExit} {
		from, to, err := c.Fire(ctx, e)
		if errors.Is(err, fsm.ErrIllegalTransition) {
			fmt.Println("refused:", err)
			continue
		}
		fmt.Printf("%s: %s -> %s\n", e, from, to)
	}
	// Output:
	// Create: Absent -> Created
	// refused: fsm: container "web": event Pause is not allowed in state Created
	// Start: Created -> Running
	// Kill: Running -> Running
	// Exit: Running -> Stopped
}
