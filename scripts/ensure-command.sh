#!/bin/sh
# ensure-command.sh COMMAND PACKAGE...: when COMMAND is not on PATH, install the Debian
# PACKAGEs that provide it (as root, or through sudo). Tests that need a program beyond
# Python packages (chromium, redis-server) get it this way on a fresh machine.
set -eu

COMMAND=$1
shift
if command -v "$COMMAND" >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "$COMMAND is missing and this user cannot install packages: apt-get install $*" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
command -v "$COMMAND" >/dev/null
