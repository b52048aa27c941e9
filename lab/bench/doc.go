// Package bench is the benchmark's arithmetic and its reports: the figures a
// run measures, their medians and the Markdown table (report.go), the chart
// of each connect's phases (chart.go), the roaming table (roam.go), and the
// probes a run reads the daemons with: rtnetlink events and /proc
// (watch.go), the daemons' logs (logs.go) and wifid's LastConnect record
// (lastconnect.go).
//
// The lab drives the daemons in the VM and calls this package (lab's
// bench_test.go, build tags lab and bench; `make bench`); everything here is
// tested on the host by plain go test.
package bench
