package runtime

import (
	"io"
	"os"
)

// stdio starts the relay for a workload's stdio (see relay) and returns the call that
// hands the sandbox's ends of it to runsc.
func stdio(in, out, errf *os.File) (call, *relay, error) {
	rel, err := newRelay(reader(in), writer(out), writer(errf))
	if err != nil {
		return call{}, nil, err
	}
	return call{stdin: rel.stdin, stdout: rel.stdout, stderr: rel.stderr}, rel, nil
}

// reader and writer keep a nil *os.File a nil interface.
func reader(f *os.File) io.Reader {
	if f == nil {
		return nil
	}
	return f
}

func writer(f *os.File) io.Writer {
	if f == nil {
		return nil
	}
	return f
}
