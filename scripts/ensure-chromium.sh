#!/bin/sh
# The browser tests drive Debian's chromium; a machine without it gets it from Debian's
# packages (never a browser build downloaded by Playwright).
exec sh "$(dirname "$0")/ensure-command.sh" chromium chromium fonts-liberation
