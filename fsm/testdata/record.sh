#!/usr/bin/env bash
# record.sh re-records the lifecycle spec's reachable state graph from the
# official TLC into this directory, for fsm's TestSpecGraphMatchesTables:
#   spec-graph.dot.gz  TLC's `-dump dot,actionlabels` output, gzipped
#   spec.sha256        sha256 of the spec and cfg it came from (the test
#                      fails when they change and this was not re-run)
#   tlc.txt            TLC's verdict and statistics for that run
# Run it after every change to spec/NucleusSecurity_GVisor_GVisorRuntime.{tla,cfg}.
#
# Environment: TLA2TOOLS_JAR (default /opt/tla/tla2tools.jar), JAVA (default java).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
module=NucleusSecurity_GVisor_GVisorRuntime
jar=${TLA2TOOLS_JAR:-/opt/tla/tla2tools.jar}
java=${JAVA:-java}
[[ -f "$jar" ]] || { echo "record.sh: no TLC jar at $jar (set TLA2TOOLS_JAR)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root/spec/$module.tla" "$root/spec/$module.cfg" "$work/"

# -fp 0 fixes TLC's fingerprint function, and so the node IDs in the dump:
# re-recording an unchanged spec gives the same file.
set +e
(cd "$work" && "$java" -XX:+UseParallelGC -cp "$jar" tlc2.TLC -workers 1 -fp 0 -noGenerateSpecTE \
	-dump dot,actionlabels "$work/graph.dot" -config "$module.cfg" "$module.tla") >"$work/out" 2>&1
code=$?
set -e
if [[ $code -ne 0 ]]; then
	cat "$work/out" >&2
	echo "record.sh: TLC exited $code; the spec must pass before its graph is recorded" >&2
	exit 1
fi

gzip -9 -n -c "$work/graph.dot" >"$here/spec-graph.dot.gz"
(cd "$root" && sha256sum "spec/$module.tla" "spec/$module.cfg") >"$here/spec.sha256"
{
	grep -m1 '^TLC2 Version' "$work/out"
	grep -E '^(Model checking completed|[0-9]+ states generated|The depth of)' "$work/out"
} >"$here/tlc.txt"
cat "$here/tlc.txt"
