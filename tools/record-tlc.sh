#!/usr/bin/env bash
# record-tlc.sh runs the official TLC on the corpus under tla/testdata/corpus and
# (re)writes tla/testdata/corpus/expected.json with what TLC reported, so the Go
# engine's tests compare against real TLC runs rather than hand-written numbers.
#
# Usage: tools/record-tlc.sh [-v] [--examples] [NAME...]
#   With no NAME every corpus entry is run and expected.json is rewritten from
#   scratch; with names only those entries are run and merged into the existing file.
#   -v prints TLC's full output for each entry.
#   --examples records models of a tlaplus/Examples checkout (TLA_EXAMPLES, its
#   root) instead: tla/testdata/examples/models lists them, one a line as
#   "Name specifications/dir/Spec.tla Config.cfg [large] [TLC flags...]", and
#   tla/testdata/examples/expected.json gets the same fields as the corpus's plus
#   spec, config, large and depth. Nothing of the checkout is copied.
#
# Environment:
#   TLA2TOOLS_JAR  path to tla2tools.jar (default /opt/tla/tla2tools.jar if present)
#   JAVA           java binary (default: java)
#   TLC_TIMEOUT    seconds per entry before giving up (default 600)
#
# Each entry is <Name>/<Name>.tla with <Name>/<Name>.cfg and any modules it uses.
# An optional <Name>/flags file holds extra TLC flags (e.g. -deadlock), whitespace
# separated. TLC runs in a temporary copy of the entry, with one worker and
# -noGenerateSpecTE, so nothing is written into the repository. TLC picks a random
# fingerprint polynomial per run, and the counterexample it prints for a liveness
# violation depends on it; -fp 0 fixes it so re-recording gives the same file.
#
# Fields written per entry (see tla/testdata/corpus/README.md):
#   tlc, exit, generated, distinct, violation, violated, trace_len, workers, flags
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/tla/testdata/corpus"
out="$corpus/expected.json"
jar=${TLA2TOOLS_JAR:-}
if [[ -z "$jar" && -f /opt/tla/tla2tools.jar ]]; then
	jar=/opt/tla/tla2tools.jar
fi
java=${JAVA:-java}
timeout_s=${TLC_TIMEOUT:-600}
verbose=0
if [[ "${1:-}" == "-v" ]]; then
	verbose=1
	shift
fi
examples=0
if [[ "${1:-}" == "--examples" ]]; then
	examples=1
	corpus="$root/tla/testdata/examples"
	out="$corpus/expected.json"
	[[ -n "${TLA_EXAMPLES:-}" && -d "$TLA_EXAMPLES/specifications" ]] || {
		echo "record-tlc: set TLA_EXAMPLES to a checkout of github.com/tlaplus/Examples" >&2
		exit 2
	}
	shift
fi

die() {
	echo "record-tlc: $*" >&2
	exit 2
}
[[ -n "$jar" && -f "$jar" ]] || die "set TLA2TOOLS_JAR to the official tla2tools.jar"
command -v "$java" >/dev/null || die "java not found"
command -v jq >/dev/null || die "jq not found"

# model_line prints the models file's line for an example, or nothing.
model_line() {
	awk -v n="$1" '$1 == n' "$corpus/models"
}

