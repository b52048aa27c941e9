#!/usr/bin/env bash
# make fuzz: every fuzz target of the project (a func FuzzX in a _test.go
# file) runs for FUZZTIME (default 60s) in turn, then a table says, per
# target, its package, outcome and time. FUZZ=<regexp> picks targets by
# name. A target that fails leaves its input under the package's
# testdata/fuzz/ (go test puts it there; commit it as a regression seed
# with the fix). Exits non-zero if any target failed. `make test` runs it
# with FUZZTIME=1s; plain `go test` already runs every seed corpus.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
fuzztime=${FUZZTIME:-60s}
pick=${FUZZ:-.}
pass=0 fail=0
table=()
while read -r dir name; do
	[[ $name =~ $pick ]] || continue
	start=$SECONDS
	out=$(go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "./$dir" 2>&1)
	rc=$?
	# Go's fuzzing engine now and then ends a short run with "context
	# deadline exceeded" and no failing input (its workers outlived the
	# time): not a finding. Such a run is made once more.
	if [ $rc -ne 0 ] && grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
		out=$(go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "./$dir" 2>&1)
		rc=$?
	fi
	if [ $rc -eq 0 ]; then
		result=ok
		pass=$((pass + 1))
	else
		result=FAIL
		fail=$((fail + 1))
		echo "--- FAIL: $dir $name"
		echo "$out" | tail -25
	fi
	table+=("$(printf '%-34s %-34s %-5s %4ds' "$dir" "$name" "$result" $((SECONDS - start)))")
done < <(grep -rHoE '^func Fuzz[A-Za-z0-9_]+\(' --include='*_test.go' . |
	sed -E 's|^\./||; s|/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]+)\($| \1|' | sort)
printf '%-34s %-34s %-5s %5s\n' package target result time
printf '%s\n' "${table[@]}"
echo "fuzz: $pass passed, $fail failed (${fuzztime} each)"
[ "$fail" -eq 0 ]
