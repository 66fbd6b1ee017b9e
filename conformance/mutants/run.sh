#!/usr/bin/env bash
# run.sh applies each seeded bug (conformance/mutants/*.patch, against runtime/) to a
# temporary copy of the tree, never to the working tree, and runs the conformance tiers
# that need neither root nor runsc on it (fewer cases: CONFORMANCE_QUICK=1). Every
# mutant must be killed, i.e. make the tests fail. It prints the score and, per mutant,
# how long the suite took to fail.
#
# Usage: run.sh [mutant ...] (default: every patch here).
# Environment: MUTANT_TESTS (go test -run pattern), MUTANT_TIMEOUT (seconds, default 900),
# MUTANT_RESULTS (file to write "name result seconds" lines to; by default
# $TMPDIR/gvisorfsm-mutant-results.txt, where `make conformance`'s summary finds them).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tests=${MUTANT_TESTS:-'^(TestFakeRunscStateMachine|TestConcurrentFakeRunsc)$'}
limit=${MUTANT_TIMEOUT:-900}
results=${MUTANT_RESULTS:-${TMPDIR:-/tmp}/gvisorfsm-mutant-results.txt}
: >"$results"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

copy_tree() { # the tracked files of the working tree, without .git
	(cd "$root" && git ls-files -z) | (cd "$root" && xargs -0 tar -cf - --ignore-failed-read 2>/dev/null) | tar -xf - -C "$1"
}

total=0
killed=0
printf '%-36s %-9s %8s\n' mutant result seconds
# Arguments, if any, name the mutants to run (e.g. 03-delete-by-prefix).
patches=("$here"/*.patch)
if [[ $# -gt 0 ]]; then
	patches=()
	for n in "$@"; do patches+=("$here/$n.patch"); done
fi
for p in "${patches[@]}"; do
	name=$(basename "$p" .patch)
	work="$tmp/$name"
	mkdir -p "$work"
	copy_tree "$work"
	total=$((total + 1))
	if ! patch -s -p1 -d "$work" <"$p"; then
		printf '%-36s %-9s %8s\n' "$name" "NO-APPLY" "-"
		continue
	fi
	start=$(date +%s.%N)
	if (cd "$work" && CONFORMANCE_QUICK=1 timeout "$limit" go test ./conformance -count=1 -failfast -run "$tests" >"$tmp/$name.log" 2>&1); then
		result=SURVIVED
	else
		result=killed
		killed=$((killed + 1))
	fi
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	printf '%-36s %-9s %8.1f\n' "$name" "$result" "$secs"
	if [[ $result == SURVIVED ]]; then
		tail -5 "$tmp/$name.log" | sed 's/^/    /'
	else
		grep -E 'not linearizable|model:|leaked|left behind|did not observe|without a fault|runsc (says|still)|wrapper says' "$tmp/$name.log" |
			grep -v -e 'is not a run of the model' -e 'KNOWN' | head -3 | cut -c1-200 | sed 's/^/    /'
	fi
	echo "$name $result $secs" >>"$results"
	rm -rf "$work"
done
echo "mutation score: $killed/$total"
[[ $killed -eq $total ]]
