# wifid. `make demo` shows it in the lab; `make test` runs every check.
# Both install the Debian packages they need (lab/deps.sh says which).

PREFIX  ?= /usr
# Where dbus-daemon reads policies (dbus 1.10 and later), and systemd units
# and .link files: fixed places, whatever PREFIX is.
DBUSPOLICYDIR  ?= /usr/share/dbus-1/system.d
SYSTEMDUNITDIR ?= /lib/systemd/system
SYSTEMDNETDIR  ?= /usr/lib/systemd/network
GO      ?= go
export CGO_ENABLED = 0
export PATH := $(PATH):/usr/local/go/bin

.PHONY: all build install deps test unit lab demo bench fmt vet clean fuzz

all: build

deps:
	@./lab/deps.sh

# wifid's link flags (lab/test-runner builds with the same): no transparent
# huge pages for the Go heap. Where the kernel's setting is "always"
# (Debian's kernels), two 2 MiB huge pages held most of a heap whose live
# part is a few hundred KiB: RssAnon 7.5 MiB with them, 3.5 without (make
# bench). GODEBUG=disablethp=1 in the environment does the same.
WIFID_LDFLAGS = -X=runtime.godebugDefault=disablethp=1

build:
	$(GO) build -trimpath -ldflags="-s -w $(WIFID_LDFLAGS)" -o bin/ ./daemon/cmd/...
	$(GO) build -trimpath -ldflags="-s -w" -o bin/ ./tools/...

install: build
	install -D -m 0755 bin/wifid $(DESTDIR)$(PREFIX)/libexec/wifid
	install -D -m 0755 bin/wifictl $(DESTDIR)$(PREFIX)/bin/wifictl
	install -D -m 0755 bin/passphrase $(DESTDIR)$(PREFIX)/bin/wifid-passphrase
	install -D -m 0755 bin/wifimon $(DESTDIR)$(PREFIX)/bin/wifimon
	install -D -m 0644 daemon/dist/wifid-dbus.conf $(DESTDIR)$(DBUSPOLICYDIR)/wifid-dbus.conf
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|^ExecStart=/usr/libexec/|ExecStart=$(PREFIX)/libexec/|' daemon/dist/wifid.service > $(DESTDIR)$(SYSTEMDUNITDIR)/wifid.service
	install -D -m 0755 bin/ead $(DESTDIR)$(PREFIX)/libexec/ead
	install -D -m 0644 daemon/dist/ead-dbus.conf $(DESTDIR)$(DBUSPOLICYDIR)/ead-dbus.conf
	sed 's|^ExecStart=/usr/libexec/|ExecStart=$(PREFIX)/libexec/|' daemon/dist/ead.service > $(DESTDIR)$(SYSTEMDUNITDIR)/ead.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/wifid.service $(DESTDIR)$(SYSTEMDUNITDIR)/ead.service
	install -D -m 0644 daemon/dist/80-wifid.link $(DESTDIR)$(SYSTEMDNETDIR)/80-wifid.link

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...
	$(GO) vet -tags lab ./lab/...
	$(GO) vet -tags lab,bench ./lab/...

# The race detector needs cgo; nothing else does.
unit:
	WIFID_NETNS=1 CGO_ENABLED=1 $(GO) test -race -count=1 ./...

lab: deps
	$(GO) build -o bin/test-runner ./lab/test-runner
	./bin/test-runner $(if $(RUN),-run '$(RUN)')

test: deps
	@./lab/test-all.sh

# Every fuzz target for FUZZTIME each (default 60s), then a table;
# FUZZ=<regexp> picks targets by name.
fuzz:
	@./lab/fuzz.sh

demo: deps build
	$(GO) build -o bin/test-runner ./lab/test-runner
	./bin/test-runner -run '^TestDemo$$' -v -out lab-results/demo

# make bench [BENCH_RUNS=5]: wifid, iwd and wpa_supplicant in turn in one lab
# boot; prints the table (also results/TestBench/bench.md and bench.json),
# then wifid and iwd on WPA2-Enterprise (PEAP; results/TestBenchEnterprise),
# wifid's soak (connect cycles and roams; SOAK_CYCLES, SOAK_ROAMS) and the
# profiling build's top entries.
bench: deps
	$(GO) build -o bin/test-runner ./lab/test-runner
	./bin/test-runner -tags bench -run Bench -v -timeout 80m -out lab-results/bench $(if $(BENCH_RUNS),-env BENCH_RUNS=$(BENCH_RUNS)) $(if $(SOAK_CYCLES),-env SOAK_CYCLES=$(SOAK_CYCLES)) $(if $(SOAK_ROAMS),-env SOAK_ROAMS=$(SOAK_ROAMS))
	@cat lab-results/bench/results/TestBench/bench.md
	@echo; echo "WPA2-Enterprise (PEAP/MSCHAPv2):"; cat lab-results/bench/results/TestBenchEnterprise/bench.md
	@echo; echo "Soak (results/TestBenchSoak/soak.svg):"; cat lab-results/bench/results/TestBenchSoak/soak.md
	@./lab/bench-profile.sh lab-results/bench/results/TestBenchProfile lab-results/bench/bin/wifid-profile

clean:
	rm -rf bin lab-results
