#!/usr/bin/env bash
# Installs the two runsc lines the project is tested against:
#   - Debian's package (runsc 0.0~20221219, /usr/bin/runsc), with busybox-static for rootfs;
#   - current gVisor, built from the Go module proxy at a pinned pseudo-version into a cache
#     outside the repository, reused when that version is already built.
# Prints the path of the current build on its last line, so callers can do
#   RUNSC_CURRENT=$(tools/install-runsc.sh | tail -n 1)
#
# Environment:
#   GVISOR_VERSION   module version to build (default: the pinned one below)
#   GVISOR_RELEASE   release name stamped into `runsc --version` (default: from the version's date)
#   RUNSC_CACHE      where builds are kept (default: /var/cache/gvisorfsm as root, else ~/.cache/gvisorfsm)
#   SKIP_DEBIAN=1    do not touch apt (for machines where the package is already there)
# With --path it only prints where the current build is (or would be), building nothing.
set -euo pipefail

GVISOR_VERSION=${GVISOR_VERSION:-v0.0.0-20260905035102-160fafc42237}
if [ -z "${GVISOR_RELEASE:-}" ]; then
  # v0.0.0-YYYYMMDDhhmmss-hash -> release-YYYYMMDD.0
  stamp=${GVISOR_VERSION#v0.0.0-}
  GVISOR_RELEASE="release-${stamp:0:8}.0"
fi
if [ -z "${RUNSC_CACHE:-}" ]; then
  if [ "$(id -u)" = 0 ]; then RUNSC_CACHE=/var/cache/gvisorfsm; else RUNSC_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/gvisorfsm"; fi
fi
GO=${GO:-go}
dest="$RUNSC_CACHE/runsc-$GVISOR_VERSION"
bin="$dest/runsc"
if [ "${1:-}" = --path ]; then echo "$bin"; exit 0; fi

log() { printf 'install-runsc: %s\n' "$*" >&2; }

# 1. Debian's runsc and busybox-static.
if [ "${SKIP_DEBIAN:-}" != 1 ] && { ! test -x /usr/bin/runsc || ! test -x /usr/bin/busybox; }; then
  if [ "$(id -u)" != 0 ]; then
    log "runsc or busybox-static missing and not root: run 'sudo make deps'"
    exit 1
  fi
  log "installing Debian's runsc and busybox-static"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runsc busybox-static >/dev/null
fi
test -x /usr/bin/runsc && log "debian: $(/usr/bin/runsc --version | head -n 1)"

# 2. Current gVisor, built once per version. The build happens in a scratch module so
# that neither this repository's go.mod nor its go.sum ever names gVisor.
have=$( { [ -x "$bin" ] && "$bin" --version 2>/dev/null; } || true)
if [ "${have%%$'\n'*}" = "runsc version $GVISOR_RELEASE" ]; then
  log "current: reusing $bin ($("$bin" --version | head -n 1))"
else
  log "current: building gvisor.dev/gvisor/runsc@$GVISOR_VERSION (about 2 minutes on 2 cores)"
  mkdir -p "$dest"
  chmod 0755 "$RUNSC_CACHE" "$dest"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (
    cd "$work"
    "$GO" mod init gvisorfsm-runsc-build >/dev/null 2>&1
    GOFLAGS=-mod=mod "$GO" get "gvisor.dev/gvisor/runsc@$GVISOR_VERSION" >/dev/null 2>&1
    CGO_ENABLED=0 "$GO" build -trimpath \
      -ldflags "-X gvisor.dev/gvisor/runsc/version.version=$GVISOR_RELEASE" \
      -o "$work/runsc" gvisor.dev/gvisor/runsc
  )
  # The runtime refuses binaries that are writable by others or not owned by root (or the
  # caller): install with a mode and owner that pass its checks.
  install -m 0755 "$work/runsc" "$bin.tmp"
  mv -f "$bin.tmp" "$bin"
  log "current: built $bin ($("$bin" --version | head -n 1))"
fi
echo "$bin"
