#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Configures and builds capset into a build directory.
#   tools/dev/build.sh [BUILD_DIR] [extra cmake args...]
# BUILD_DIR defaults to build/. Installs missing Debian packages first (tools/dev/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/dev/setup.sh
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir"
