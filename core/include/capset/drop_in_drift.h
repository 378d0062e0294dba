// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — whether a drop-in on disk still says what capset renders for its service
// (capctl unit verify): a hand edit of NAME.service.d/50-capset.conf under the generator's
// directory, a stale drop-in of a service the policy no longer names, or one that is missing
// because systemd was not reloaded since the policy changed.
//
// The drop-ins are compared as systemd reads them: the directives in order ("[Section]" and
// "Key=Value", trimmed, continuation lines joined), not the text: comments, blank lines and
// spacing do not count, a changed, added, removed or reordered directive does (order matters:
// "CapabilityBoundingSet=" resets the list the lines before it built).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace capset {

/// The directives of a unit file or drop-in, each as "[Section] Key=Value", in order.
std::vector<std::string> DropInDirectives(std::string_view text);

/// One line of the difference between the drop-in on disk (have) and capset's (want).
struct DropInDiffLine {
  char op = ' ';  ///< '-': only on disk; '+': only in capset's rendering
  std::string directive;
};

/// The shortest edit from `have`'s directives to `want`'s (empty: the same directives).
std::vector<DropInDiffLine> DiffDropIns(std::string_view have, std::string_view want);

}  // namespace capset
