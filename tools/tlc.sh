#!/usr/bin/env bash
# Model-checks a TLA+ spec with its .cfg and says which engine ran.
#
#   tools/tlc.sh [--both] [SPEC.tla]
#
# The official TLC runs when TLA2TOOLS_JAR names a readable jar (and java is on PATH);
# otherwise the project's pure-Go engine (cmd/tlacheck) runs. With --both, both run and
# the script fails unless their verdicts (exit codes) and distinct-state counts agree.
# Deadlock checking is whatever the cfg says (CHECK_DEADLOCK). The exit status is the
# engine's (TLC's codes: 0 no error, 11 deadlock, 12 invariant, 13 property, ...), 3 when
# no engine could run, 4 when --both disagrees, 2 on usage errors. TLC_WORKERS (default 1)
# is passed to both engines as -workers.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
both=0
spec=""
for arg in "$@"; do
  case "$arg" in
    --both) both=1 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "tlc.sh: unknown flag $arg" >&2; exit 2 ;;
    *) [ -z "$spec" ] || { echo "tlc.sh: one spec at a time" >&2; exit 2; }; spec=$arg ;;
  esac
done
[ -n "$spec" ] || spec="$root/spec/NucleusSecurity_GVisor_GVisorRuntime.tla"
[ -f "$spec" ] || { echo "tlc.sh: no such spec: $spec" >&2; exit 2; }
spec=$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")
cfg="${spec%.tla}.cfg"
[ -f "$cfg" ] || { echo "tlc.sh: no config beside the spec: $cfg" >&2; exit 2; }

have_tlc() { [ -n "${TLA2TOOLS_JAR:-}" ] && [ -r "$TLA2TOOLS_JAR" ] && command -v java >/dev/null; }
have_go_engine() { [ -f "$root/cmd/tlacheck/main.go" ] && command -v go >/dev/null; }

# run_tlc and run_go print the engine's output and leave its exit status in $?.
run_tlc() {
  # TLC writes states/ and trace files next to where it runs: keep them out of the tree.
  local work; work=$(mktemp -d)
  (cd "$work" && java -XX:+UseParallelGC -cp "$TLA2TOOLS_JAR" tlc2.TLC \
      -workers "${TLC_WORKERS:-1}" -noGenerateSpecTE -metadir "$work/states" -config "$cfg" "$spec")
  local rc=$?
  rm -rf "$work"
  return $rc
}
run_go() {
  (cd "$root" && go run ./cmd/tlacheck -workers "${TLC_WORKERS:-1}" -config "$cfg" "$spec")
}
distinct() { grep -Eo '[0-9,]+ distinct states? found' | tail -1 | grep -Eo '^[0-9,]+' | tr -d ,; }

if [ $both -eq 1 ]; then
  have_tlc || { echo "tlc.sh: --both needs TLA2TOOLS_JAR pointing at tla2tools.jar" >&2; exit 3; }
  have_go_engine || { echo "tlc.sh: --both needs the Go engine (cmd/tlacheck)" >&2; exit 3; }
  echo "tlc.sh: engine: official TLC ($TLA2TOOLS_JAR)"
  out_tlc=$(run_tlc 2>&1); rc_tlc=$?
  printf '%s\n' "$out_tlc"
  echo "tlc.sh: engine: tlacheck (pure Go)"
  out_go=$(run_go 2>&1); rc_go=$?
  printf '%s\n' "$out_go"
  d_tlc=$(printf '%s\n' "$out_tlc" | distinct); d_go=$(printf '%s\n' "$out_go" | distinct)
  echo "tlc.sh: TLC exit $rc_tlc, $d_tlc distinct states; tlacheck exit $rc_go, $d_go distinct states"
  if [ "$rc_tlc" != "$rc_go" ] || [ "$d_tlc" != "$d_go" ]; then
    echo "tlc.sh: ENGINES DISAGREE on $spec" >&2
    exit 4
  fi
  echo "tlc.sh: engines agree"
  exit "$rc_tlc"
fi

if have_tlc; then
  echo "tlc.sh: engine: official TLC ($TLA2TOOLS_JAR)"
  run_tlc; rc=$?
elif have_go_engine; then
  echo "tlc.sh: engine: tlacheck (pure Go; set TLA2TOOLS_JAR to use the official TLC)"
  run_go; rc=$?
else
  echo "tlc.sh: NOT MODEL-CHECKED: $spec was not checked (no TLA2TOOLS_JAR and no Go engine in cmd/tlacheck)" >&2
  exit 3
fi
if [ $rc -eq 0 ]; then echo "tlc.sh: verdict: no error ($(basename "$spec"))"; else echo "tlc.sh: verdict: FAILED with exit $rc ($(basename "$spec"))" >&2; fi
exit $rc
