package runtime

import "io"

// stdio starts the relay for a workload's stdio (see relay) and returns the call that
// hands the sandbox's ends of it to runsc.
func stdio(id string, in io.Reader, out, errw io.Writer) (call, *relay, error) {
	rel, err := newRelay(id, in, out, errw)
	if err != nil {
		return call{}, nil, err
	}
	return call{stdin: rel.stdin, stdout: rel.stdout, stderr: rel.stderr}, rel, nil
}
