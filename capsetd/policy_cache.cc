// SPDX-License-Identifier: LGPL-2.1-or-later
#include "policy_cache.h"

namespace capset::capsetd {

PolicyCache::PolicyCache(std::string root, SysOps& sys) : root_(std::move(root)), sys_(sys) {}

std::shared_ptr<const LoadedPolicy> PolicyCache::Current() {
  if (policy_ && policy_->unsettled.empty() && watch_.Holds(sys_)) return policy_;
  // Taken before the load: a change while loading shows as a different status next time.
  watch_ = PolicyTreeWatch(sys_, root_);
  PolicyLoadOptions options;
  options.parallel = false;  // capsetd is one thread; its policy is a few files
  policy_ = std::make_shared<const LoadedPolicy>(LoadPolicyTree(sys_, root_, options));
  // Anything that moved while it loaded, even if undone since: load again next time.
  if (!watch_.HoldsExactly(sys_)) watch_ = StatWatch();
  ++loads_;
  return policy_;
}

}  // namespace capset::capsetd