if [[ $examples == 1 && $# -gt 0 ]]; then
	names=("$@")
	for n in "${names[@]}"; do
		[[ -n "$(model_line "$n")" ]] || die "no model $n in $corpus/models"
	done
	base=$(cat "$out" 2>/dev/null || echo '{}')
elif [[ $examples == 1 ]]; then
	mapfile -t names < <(awk '!/^#/ && NF { print $1 }' "$corpus/models")
	base='{}'
elif [[ $# -gt 0 ]]; then
	names=("$@")
	for n in "${names[@]}"; do
		[[ -f "$corpus/$n/$n.tla" ]] || die "no corpus entry $n"
	done
	base=$(cat "$out" 2>/dev/null || echo '{}')
else
	names=()
	for d in "$corpus"/*/; do
		n=$(basename "$d")
		[[ -f "$d/$n.tla" ]] && names+=("$n")
	done
	base='{}'
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# parse_output reads TLC's output on stdin and prints
# "version generated distinct violation violated trace_len" for the given exit code.
parse_output() {
	awk -v code="$1" '
	/^TLC2 Version / { ver = $3 }
	/states? generated, [0-9,]+ distinct states? found/ && !/^Progress/ {
		g = $1; d = $4; gsub(",", "", g); gsub(",", "", d); gen = g; dist = d; stats = 1
	}
	/^Error: Invariant .* is violated by the initial state:/ { kind = "invariant"; name = $3; init = 1 }
	/^Error: Invariant .* is violated\.$/ { kind = "invariant"; name = $3 }
	/^Error: Action property .* is violated\.$/ {
		# TLC names a conjunct of a refined spec by its source location, with spaces.
		kind = "action"; name = $0
		sub(/^Error: Action property /, "", name); sub(/ is violated\.$/, "", name)
	}
	/^Error: Evaluating invariant .* failed\./ { kind = "eval"; name = $4 }
	/^Error: Temporal properties were violated\./ { kind = "temporal" }
	/^Error: Deadlock reached\./ { kind = "deadlock" }
	/^Error: Assumption .* is false\./ { kind = "assume" }
	/^Error: The first argument of Assert evaluated to FALSE/ { kind = "assert" }
	/^State [0-9]+: / && !/^State [0-9]+: Stuttering/ { states++ }
	/^The depth of the complete state graph search is / { dep = $NF; sub(/\.$/, "", dep); gsub(",", "", dep) }
	END {
		if (kind == "") {
			if (code == 10) kind = "assume"
			else if (code == 11) kind = "deadlock"
			else if (code == 12) kind = "invariant"
			else if (code == 14) kind = "assert"
			else if ((code >= 75 && code < 150) || code == 255) kind = "eval"
			else if (code == 150) kind = "parse"
			else if (code == 151) kind = "config"
		}
		# A violation by an initial state prints that state without a "State 1:" header.
		if (init && states == 0) states = 1
		if (!stats) { gen = 0; dist = 0 }
		if (name == "") name = "-"
		printf "%s %d %d %s %d %d %s\n", ver, gen, dist, (kind == "" ? "-" : kind), states + 0, dep + 0, name
	}'
}

result="$base"
fail=0
for n in "${names[@]}"; do
	flags=()
	large=false
	if [[ $examples == 1 ]]; then
		# TLC runs in the checkout (it writes nothing there with -noGenerateSpecTE
		# and a -metadir elsewhere)
		read -r _ spec cfg rest <<<"$(model_line "$n")"
		read -r -a flags <<<"${rest:-}"
		if [[ "${flags[0]:-}" == "large" ]]; then
			large=true
			flags=("${flags[@]:1}")
		fi
		dir="$TLA_EXAMPLES/$(dirname "$spec")"
		tla=$(basename "$spec")
		metadir=(-metadir "$work/$n.states")
	else
		rm -rf "${work:?}/$n"
		cp -r "$corpus/$n" "$work/$n"
		if [[ -f "$work/$n/flags" ]]; then
			read -r -a flags <<<"$(tr '\n' ' ' <"$work/$n/flags")"
		fi
		dir="$work/$n"
		cfg="$n.cfg"
		tla="$n.tla"
		metadir=()
	fi
	start=$(date +%s.%N)
	set +e
	(cd "$dir" && timeout "$timeout_s" "$java" -XX:+UseParallelGC -cp "$jar" tlc2.TLC \
		-workers 1 -noGenerateSpecTE -fp 0 ${metadir[@]+"${metadir[@]}"} ${flags[@]+"${flags[@]}"} -config "$cfg" "$tla") >"$work/$n.out" 2>&1
	code=$?
	set -e
	secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
	if [[ $verbose == 1 ]]; then
		cat "$work/$n.out"
	fi
	if [[ $code == 124 ]]; then
		echo "record-tlc: $n: TLC timed out after ${timeout_s}s; entry not recorded" >&2
		fail=1
		continue
	fi
	read -r ver gen dist kind tl dep name < <(parse_output "$code" <"$work/$n.out")
	[[ "$kind" == "-" ]] && kind=""
	[[ "$name" == "-" ]] && name=""
	if [[ -z "$ver" ]]; then
		echo "record-tlc: $n: no TLC version line in output (exit $code):" >&2
		tail -20 "$work/$n.out" >&2
		fail=1
		continue
	fi
	flags_json=$(printf '%s\n' ${flags[@]+"${flags[@]}"} | jq -R . | jq -s -c 'map(select(. != ""))')
	result=$(jq --arg n "$n" --arg ver "$ver" --argjson exit "$code" \
		--argjson gen "$gen" --argjson dist "$dist" --arg kind "$kind" --arg name "$name" \
		--argjson tl "$tl" --argjson flags "$flags_json" \
		'.[$n] = {tlc: $ver, exit: $exit, generated: $gen, distinct: $dist, violation: $kind,
		          violated: $name, trace_len: $tl, workers: 1, flags: $flags}' <<<"$result")
	if [[ $examples == 1 ]]; then
		result=$(jq --arg n "$n" --arg spec "$spec" --arg cfg "$cfg" --argjson large "$large" --argjson dep "$dep" \
			'.[$n] += {spec: $spec, config: $cfg, large: $large, depth: $dep}' <<<"$result")
	fi
	printf '%-28s exit %-3s %9s gen %8s distinct %-9s %-14s trace %-3s %6ss\n' \
		"$n" "$code" "$gen" "$dist" "${kind:--}" "${name:--}" "$tl" "$secs"
done

# Sorted keys keep diffs of expected.json small and reviewable.
jq "to_entries | sort_by(.key) | from_entries" <<<"$result" >"$out.tmp" && mv "$out.tmp" "$out"
exit $fail
