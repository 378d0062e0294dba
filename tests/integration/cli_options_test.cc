// SPDX-License-Identifier: LGPL-2.1-or-later
// Every long option of every capctl verb, taken from the verb table (tools/capctl/
// verb_table.cc) that dispatches them, appears in three places a user looks: the verb's own
// --help, the bash completion (run for real, through bash-completion's _init_completion), and
// the verb's section of capctl(1). No root needed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"
#include "verbs.h"

namespace capset::testing {
namespace {

using capctl::Verb;
using capctl::VerbGroup;

constexpr const char kBashCompletion[] = "/usr/share/bash-completion/bash_completion";

struct LeafVerb {
  std::vector<std::string> words;  // after "capctl": {"policy", "apply"}
  const option* options;
};

void Collect(const VerbGroup& group, std::vector<std::string> words, std::vector<LeafVerb>& out) {
  for (const Verb& v : group.verbs) {
    std::vector<std::string> w = words;
    w.emplace_back(v.name);
    if (v.options != nullptr) {
      out.push_back({w, v.options});
    } else if (v.name == "policy") {
      Collect(capctl::PolicyVerbs(), w, out);
    } else if (v.name == "unit") {
      Collect(capctl::UnitVerbs(), w, out);
    } else {
      ADD_FAILURE() << "verb " << v.name << " has neither options nor a group";
    }
  }
}

std::vector<LeafVerb> AllVerbs() {
  std::vector<LeafVerb> all;
  Collect(capctl::CapctlVerbs(), {}, all);
  return all;
}

std::string Join(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& x : w) s += (s.empty() ? "" : " ") + x;
  return s;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What the bash completion offers after "capctl WORDS --".
std::string Completions(const std::vector<std::string>& words) {
  std::string script = "source " + std::string(kBashCompletion) + "\nsource " + SourceDir() +
                       "/tools/capctl/completion/capctl.bash\nCOMP_WORDS=(capctl";
  for (const auto& w : words) script += " " + w;
  script += " --)\nCOMP_CWORD=" + std::to_string(words.size() + 1) +
            "\nCOMP_LINE=\"${COMP_WORDS[*]}\"\nCOMP_POINT=${#COMP_LINE}\n_capctl\n"
            "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  CommandResult r = RunCommand({"/bin/bash", "--norc", "-c", script});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// The section of capctl(1) that documents the verb: from its ".SS capctl WORDS" heading (a
// heading may name several verbs: "capctl policy apply, verify, diff") to the next heading,
// with roff's "\-" read as "-".
std::string ManSection(const std::vector<std::string>& words) {
  std::istringstream in(ReadAll(SourceDir() + "/man/capctl.1"));
  std::string section, line;
  bool inside = false;
  const std::string group = words.size() > 1 ? "capctl " + words[0] + " " : "capctl ";
  for (; std::getline(in, line);) {
    if (line.rfind(".SS ", 0) == 0 || line.rfind(".SH ", 0) == 0) {
      inside = false;
      if (words.size() > 1 && line == ".SS capctl " + words[0]) {
        inside = true;  // one section for all the verbs of a group ("capctl unit")
      } else if (line.rfind(".SS " + group, 0) == 0) {
        const std::string names = line.substr(4 + group.size()) + ",";
        inside = names.find(words.back() + ",") != std::string::npos;
      }
      continue;
    }
    if (inside) section += line + "\n";
  }
  for (size_t p; (p = section.find("\\-")) != std::string::npos;) section.replace(p, 2, "-");
  return section;
}

TEST(CliOptionsTest, EveryLongOptionIsInHelpCompletionAndManPage) {
  const bool have_completion = ::access(kBashCompletion, R_OK) == 0;
  if (!have_completion) GTEST_LOG_(WARNING) << "no bash-completion: the completion is not run";
  const std::vector<LeafVerb> verbs = AllVerbs();
  ASSERT_GE(verbs.size(), 10u);
  int checked = 0;
  for (const LeafVerb& v : verbs) {
    std::vector<std::string> argv = {CapctlPath()};
    argv.insert(argv.end(), v.words.begin(), v.words.end());
    argv.push_back("--help");
    CommandResult help = RunCommand(argv);
    ASSERT_EQ(help.exit_code, 0) << Join(v.words) << " --help: " << help.err;
    const std::string completion = have_completion ? Completions(v.words) : "";
    const std::string man = ManSection(v.words);
    EXPECT_FALSE(man.empty()) << "capctl(1) has no section for 'capctl " << Join(v.words) << "'";
    for (const option* o = v.options; o->name != nullptr; ++o) {
      const std::string flag = std::string("--") + o->name;
      EXPECT_NE(help.out.find(flag), std::string::npos)
          << "'capctl " << Join(v.words) << " --help' does not mention " << flag;
      if (have_completion) {
        EXPECT_NE(completion.find(flag), std::string::npos)
            << "the bash completion of 'capctl " << Join(v.words) << "' does not offer " << flag
            << "; it offers:\n"
            << completion;
      }
      if (flag != "--help") {
        EXPECT_NE(man.find(flag), std::string::npos)
            << "capctl(1) does not document " << flag << " for 'capctl " << Join(v.words) << "'";
      }
      ++checked;
    }
  }
  std::printf("%d long options of %zu verbs checked\n", checked, verbs.size());
}

// The table dispatches: an unknown verb at each level is a usage error that names it.
TEST(CliOptionsTest, UnknownVerbsAreUsageErrorsNamingThem) {
  for (const std::vector<std::string>& words : std::vector<std::vector<std::string>>{
           {"frobnicate"}, {"policy", "frobnicate"}, {"unit", "frobnicate"}}) {
    std::vector<std::string> argv = {CapctlPath()};
    argv.insert(argv.end(), words.begin(), words.end());
    CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 2) << Join(words);
    EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << Join(words);
  }
}

// A message names what it was given; a newline, a carriage return or an escape sequence in
// that must not make a second line of it (or hide the first).
TEST(CliOptionsTest, AnArgumentWithControlCharactersStaysOnItsLine) {
  const std::vector<std::vector<std::string>> runs = {
      {"frob\nnicate"},
      {"policy", "verify", "--local", "--root", "/nonexistent\ncapctl: fine\r\x1b[2K"},
      {"get", "/nonexistent\nx"},
  };
  for (const std::vector<std::string>& words : runs) {
    std::vector<std::string> argv = {CapctlPath()};
    argv.insert(argv.end(), words.begin(), words.end());
    CommandResult r = RunCommand(argv);
    EXPECT_NE(r.exit_code, 0) << Join(words);
    ASSERT_FALSE(r.err.empty()) << Join(words);
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_EQ(r.err.find_first_of("\r\x1b"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("\\n"), std::string::npos) << r.err;
  }
}

// setcap's own lines ("FILE differs in [p]", "FILE: OK") print the name as setcap does, but a
// newline, an escape sequence or a byte that is not UTF-8 in it is escaped: one line per file.
TEST(CliOptionsTest, SetcapsLinesKeepAHostileNameOnOneLine) {
  ScratchDir scratch;
  if (!scratch.skip_reason().empty()) GTEST_SKIP() << scratch.skip_reason();
  const std::string dir = scratch.path(), name = dir + "/a\nb: OK\x1b[2K\x9b";
  std::ofstream(name) << "";
  for (const char* caps : {"cap_net_raw=p", "="}) {
    CommandResult r = RunCommand({CapctlPath(), "set", "-v", caps, name});
    ASSERT_FALSE(r.out.empty()) << r.err;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
    EXPECT_EQ(r.out.find_first_of("\x1b\x9b"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.rfind(dir + "/a\\nb: OK\\x1b[2K\\x9b", 0), 0u) << r.out;
  }
}

}  // namespace
}  // namespace capset::testing
