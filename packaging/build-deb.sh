#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds capset's Debian packages with dpkg-buildpackage -us -uc -b from a copy of the
# source tree with packaging/debian as debian/, then runs lintian on them.
#   packaging/build-deb.sh [OUT_DIR]    (default build-deb/); prints the .deb paths
# Exit: 0 built and lintian reported no error or warning; 1 otherwise.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$src/build-deb}")
rm -rf "$out"
mkdir -p "$out/src"
# The tracked files as they are in the working tree (no build directories).
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 -I{} cp --parents -a {} "$out/src/") 2>/dev/null ||
  (cd "$src" && tar --exclude='./build*' --exclude=./.git -cf - . | tar -C "$out/src" -xf -)
cp -a "$src/packaging/debian" "$out/src/debian"
(cd "$out/src" && dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
  tail -40 "$out/build.log" >&2
  exit 1
}
ls "$out"/*.deb
lintian --fail-on error,warning \
  "$out"/*.changes >"$out/lintian.log" 2>&1 || { cat "$out/lintian.log" >&2; exit 1; }
cat "$out/lintian.log" >&2
