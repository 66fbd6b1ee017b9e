#!/usr/bin/env bash
# run.sh shows that every named invariant and property of the gVisor lifecycle
# spec can fail: each directory here holds a copy of the spec with one
# deliberate mistake (named in its second line) and a cfg that checks only the
# invariant or property the mistake breaks. Every mutant is run through a
# model checker and must end with the exit code and error message recorded
# in expected.txt (12 for an invariant, 13 for an action or temporal property).
# mutate.py writes the mutants from the spec; re-run it after changing the spec.
#
# Usage: spec/mutants/run.sh [-record] [CHECKER]
#   CHECKER  command that model checks a spec; it is called as
#            CHECKER -config M.cfg M.tla (word-split, run from the current
#            directory with absolute paths). Default: the official TLC,
#            java -XX:+UseParallelGC -cp "$TLA2TOOLS_JAR" tlc2.TLC -workers 1 -noGenerateSpecTE
#            with TLA2TOOLS_JAR defaulting to /opt/tla/tla2tools.jar.
#   -record  rewrite expected.txt from this run instead of comparing with it
#            (only after checking that each run failed the way its name says).
#
# Prints one table row per mutant; exits 1 when any mutant did not fail as
# expected, 2 on usage errors.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
module=NucleusSecurity_GVisor_GVisorRuntime
expected="$here/expected.txt"

record=0
if [[ "${1:-}" == "-record" ]]; then
	record=1
	shift
fi
if [[ $# -gt 1 ]]; then
	echo "usage: $0 [-record] [CHECKER]" >&2
	exit 2
fi
if [[ $# -eq 1 ]]; then
	checker=$1
else
	jar=${TLA2TOOLS_JAR:-/opt/tla/tla2tools.jar}
	if [[ ! -f "$jar" ]]; then
		echo "run.sh: no TLC jar at $jar (set TLA2TOOLS_JAR or pass a CHECKER)" >&2
		exit 2
	fi
	checker="java -XX:+UseParallelGC -cp $jar tlc2.TLC -workers 1 -noGenerateSpecTE"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# error_line prints the line that says what was violated.
error_line() {
	grep -m1 -E '^Error: (Invariant .* is violated|Action property .* is violated|Temporal properties were violated)' "$1" ||
		grep -m1 '^Error:' "$1" || echo "(no error reported)"
}

# only_property prints the single INVARIANT/PROPERTY a mutant cfg checks.
only_property() {
	awk '/^(INVARIANTS?|PROPERTY|PROPERTIES)[ \t]/ { for (i = 2; i <= NF; i++) print $i }' "$1"
}

declare -A want_exit want_msg
if [[ $record -eq 0 ]]; then
	if [[ ! -f "$expected" ]]; then
		echo "run.sh: $expected missing; run with -record first" >&2
		exit 2
	fi
	while IFS=$'\t' read -r name code msg; do
		[[ -z "$name" || "$name" == \#* ]] && continue
		want_exit[$name]=$code
		want_msg[$name]=$msg
	done <"$expected"
fi

fail=0
rows=()
printf '%-30s %-4s %-5s %s\n' MUTANT EXIT OK MESSAGE
for dir in "$here"/*/; do
	name=$(basename "$dir")
	spec="$dir/$module.tla"
	cfg="$dir/$module.cfg"
	[[ -f "$spec" && -f "$cfg" ]] || continue
	ok=yes
	if cmp -s "$spec" "$here/../$module.tla"; then
		ok="no (not a mutant: same as the spec)"
	fi
	if [[ "$(only_property "$cfg")" != "$name" ]]; then
		ok="no (cfg must check only $name)"
	fi
	rm -rf "${work:?}"/*
	cp "$spec" "$cfg" "$work/"
	set +e
	(cd "$work" && $checker -config "$work/$module.cfg" "$work/$module.tla") >"$work/out" 2>&1
	code=$?
	set -e
	msg=$(error_line "$work/out")
	# The name: TLC names violated invariants and action properties; a
	# temporal violation is attributed through the cfg, which checks only it.
	case "$code" in
	12) [[ "$msg" == "Error: Invariant $name is violated." ]] || ok="no (wrong violation)" ;;
	13) [[ "$msg" == "Error: Action property $name is violated." || "$msg" == "Error: Temporal properties were violated." ]] ||
		ok="no (wrong violation)" ;;
	*) ok="no (exit $code)" ;;
	esac
	if [[ $record -eq 0 ]]; then
		if [[ -z "${want_exit[$name]:-}" ]]; then
			ok="no (not in expected.txt)"
		elif [[ "${want_exit[$name]}" != "$code" || "${want_msg[$name]}" != "$msg" ]]; then
			ok="no (expected ${want_exit[$name]} ${want_msg[$name]})"
		fi
		unset "want_exit[$name]"
	fi
	[[ "$ok" == yes ]] || fail=1
	printf '%-30s %-4s %-5s %s\n' "$name" "$code" "${ok%% *}" "$msg"
	[[ "$ok" == yes ]] || echo "    ${ok#no }"
	rows+=("$name"$'\t'"$code"$'\t'"$msg")
done
if [[ $record -eq 0 ]]; then
	for name in "${!want_exit[@]}"; do
		echo "$name: in expected.txt but no such mutant"
		fail=1
	done
fi
if [[ $record -eq 1 ]]; then
	if [[ $fail -ne 0 ]]; then
		echo "run.sh: not recording: some mutants did not fail as their name says" >&2
		exit 1
	fi
	{
		echo "# name	exit	message (recorded by spec/mutants/run.sh -record from: $checker)"
		printf '%s\n' "${rows[@]}"
	} >"$expected"
	echo "recorded $expected"
fi
exit $fail
