// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl — capset's command-line tool. main() only dispatches through the verb table
// (verb_table.cc) and turns an exception into an error message.
#include <cstdio>
#include <cstring>
#include <new>

#include "capset/config.h"
#include "cli.h"
#include "verbs.h"

int main(int argc, char** argv) {
  namespace capctl = capset::capctl;
  try {
    if (argc >= 2 && !std::strcmp(argv[1], "--version")) {
      std::puts("capctl " CAPSET_VERSION);
      return capctl::kExitOk;
    }
    return capctl::DispatchVerb(capctl::CapctlVerbs(), argc, argv);
  } catch (const std::bad_alloc&) {
    capctl::PrintError("out of memory");
  } catch (const std::exception& e) {
    capctl::PrintError(std::string("internal error: ") + e.what());
  } catch (...) {
    capctl::PrintError("internal error");
  }
  return capctl::kExitFailure;
}
