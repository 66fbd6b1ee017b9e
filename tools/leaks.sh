#!/usr/bin/env bash
# Counts what a test run may leak on the host: runsc processes, nsfs mounts (a runsc
# root's null-netns), the runtime's state directories in TMPDIR, and cgroup directories
# (runsc leaves an empty one when sandbox creation fails; podman's libpod_parent, the parent
# it keeps for every container it runs with cgroupfs, is not one). `leaks.sh begin FILE` records
# the host as it is; `leaks.sh end FILE` prints the counts of what is new since and
# exits 1 if anything is.
set -uo pipefail
mode=${1:?usage: leaks.sh begin|end FILE}
file=${2:?usage: leaks.sh begin|end FILE}
tmp=${TMPDIR:-/tmp}

snapshot() {
  { pgrep -f 'runsc' | sed 's/^/proc /'
    grep ' nsfs ' /proc/self/mountinfo | awk '{print "mount " $5}'
    find "$tmp" -maxdepth 1 -name 'gvisorfsm-*' -printf 'statedir %p\n' 2>/dev/null
    find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d ! -path '*/libpod_parent*' -printf 'cgroup %p\n' 2>/dev/null
  } | sort -u
}

case $mode in
begin) snapshot > "$file" ;;
end)
  new=$(comm -13 "$file" <(snapshot))
  # A runsc process still alive is a leak; one that only shows in the snapshot's own
  # pgrep is not: check each pid again.
  leaks=$(while read -r kind what; do
    [ -n "$kind" ] || continue
    if [ "$kind" = proc ]; then
      args=$(cat "/proc/$what/cmdline" 2>/dev/null | tr '\0' ' ')
      case $args in *runsc*) echo "proc $what $args" ;; esac
    else echo "$kind $what"; fi
  done <<<"$new")
  for k in proc mount statedir cgroup; do
    printf 'leaked %-8s %d\n' "$k" "$(grep -c "^$k " <<<"$leaks")"
  done
  rm -f "$file"
  if [ -n "$leaks" ]; then echo "$leaks" | head -20; exit 1; fi ;;
*) echo "usage: leaks.sh begin|end FILE" >&2; exit 2 ;;
esac
