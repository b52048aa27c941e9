#!/usr/bin/env bash
# make test: gofmt, go mod tidy, go vet, the unit tests under the race
# detector (with the host namespace tests: root, netns, veth, dnsmasq), every
# fuzz target for a second, then the lab suite in qemu.
# Ends with one line "N passed, N failed" over unit and lab tests together;
# exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
export CGO_ENABLED=0
out=${LAB_OUT:-lab-results}
mkdir -p "$out"
fail=0

echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './lab-results/*'))
if [ -n "$bad" ]; then echo "gofmt would change:"; echo "$bad"; fail=1; fi

echo "== go mod tidy"
# go.mod and go.sum must be what tidy makes of the imports.
if ! tidy=$(go mod tidy -diff 2>&1); then echo "go mod tidy would change:"; echo "$tidy"; fail=1; fi

echo "== go vet"
go vet ./... || fail=1
go vet -tags lab ./lab/... || fail=1
go vet -tags lab,bench ./lab/... || fail=1

echo "== unit tests (go test -race ./...)"
# WIFID_NETNS=1: the host namespace tests must run, not skip. One pass, under
# the race detector, which needs cgo (everything else builds without it).
WIFID_NETNS=1 CGO_ENABLED=1 go test -race -count=1 -v ./... > "$out/unit.log" 2>&1
unit_rc=$?
grep -E '^(--- FAIL|FAIL|ok|panic)' "$out/unit.log" | grep -v '^ok' | head -50
grep -E '^ok|^FAIL|no test files' "$out/unit.log" | grep -v 'no test files' | sed 's/^/  /'
upass=$(grep -cE '^\s*--- PASS' "$out/unit.log")
ufail=$(grep -cE '^\s*--- FAIL' "$out/unit.log")
uskip=$(grep -cE '^\s*--- SKIP' "$out/unit.log")
if [ $unit_rc -ne 0 ] && [ "$ufail" -eq 0 ]; then ufail=1; echo "unit: go test failed outside a test (build error?); see $out/unit.log"; tail -20 "$out/unit.log"; fi
[ $unit_rc -ne 0 ] && fail=1
echo "unit: $upass passed, $ufail failed, $uskip skipped"

echo "== fuzz targets, 1 s each (make fuzz: 60 s)"
FUZZTIME=1s ./lab/fuzz.sh > "$out/fuzz.log" 2>&1
fuzz_rc=$?
grep -E '^(--- FAIL|fuzz:)' "$out/fuzz.log"
fpass=$(grep -oE '^fuzz: [0-9]+ passed' "$out/fuzz.log" | awk '{print $2}')
ffail=$(grep -oE ', [0-9]+ failed' "$out/fuzz.log" | tail -1 | grep -oE '[0-9]+')
fpass=${fpass:-0} ffail=${ffail:-0}
if [ $fuzz_rc -ne 0 ]; then fail=1; [ "$ffail" -eq 0 ] && ffail=1; fi

echo "== lab suite (qemu, mac80211_hwsim)"
go build -o bin/test-runner ./lab/test-runner || fail=1
./bin/test-runner -out "$out" ${LAB_RUN:+-run "$LAB_RUN"} > "$out/lab.log" 2>&1
lab_rc=$?
cat "$out/lab.log" | grep -v '^[0-9]* passed, [0-9]* failed$'
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/lab.log" | tail -1)
lpass=$(echo "${line:-0 passed, 1 failed}" | awk '{print $1}')
lfail=$(echo "${line:-0 passed, 1 failed}" | awk '{print $3}')
[ $lab_rc -ne 0 ] && fail=1
[ $lab_rc -ne 0 ] && [ "$lfail" -eq 0 ] && lfail=1

echo "== summary: unit $upass passed, $ufail failed; fuzz $fpass passed, $ffail failed; lab $lpass passed, $lfail failed"
echo "$((upass + fpass + lpass)) passed, $((ufail + ffail + lfail)) failed"
exit $fail
