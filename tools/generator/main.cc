// SPDX-License-Identifier: LGPL-2.1-or-later
// capset-generator NORMAL_DIR [EARLY_DIR LATE_DIR] — see generator.h and
// capset-generator(8). Only NORMAL_DIR is written to.
//
// CAPSET_ROOT (read with secure_getenv) points at another root for tests and image builds.
#include <cstdlib>
#include <new>

#include "generator.h"

int main(int argc, char** argv) {
  capset::generator::Log log;
  if (argc != 2 && argc != 4) {
    log.Error("expected 1 or 3 directory arguments (NORMAL_DIR [EARLY_DIR LATE_DIR])");
    return 1;
  }
  try {
    const char* root = ::secure_getenv("CAPSET_ROOT");
    capset::generator::Run(root && *root ? root : "/", argv[1], log);
  } catch (const std::bad_alloc&) {
    log.Error("out of memory, generating nothing more");
  } catch (const std::exception& e) {
    log.Error(std::string("internal error, generating nothing more: ") + e.what());
  } catch (...) {
    log.Error("internal error, generating nothing more");
  }
  return 0;  // never fail boot
}
