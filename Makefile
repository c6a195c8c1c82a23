# Thin front end over Meson, in the spirit of QEMU's: every real rule lives in meson.build.
# `make help` lists the targets.

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
MESON ?= meson
NINJA ?= ninja
MESON_TEST_ARGS ?= --print-errorlogs
SETUP_ARGS ?=

.DEFAULT_GOAL := all
.PHONY: all deps build check check-unit check-qmp check-guest check-functional check-fuzz \
        check-asan bench run clean distclean help

## all: install missing dependencies, set up build/ when missing, then build
all: build

## deps: install the Debian packages Hull needs (fast no-op when all are present)
deps:
	@sh scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	$(MESON) setup $(if $(filter-out false 0,$(CI)),--werror) $(SETUP_ARGS) $(BUILD_DIR)

## build: install missing dependencies, then build into build/
build: deps $(BUILD_DIR)/build.ninja
	@$(NINJA) -C $(BUILD_DIR)

## check: build, then run every test suite (unit, qmp, clients, guest, functional, fuzz smoke)
check: build
	@$(MESON) test -C $(BUILD_DIR) $(MESON_TEST_ARGS) --no-suite bench
	@/usr/bin/python3 scripts/test-summary.py $(BUILD_DIR)

## check-unit: GTest unit tests and schema golden tests
check-unit: build
	@$(MESON) test -C $(BUILD_DIR) $(MESON_TEST_ARGS) --suite unit

## check-qmp: protocol tests (pytest against a live hulld)
check-qmp: build
	@$(MESON) test -C $(BUILD_DIR) $(MESON_TEST_ARGS) --suite qmp

.PHONY: check-clients
## check-clients: generated Python/C bindings and hullctl against a live hulld
check-clients: build
	@$(MESON) test -C $(BUILD_DIR) $(MESON_TEST_ARGS) --suite clients

## check-guest: guest programs built here, run through QMP
check-guest: build
	@sh scripts/meson-suite.sh $(BUILD_DIR) guest $(MESON_TEST_ARGS)

## check-functional: real firmware and kernels from Debian, driven through QMP
check-functional: build
	@sh scripts/meson-suite.sh $(BUILD_DIR) functional $(MESON_TEST_ARGS)

## check-fuzz: run the fuzz targets (QMP, JIT vs interpreter) for longer than make check does
check-fuzz: build
	@HULL_FUZZ_LONG=1 sh scripts/meson-suite.sh $(BUILD_DIR) fuzz $(MESON_TEST_ARGS)
	@HULL_FUZZ_LONG=1 $(MESON) test -C $(BUILD_DIR) $(MESON_TEST_ARGS) --timeout-multiplier 20 \
	  test-riscv-fuzz

## check-asan: build in build-asan/ with AddressSanitizer+UBSan, run the whole suite
check-asan: deps
	@test -f $(ASAN_DIR)/build.ninja || \
	  $(MESON) setup $(ASAN_DIR) -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dbuildtype=debug
	@$(NINJA) -C $(ASAN_DIR)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(MESON) test -C $(ASAN_DIR) $(MESON_TEST_ARGS) --no-suite bench --timeout-multiplier 3
	@/usr/bin/python3 scripts/test-summary.py $(ASAN_DIR)

## bench: build, then print the benchmark figures (side by side with QEMU when installed)
bench: build
	@$(MESON) test -C $(BUILD_DIR) --benchmark --verbose $(MESON_TEST_ARGS)

## run: build, start hulld and boot the default demo machine (see README)
run: build
	@sh scripts/run-demo.sh $(BUILD_DIR)

## clean: remove build outputs (keeps the configured build directories)
clean:
	@test ! -f $(BUILD_DIR)/build.ninja || $(NINJA) -C $(BUILD_DIR) -t clean
	@test ! -f $(ASAN_DIR)/build.ninja || $(NINJA) -C $(ASAN_DIR) -t clean

## distclean: remove the build directories entirely
distclean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)

## help: list the targets
help:
	@echo "Hull make targets:"
	@sed -n 's/^## \([a-z-]*\): \(.*\)/\1|\2/p' $(MAKEFILE_LIST) | \
	  awk -F'|' '{ printf "  %-18s %s\n", $$1, $$2 }'
