// Package ociclient drives OCI runtimes through clients written elsewhere: Debian's podman
// and containerd (ctr through the runc v2 shim), and the OCI runtime validation suite
// (github.com/opencontainers/runtime-tools), so that a runtime binary with runc's command
// line can be checked the way those clients use it.
//
// Every helper takes the runtime under test as a path, so the same checks run against raw
// runsc (behind a one-line wrapper, see Wrapper) and against any runc-compatible front-end,
// side by side. Each client runs in state of its own under a directory the caller owns:
// podman with its own storage root, run root and temporary directory; containerd with its
// own configuration, root, state directory and socket, started and stopped by the caller;
// the validation suite with its own TMPDIR and runsc root. Nothing touches the host's
// podman or containerd state, and what a run leaves behind can be told apart from what
// other users of the machine are running (see Leftovers).
//
// Images are made without network: a busybox-static rootfs (Rootfs), turned into an OCI
// image layout with Debian's umoci (Layout), and archived for `ctr images import`
// (ArchiveLayout). Podman runs from the rootfs directly (--rootfs).
//
// tools/install-clients.sh installs the clients and builds the validation suite into a
// cache outside the repository; SuiteDir finds it.
package ociclient
