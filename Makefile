# floodcmd — everything a newcomer needs is `make run` and `make test`.
GO       ?= go
BIN      := bin/floodcmd
TOOLS    := $(CURDIR)/.tools
NATS_CLI := $(TOOLS)/nats
NATSCLI_VERSION := v0.5.0
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: run build test test-race test-short bench lint fuzz tools browser xmllint clean

## run: the command system on embedded defaults with the Duhu scenario (board on :8080, NATS on
## 127.0.0.1:4222), playing the 12 May 2022 storm as a drill at 120× (24 hours in 12 minutes),
## with simulated responders and households answering
run: build
	./$(BIN) serve --scenario duhu --replay storm-2022-05-12.jsonl --speed 120 --simulate

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/floodcmd

## test: vet, every test (real JetStream, the real nats CLI, a throwaway PostgreSQL), a short fuzz of each decoder
test: tools browser xmllint
	$(GO) vet ./...
	PATH="$(TOOLS):$$PATH" scripts/with-postgres.sh $(GO) test -count=1 -timeout 15m ./...
	$(MAKE) fuzz FUZZTIME=5s

## test-race: every test under the race detector, the floodcmd binary of the end-to-end tests too
test-race: tools browser xmllint
	FLOODCMD_TEST_RACE=1 PATH="$(TOOLS):$$PATH" scripts/with-postgres.sh $(GO) test -race -count=1 -timeout 30m ./...

## test-short: the fast unit tests only
test-short: xmllint
	$(GO) test -short -count=1 ./...

## bench: every benchmark, figures and ratios printed (see docs/BENCHMARKS.md)
bench:
	scripts/with-postgres.sh $(GO) test -run='^$$' -bench=. -benchtime=1x -timeout 30m ./...

## soak: the engine's seeded soak over 200 seeds (make test runs 3): every kind of input, kill -9,
## invariants after every step (see natsjs/soak_test.go); SEEDS=N to change. Then the incident
## waves against the real binary, WAVES runs (make test runs 1; see cmd/floodcmd/waves_e2e_test.go)
SEEDS ?= 200
WAVES ?= 8
soak:
	$(GO) test -run '^TestSoakEngine$$' -count=1 -timeout 90m ./natsjs/ -args -soak.seeds=$(SEEDS)
	$(GO) test -run '^TestIncidentWaves$$' -count=1 -timeout 30m ./cmd/floodcmd/ -args -waves.runs=$(WAVES)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

## fuzz: every decoder of outside input, FUZZTIME each (make test runs them for 5 s)
FUZZTIME ?= 60s
FUZZ_TARGETS := events:FuzzValidate events:FuzzFastReading events:FuzzRequiredKeys events:FuzzReadReplay geo:FuzzLoadFeatureCollection cap:FuzzParse \
	dispatch:FuzzReadRosterCSV dispatch:FuzzParseConfigFile evac:FuzzReadHouseholdsCSV osm:FuzzParseMaxspeed osm:FuzzParseOneway ui:FuzzVerifyToken \
	aid:FuzzRestore aid:FuzzLoadConfig engine:FuzzDomainRestore engine:FuzzRestoreIDs natsjs:FuzzLogPosition
fuzz:
	@scripts/fuzz.sh $(FUZZTIME) $(FUZZ_TARGETS)

## browser: Debian's chromium for the board's browser tests, and a Chinese font so screenshots are legible
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei; }

## xmllint: libxml2's xmllint, which checks every CAP alert floodcmd sends against the official CAP 1.2 schema
xmllint:
	@command -v xmllint >/dev/null || { \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libxml2-utils; }

## tools: the nats CLI, for docs/EVENTS.md examples and the end-to-end tests
tools: $(NATS_CLI)
$(NATS_CLI):
	GOBIN=$(TOOLS) $(GO) install github.com/nats-io/natscli/nats@$(NATSCLI_VERSION)

clean:
	rm -rf bin data
