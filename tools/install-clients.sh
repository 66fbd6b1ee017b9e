#!/usr/bin/env bash
# Installs the OCI clients the runtime is checked with, none of them written here:
#   - Debian's podman, containerd (ctr and the runc v2 shim) and umoci, with busybox-static
#     for the rootfs the tests build images from;
#   - the OCI runtime validation suite (github.com/opencontainers/runtime-tools: the
#     programs of validation/ and cmd/runtimetest), built from the Go module proxy into a
#     cache outside the repository, with the rootfs tarball its programs unpack, reused when
#     that version is already built.
# Prints the suite's directory on its last line, so callers can do
#   OCI_VALIDATION=$(tools/install-clients.sh | tail -n 1)
#
# Environment:
#   RUNTIME_TOOLS_VERSION  module version of runtime-tools (default: the pinned one below)
#   CLIENTS_CACHE          where builds are kept (default: /var/cache/gvisorfsm as root, else ~/.cache/gvisorfsm)
#   SKIP_DEBIAN=1          do not touch apt (for machines where the packages are already there)
# With --path it only prints where the suite is (or would be), building nothing.
set -euo pipefail

RUNTIME_TOOLS_VERSION=${RUNTIME_TOOLS_VERSION:-v0.9.0}
# runtime-tools v0.9.0 predates Go modules; its code compiles against the runtime-spec and
# selinux APIs of its time (Status as a plain string, label.FileLabel), so those are pinned.
RUNTIME_SPEC_VERSION=${RUNTIME_SPEC_VERSION:-v1.0.2}
SELINUX_VERSION=${SELINUX_VERSION:-v1.7.0}
if [ -z "${CLIENTS_CACHE:-}" ]; then
  if [ "$(id -u)" = 0 ]; then CLIENTS_CACHE=/var/cache/gvisorfsm; else CLIENTS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/gvisorfsm"; fi
fi
GO=${GO:-go}
dest="$CLIENTS_CACHE/runtime-tools-$RUNTIME_TOOLS_VERSION"
if [ "${1:-}" = --path ]; then echo "$dest"; exit 0; fi

log() { printf 'install-clients: %s\n' "$*" >&2; }

# 1. Debian's clients. Without recommends: the tests run with --network none and vfs
# storage, so neither slirp4netns nor fuse-overlayfs is needed, and buildah is not used.
need=()
for b in podman:podman containerd:containerd ctr:containerd containerd-shim-runc-v2:containerd \
         umoci:umoci busybox:busybox-static; do
  command -v "${b%%:*}" >/dev/null 2>&1 || need+=("${b#*:}")
done
if [ "${SKIP_DEBIAN:-}" != 1 ] && [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing ${need[*]} and not root: run 'sudo make deps'"
    exit 1
  fi
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  log "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
for b in podman containerd umoci; do
  command -v "$b" >/dev/null 2>&1 && log "$b: $("$b" --version 2>&1 | head -n 1)"
done

# 2. The validation suite, built once per version. The build happens in a scratch module,
# so that this repository's go.mod never names the suite's own dependencies.
stamp="runtime-tools $RUNTIME_TOOLS_VERSION runtime-spec $RUNTIME_SPEC_VERSION selinux $SELINUX_VERSION"
if [ -x "$dest/runtimetest" ] && [ "$(cat "$dest/.built" 2>/dev/null)" = "$stamp" ]; then
  log "validation suite: reusing $dest ($(find "$dest" -maxdepth 1 -type f -perm -u+x ! -name runtimetest | wc -l) programs)"
  echo "$dest"
  exit 0
fi
log "validation suite: building runtime-tools@$RUNTIME_TOOLS_VERSION (several minutes on 2 cores)"
mkdir -p "$CLIENTS_CACHE"
chmod 0755 "$CLIENTS_CACHE"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mod=github.com/opencontainers/runtime-tools
(
  cd "$work"
  export GOFLAGS=-mod=mod
  "$GO" mod init gvisorfsm-validation-build >/dev/null 2>&1
  "$GO" get "$mod/validation/util@$RUNTIME_TOOLS_VERSION" "$mod/cmd/runtimetest@$RUNTIME_TOOLS_VERSION" \
    "github.com/opencontainers/runtime-spec@$RUNTIME_SPEC_VERSION" \
    "github.com/opencontainers/selinux@$SELINUX_VERSION" >/dev/null 2>&1
  src=$("$GO" list -m -f '{{.Dir}}' "$mod")
  mkdir -p out
  # runtimetest runs inside the containers: static, like the upstream Makefile builds it.
  CGO_ENABLED=0 "$GO" build -trimpath -ldflags '-s -w' -o out/runtimetest "$mod/cmd/runtimetest"
  mapfile -t progs < <(cd "$src/validation" && find . -mindepth 1 -maxdepth 1 -type d ! -name util -printf "$mod/validation/%f\n" | sort)
  "$GO" build -trimpath -ldflags '-s -w' -o out/ "${progs[@]}"
  install -m 0644 "$src/rootfs-$("$GO" env GOARCH).tar.gz" out/
  echo "$stamp" > out/.built
)
rm -rf "$dest.tmp"
mv "$work/out" "$dest.tmp"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
log "validation suite: built $dest ($(find "$dest" -maxdepth 1 -type f -perm -u+x ! -name runtimetest | wc -l) programs)"
echo "$dest"
