#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds capset's RPM packages with rpmbuild from packaging/rpm/capset.spec and a source
# tarball of the working tree.
#   packaging/build-rpm.sh [OUT_DIR]    (default build-rpm/); prints the .rpm paths
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$src/build-rpm}")
version=$(sed -n 's/^Version: *//p' "$src/packaging/rpm/capset.spec")
rm -rf "$out"
mkdir -p "$out"/{SOURCES,SPECS,BUILD,RPMS,SRPMS} "$out/tar/capset-$version"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 -I{} cp --parents -a {} "$out/tar/capset-$version/")
tar -C "$out/tar" -czf "$out/SOURCES/capset-$version.tar.gz" "capset-$version"
cp "$src/packaging/rpm/capset.spec" "$out/SPECS/"
# --nodeps: the BuildRequires are Fedora/openSUSE names; tools/dev/setup.sh installs
# Debian's equivalents. Debian's rpm has no debugedit, so no debuginfo subpackages.
rpmbuild --nodeps -bb --define "_topdir $out" --define "debug_package %{nil}" \
  "$out/SPECS/capset.spec" >"$out/build.log" 2>&1 || { tail -40 "$out/build.log" >&2; exit 1; }
find "$out/RPMS" -name '*.rpm' | sort
