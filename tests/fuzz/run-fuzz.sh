#!/bin/sh
# Builds the QMP input fuzzer with clang/libFuzzer against a Meson build's libhull.a (reusing
# hulld's own link line) and runs it for a bounded time. The main build uses gcc, which has no
# libFuzzer; this script is what the 'fuzz' suite runs.
#   run-fuzz.sh SOURCE_ROOT BUILD_ROOT
# HULL_FUZZ_LONG=1 (make check-fuzz) runs 5 minutes instead of 10 seconds;
# HULL_FUZZ_SECONDS overrides both. Exit 77 (skipped) when clang's libFuzzer is missing.
set -eu

src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
out="$build/tests/fuzz"
mkdir -p "$out/corpus-qmp" "$out/obj"

seconds=${HULL_FUZZ_SECONDS:-}
if [ -z "$seconds" ]; then
    if [ "${HULL_FUZZ_LONG:-0}" = 1 ]; then seconds=300; else seconds=10; fi
fi

CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "SKIP: clang not installed"
    exit 77
fi
probe="$out/obj/probe.c"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' > "$probe"
if ! "$CLANG" -fsanitize=fuzzer "$probe" -o "$out/obj/probe" 2>/dev/null; then
    echo "SKIP: $CLANG cannot link -fsanitize=fuzzer (libclang-rt-dev missing)"
    exit 77
fi

cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu17
        -D_GNU_SOURCE -I$src -I$build -I$build/qapi-schema
        $(pkg-config --cflags glib-2.0 gio-unix-2.0 json-glib-1.0)"
objs=""
# Instrumented copies of the code under test; they take precedence over libhull.a's.
for f in tests/fuzz/fuzz-qmp.c service/json-framer.c service/json-writer.c \
         util/qmp-dispatch.c util/qapi-visit-core.c; do
    o="$out/obj/$(echo "$f" | tr / _).o"
    # shellcheck disable=SC2086
    "$CLANG" $cflags -c "$src/$f" -o "$o"
    objs="$objs $o"
done

# hulld's link line from ninja, with main() replaced by the fuzzer's objects.
link=$(ninja -C "$build" -t commands hulld | tail -n 1)
case "$link" in
*-fsanitize=*)
    # gcc's sanitizer runtime and clang's cannot share one process.
    echo "SKIP: this build uses gcc sanitizers (b_sanitize); fuzz in a plain build"
    exit 77 ;;
esac
libs=$(echo "$link" | sed -e 's/^.* -o hulld [^ ]*service_main\.c\.o//')
(cd "$build" && eval "\"$CLANG\" -fsanitize=fuzzer,address,undefined -o '$out/fuzz-qmp' \
    $objs -Wl,--allow-multiple-definition $libs")

echo "fuzz-qmp: running for ${seconds}s"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$out/fuzz-qmp" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$out/corpus-qmp" "$src/tests/fuzz/corpus/qmp"
