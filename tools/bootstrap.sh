#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# From a fresh Debian 12 checkout: install what kvmsim needs, build it
# (optimised), and run the main job: the regression sweep over scenarios/.
# Exits non-zero if any scenario's verdict is not what it expects.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release
ninja -C build
build/tools/kvmsim/kvmsim sweep scenarios/
