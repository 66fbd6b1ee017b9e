package runtime

import (
	"errors"
	"fmt"
	"os"
)

func devNull(f *os.File) (*os.File, func(), error) {
	if f != nil {
		return f, func() {}, nil
	}
	n, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	return n, func() { n.Close() }, nil
}

func stdio(in, out, errf *os.File) (call, func(), error) {
	var c call
	var closers []func()
	done := func() {
		for _, f := range closers {
			f()
		}
	}
	for _, p := range []struct {
		dst **os.File
		src *os.File
	}{{&c.stdin, in}, {&c.stdout, out}, {&c.stderr, errf}} {
		f, cl, err := devNull(p.src)
		if err != nil {
			done()
			return c, nil, err
		}
		*p.dst = f
		closers = append(closers, cl)
	}
	return c, done, nil
}

// ErrPipe: a pipe was given as a created container's stdio; the sandbox would hold it
// open and whoever reads it would hang until the sandbox exits.
var ErrPipe = errors.New("pipe given as container stdio")

func noPipes(fs ...*os.File) error {
	for i, f := range fs {
		if f == nil {
			continue
		}
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeNamedPipe != 0 {
			return fmt.Errorf("%w: %s (%s)", ErrPipe, []string{"stdin", "stdout", "stderr"}[i], f.Name())
		}
	}
	return nil
}
