// SPDX-License-Identifier: LGPL-2.1-or-later
#include "policy_cache.h"

namespace capset::capsetd {

PolicyCache::PolicyCache(std::string root, SysOps& sys) : root_(std::move(root)), sys_(sys) {}

std::shared_ptr<const LoadedPolicy> PolicyCache::Current() {
  // Taken before the load: a change while loading shows as a different fingerprint next time.
  std::string fingerprint = PolicyTreeFingerprint(sys_, root_);
  if (policy_ && fingerprint == fingerprint_ && policy_->unsettled.empty()) return policy_;
  PolicyLoadOptions options;
  options.parallel = false;  // capsetd is one thread; its policy is a few files
  policy_ = std::make_shared<const LoadedPolicy>(LoadPolicyTree(sys_, root_, options));
  fingerprint_ = std::move(fingerprint);
  ++loads_;
  return policy_;
}

}  // namespace capset::capsetd
