# Every test of the project: `make test`. The main job (the conformance suite against the built-in
# reference implementation) is `cargo run --release -p eventwire-conformance`.

CARGO ?= cargo
# Proves that nothing calls a system protoc: prost-build is fed by protox.
export PROTOC := /nonexistent/protoc-is-not-used

.PHONY: test lint bins test-rust test-ts test-dart test-tauri dart fuzz-smoke

SHELL := /bin/bash
PARTS := lint test-rust test-ts test-dart test-tauri
LOGS := target/test-logs

# Every part runs, even after one failed, and its output is also kept in $(LOGS)/<part>.log; the
# last lines are one summary line per part with its counts (.ci/test-summary.py).
test:
	@mkdir -p $(LOGS); rm -f $(LOGS)/*.log $(LOGS)/*.status; status=0; \
	for part in $(PARTS); do \
		$(MAKE) --no-print-directory $$part 2>&1 | tee $(LOGS)/$$part.log; \
		code=$${PIPESTATUS[0]}; echo $$code > $(LOGS)/$$part.status; \
		[ $$code -eq 0 ] || status=1; \
	done; \
	python3 .ci/test-summary.py $(LOGS) || status=1; \
	exit $$status

# Formatting (rustfmt, prettier), lints ([workspace.lints] in Cargo.toml, clippy with warnings denied) and the API docs
# (broken links and bad HTML fail). Each is quick once the tests' dependencies are built.
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked
	# The hand-written TypeScript of bindings/ts and the examples (prettier, pinned in bindings/ts).
	cd bindings/ts && npm ci --no-audit --no-fund && npm run -s format:check

# The Rust tests include the breaking-change corpus, which compares the checker with `buf breaking`
# (npm @bufbuild/buf, pinned in tools/package.json). Under make a missing buf fails the run
# instead of being skipped (tools/tests/breaking.rs); the same tests check the project's schema
# against schema/eventwire.lock.json (docs/evolving-a-schema.md).
test-rust: tools/node_modules/.bin/buf
	EVENTWIRE_REQUIRE_BUF=1 $(CARGO) test --workspace --locked --no-fail-fast
	# Instruction counts of benchmark (a) against benches/callgrind.json (fails on +10%; needs valgrind).
	python3 benches/callgrind.py

tools/node_modules/.bin/buf: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund
	@touch $@

# The TS tests and scripts run the binaries of the same workspace build as test-rust (a `cargo
# build -p` or `cargo run --release` of their own would build the dependencies again, with another
# feature set or profile). After test-rust, `bins` only links the two binaries no test needs.
BIN_DIR := $(CURDIR)/target/debug
bins:
	$(CARGO) build --workspace --locked --bins --examples

test-ts test-tauri: export EVENTWIRE_BIN_DIR := $(BIN_DIR)
test-ts: export EVENTWIRE_HOST := $(BIN_DIR)/eventwire-host
test-ts: export TODO_HOST := $(BIN_DIR)/todo-host
test-ts: export TODO_JSON_BRIDGE := $(BIN_DIR)/examples/json_bridge

test-ts: bins
	@if [ -f bindings/ts/package.json ]; then \
		cd bindings/ts && npm ci --no-audit --no-fund && npm test; \
	else \
		echo "SKIPPED: bindings/ts is not in this tree yet"; \
	fi
	cd examples/todo/ts && npm ci --no-audit --no-fund && npm test

# The Tauri example end to end in a real WebKitGTK webview under Xvfb (docs/tauri.md): the page
# runs its self-test and the test checks the report. Needs libwebkit2gtk-4.1-dev, xvfb and xauth
# (.ci/run installs them); about 20 s once built.
test-tauri: bins
	cd examples/todo-tauri/page && npm ci --no-audit --no-fund && npm run build
	$(CARGO) test --workspace --locked --test webview -- --ignored --nocapture

# Dart needs an SDK, which not every machine has. What can be checked without one (generated-code
# snapshots, a syntax parse of every Dart file, the shared generation model) runs in test-rust.
test-dart:
	@if command -v dart >/dev/null 2>&1; then \
		$(MAKE) dart; \
	else \
		echo "SKIPPED: dart not found (the Dart package was parsed and snapshot-checked in test-rust, not run)"; \
	fi

dart:
	@if [ -f bindings/dart/pubspec.yaml ]; then \
		$(MAKE) -C bindings/dart all; \
	else \
		echo "SKIPPED: bindings/dart is not in this tree yet"; \
	fi

# A short, fixed-time run of every fuzz target (the long runs are in docs/ROBUSTNESS.md). Needs a
# nightly toolchain and cargo-fuzz; without them it says so and succeeds.
FUZZ_TOOLCHAIN ?= +nightly
FUZZ_TARGETS := envelope_decode dispatch stream_serve testee_decode notification_decode
FUZZ_SMOKE_SECONDS ?= 10

fuzz-smoke:
	@if ! $(CARGO) $(FUZZ_TOOLCHAIN) --version >/dev/null 2>&1; then \
		echo "SKIPPED: fuzz-smoke needs a nightly toolchain (rustup toolchain install nightly)"; \
	elif ! $(CARGO) $(FUZZ_TOOLCHAIN) fuzz --version >/dev/null 2>&1; then \
		echo "SKIPPED: fuzz-smoke needs cargo-fuzz (cargo install cargo-fuzz)"; \
	else \
		python3 fuzz/seed-corpora.py && \
		for target in $(FUZZ_TARGETS); do \
			echo "fuzz-smoke: $$target for $(FUZZ_SMOKE_SECONDS) s"; \
			(cd fuzz && $(CARGO) $(FUZZ_TOOLCHAIN) fuzz run -O -s none $$target -- \
				-max_total_time=$(FUZZ_SMOKE_SECONDS) -max_len=4096) || exit 1; \
		done; \
	fi
