// Command benchdiff compares two make bench reports (bench.json), say of
// two commits: each daemon's figures, old and new medians with their
// spread and new/old, and the wifid/iwd ratios of each.
//
//	go run ./lab/benchdiff old/bench.json lab-results/bench/results/TestBench/bench.json
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"wifid/lab/bench"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchdiff OLD/bench.json NEW/bench.json")
		os.Exit(2)
	}
	old, err := read(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchdiff:", err)
		os.Exit(1)
	}
	cur, err := read(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchdiff:", err)
		os.Exit(1)
	}
	fmt.Print(bench.Compare(old, cur))
}

func read(path string) (*bench.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r bench.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}
