#!/bin/sh
# `make run`: start hulld on a socket in the build directory and boot the default demo
# machine with `hullctl -v boot` (each QMP step is printed). When hulld has the RISC-V virt
# board and chardevs, a guest program boots with its serial console attached here (Ctrl-]
# detaches); otherwise the engine's test board is booted. Then an interactive
# `hullctl shell` runs; leaving it (Ctrl-D) stops hulld.
set -eu
build=${1:-build}
sock="$build/hulld.qmp"
hullctl="$build/clients/hullctl"
# The demo guest: a bare-metal program of the guest tests that echoes, upper-cased, what
# is typed on its UART until Enter (tests/guest/riscv/echo.S).
guest="$(cd "$build" && pwd)/tests/guest/riscv/echo.elf"

echo "Starting hulld on $sock"
"$build/hulld" --socket "$sock" --name demo --log-level warning &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT INT TERM

machines=$("$hullctl" -s "$sock" --retry 10 query-machines)
commands=$("$hullctl" -s "$sock" query-commands)
if echo "$machines" | grep -q '^virt ' && echo "$commands" | grep -qx chardev-add &&
   [ -r "$guest" ]; then
    echo "Booting the RISC-V virt board with $guest on its serial console:"
    echo "type a line and the guest echoes it upper-cased; Enter ends it, Ctrl-] detaches."
    "$hullctl" -s "$sock" -v boot type=virt kernel="$guest" --chardev serial0,pty || true
else
    echo "(no virt board with chardevs, or no guest program built: booting the test board)"
    "$hullctl" -s "$sock" -v boot type=test
fi
"$hullctl" -s "$sock" query-status
echo "Now a QMP shell on the machine ('help' lists commands, Tab completes, Ctrl-D stops hulld):"
"$hullctl" -s "$sock" shell || true
