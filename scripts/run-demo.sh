#!/bin/sh
# `make run`: start hulld on a socket in the build directory and show how to talk to it.
# Once a board exists this boots the default demo machine with its console here.
set -eu
build=${1:-build}
sock="$build/hulld.qmp"
echo "Starting hulld on $sock (Ctrl-C stops it)."
echo "Talk to it with:  socat - UNIX-CONNECT:$sock   then type {\"execute\": \"qmp_capabilities\"}"
exec "$build/hulld" --socket "$sock"
