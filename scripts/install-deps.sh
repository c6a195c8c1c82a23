#!/bin/sh
# The single list of Debian packages needed to build, test and run Hull.
# Idempotent: asks dpkg first and does nothing (quickly, silently) when all are present;
# runs `apt-get update` only when something must be installed.
set -eu

# Build: compiler toolchain, Meson, and the libraries Hull links.
BUILD="gcc clang lld meson ninja-build pkg-config python3
libglib2.0-dev libjson-glib-dev libsystemd-dev libseccomp-dev libpixman-1-dev libfdt-dev
libcapstone-dev liburing-dev linux-libc-dev"

# Tests: pytest, socket activation helper, sanitizer and fuzzer runtimes, guest toolchains,
# real firmware and kernels, and QEMU as the reference to compare against.
TEST="python3-pytest python3-setuptools python3-wheel systemd libclang-rt-14-dev
gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf binutils-riscv64-unknown-elf
opensbi u-boot-qemu qemu-system-misc qemu-system-x86"

missing=""
for pkg in $BUILD $TEST; do
    # dpkg-query is one fork per package; together they take well under a second.
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
    "install ok installed") ;;
    *) missing="$missing $pkg" ;;
    esac
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-deps: missing packages and not root (no sudo):$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q $missing
