#!/bin/sh
# bench-profile.sh DIR BINARY: the top entries of TestBenchProfile's
# profiles (DIR/profile-N/cpu.pprof from exec to connected, heap.pprof and
# goroutine.txt once connected), all runs merged, written to
# DIR/profile.txt and printed.
set -eu
dir=$1 bin=$2
cpu=$(ls "$dir"/profile-*/cpu.pprof 2>/dev/null || true)
heap=$(ls "$dir"/profile-*/heap.pprof 2>/dev/null || true)
if [ -z "$cpu" ]; then
	echo "bench-profile: no profiles in $dir" >&2
	exit 0
fi
{
	echo "== goroutines once connected, per run"
	grep -h "^goroutine profile" "$dir"/profile-*/goroutine.txt || true
	echo
	echo "== wifid CPU, exec to connected, runs merged (cumulative, top 40)"
	go tool pprof -top -cum -nodecount=40 "$bin" $cpu 2>/dev/null
	echo
	echo "== wifid CPU, flat (top 30)"
	go tool pprof -top -nodecount=30 "$bin" $cpu 2>/dev/null
	echo
	echo "== wifid heap in use once connected, runs merged (top 30)"
	go tool pprof -top -sample_index=inuse_space -nodecount=30 "$bin" $heap 2>/dev/null
} > "$dir/profile.txt"
cat "$dir/profile.txt"
