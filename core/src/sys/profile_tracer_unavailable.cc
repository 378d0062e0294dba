// SPDX-License-Identifier: LGPL-2.1-or-later
// The tracer of a build without the profiler (CAPSET_PROFILER=OFF, or libbpf, bpftool, clang
// or the build machine's BTF missing): every call says so.
#include "capset/profile_tracer.h"

namespace capset {

Status ProfilerAvailable() {
  return Status(Code::kNotSupported,
                "this capctl was built without the profiler (CAPSET_PROFILER: it needs libbpf, "
                "bpftool, clang and the build machine's kernel BTF)");
}

Result<TracedRun> RunTraced(const RunSpec&) { return ProfilerAvailable(); }

Result<TracedRun> TraceProcess(pid_t, unsigned) { return ProfilerAvailable(); }

Result<TracedRun> TraceUnit(const UnitTarget&, const std::function<Status()>&,
                            const std::function<bool()>&, unsigned) {
  return ProfilerAvailable();
}

}  // namespace capset
