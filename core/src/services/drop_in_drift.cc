// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/drop_in_drift.h"

#include <algorithm>

#include "capset/unit_files.h"

namespace capset {

std::vector<std::string> DropInDirectives(std::string_view text) {
  std::vector<std::string> out;
  // ParseUnitFile is systemd's syntax (sections, comments, continuations); a section header
  // with no assignment below it changes nothing systemd does, so it is not a directive.
  for (const UnitAssignment& a : ParseUnitFile(text, "")) {
    out.push_back("[" + a.section + "] " + a.key + "=" + a.value);
  }
  return out;
}

std::vector<DropInDiffLine> DiffDropIns(std::string_view have, std::string_view want) {
  const std::vector<std::string> a = DropInDirectives(have);
  const std::vector<std::string> b = DropInDirectives(want);
  // Longest common subsequence (drop-ins are tens of lines: the table is small), then the
  // edit script read off it.
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<unsigned>> lcs(n + 1, std::vector<unsigned>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::vector<DropInDiffLine> diff;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      diff.push_back({'-', a[i++]});  // what is on disk first, then what replaces it
    } else {
      diff.push_back({'+', b[j++]});
    }
  }
  return diff;
}

}  // namespace capset
