// Package procfs reads the few /proc files that tell which processes belong to a
// runsc root: each process's stat (state, parent, session, start time), its command
// line, and the children lists of its threads.
//
// The readers use raw open/read/close system calls. Scans of /proc run after
// every lifecycle step, hundreds of small reads each, and an os.File would first
// register every descriptor with the runtime's poller (two more system calls per
// file, which cost more than the read itself). A process can exit at any moment,
// so every reader reports a vanished process as absent rather than as an error.
package procfs
