// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl — the table of verbs: what dispatches, and what `--help` lists (systemd's verb
// tables, src/shared/verbs.h). A verb is a name, its handler, the arguments and the one-line
// summary its group's help prints, and the long options it accepts; a group is the commands
// below one prefix ("capctl", "capctl policy", "capctl unit").
#pragma once

#include <getopt.h>

#include <cstdio>
#include <span>
#include <string_view>

namespace capset::capctl {

struct Verb {
  std::string_view name;
  /// Runs the verb; argv[0] is the verb's name, its arguments follow.
  int (*run)(int argc, char** argv);
  std::string_view synopsis;  ///< its arguments, as the group's help shows them
  std::string_view summary;   ///< one line (or two, separated by '\n')
  /// Its long options, {nullptr,...}-terminated; nullptr for a group (the verbs below it
  /// have them). tests/integration/cli_options_test.cc checks that each appears in the
  /// verb's --help, in the bash completion and in capctl(1).
  const option* options;
};

struct VerbGroup {
  std::string_view prefix;       ///< "capctl", "capctl policy"
  std::string_view description;  ///< what the group does, for its help
  std::span<const Verb> verbs;
  std::string_view footer;  ///< options of the group itself, exit status, see-also
};

/// The verbs of capctl; policy and unit are groups of their own (PolicyVerbs, UnitVerbs).
const VerbGroup& CapctlVerbs();
const VerbGroup& PolicyVerbs();
const VerbGroup& UnitVerbs();

/// Runs the verb argv[1] of `group` (argv[0] is the group's own name): `--help`, `-h` and
/// `help` print the group's help to stdout (exit 0); no verb prints it to stderr (exit 2);
/// an unknown verb is a usage error naming it.
int DispatchVerb(const VerbGroup& group, int argc, char** argv);

/// The group's help: usage, description, one line per verb, footer.
void PrintVerbHelp(const VerbGroup& group, std::FILE* out);

}  // namespace capset::capctl
