// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: bytes from a hostile peer, through everything capsetd does with them before
// touching a file: framing (MessageReader), parsing and validation (ParseCall), and dispatch
// (FilesService::Handle, as root and as an unauthorized user, on a root with no policy, so
// no file is ever changed). Every reply must be a well-formed NUL-terminated JSON object.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_varlink CORPUS_DIR
//   any compiler: fuzz_varlink_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <string>

#include "capset/ipc/varlink.h"
#include "files_service.h"

namespace {

void CheckReply(const std::string& reply) {
  if (reply.empty()) return;  // oneway
  if (reply.back() != '\0' || reply.find('\0') != reply.size() - 1) std::abort();
  auto parsed = capset::varlink::ParseObject(std::string_view(reply).substr(0, reply.size() - 1),
                                             /*limit_strings=*/false);
  if (!parsed.ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  static capsetd::FilesService service({"/nonexistent/capset-fuzz-root"});
  // The first byte says where to split the rest into two reads, as a socket might.
  if (size == 0) return 0;
  const size_t split = data[0] % size;
  ++data;
  --size;
  varlink::MessageReader reader;
  std::string message;
  const capsetd::Peer peers[] = {{1, 0, 0, {}}, {2, 65534, 65534, {100}}};
  size_t n = 0;
  for (const auto& [from, len] : {std::pair{size_t{0}, split}, std::pair{split, size - split}}) {
    reader.Append(reinterpret_cast<const char*>(data) + from, len);
    while (reader.Next(message)) {
      capset::Result<varlink::Call> call = varlink::ParseCall(message);
      if (!call.ok()) return 0;  // capsetd closes the connection here
      CheckReply(service.Handle(*call, peers[n++ % 2]));
    }
    if (reader.overflowed()) return 0;
  }
  return 0;
}
