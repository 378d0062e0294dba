// SPDX-License-Identifier: LGPL-2.1-or-later
#include "policy_cache.h"

namespace capset::capsetd {

PolicyCache::PolicyCache(const std::string& root, SysOps& sys)
    : WatchedRead<LoadedPolicy>(
          sys, [root, &sys] { return PolicyTreeWatch(sys, root); },
          [root, &sys] {
            PolicyLoadOptions options;
            options.parallel = false;  // capsetd is one thread; its policy is a few files
            return LoadPolicyTree(sys, root, options);
          },
          [](const LoadedPolicy& policy) { return policy.unsettled.empty(); }) {}

}  // namespace capset::capsetd
