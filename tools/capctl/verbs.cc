// SPDX-License-Identifier: LGPL-2.1-or-later
#include "verbs.h"

#include <string>

#include "cli.h"

namespace capset::capctl {

void PrintVerbHelp(const VerbGroup& group, std::FILE* out) {
  std::string text = "Usage: " + std::string(group.prefix) + " COMMAND [ARGS...]\n\n";
  text += std::string(group.description) + "\n\nCommands:\n";
  for (const Verb& v : group.verbs) {
    std::string head = "  " + std::string(v.name);
    if (!v.synopsis.empty()) head += " " + std::string(v.synopsis);
    // The summary starts in column 19, on the verb's line when it fits, else on the next.
    if (head.size() < 18) {
      head.resize(19, ' ');
    } else {
      head += "\n" + std::string(19, ' ');
    }
    text += head;
    for (char c : v.summary) {
      text += c;
      if (c == '\n') text += std::string(19, ' ');
    }
    text += "\n";
  }
  if (!group.footer.empty()) text += "\n" + std::string(group.footer);
  std::fputs(text.c_str(), out);
}

int DispatchVerb(const VerbGroup& group, int argc, char** argv) {
  if (argc < 2) {
    PrintVerbHelp(group, stderr);
    return kExitUsage;
  }
  const std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    PrintVerbHelp(group, stdout);
    return kExitOk;
  }
  for (const Verb& v : group.verbs) {
    if (v.name == name) return v.run(argc - 1, argv + 1);
  }
  PrintError(
      (group.prefix == "capctl" ? std::string() : std::string(group.prefix.substr(7)) + ": ") +
      "unknown command '" + std::string(name) + "' (try '" + std::string(group.prefix) +
      " --help')");
  return kExitUsage;
}

}  // namespace capset::capctl
