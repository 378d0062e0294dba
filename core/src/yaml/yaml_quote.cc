// SPDX-License-Identifier: LGPL-2.1-or-later
// YamlQuoted (capset/yaml_quote.h) with libyaml's emitter: one double-quoted scalar, no line
// width (a long name is never folded), Unicode kept as it is.
#include "capset/yaml_quote.h"

#include <yaml.h>

namespace capset {
namespace {

int Append(void* out, unsigned char* buffer, size_t size) {
  static_cast<std::string*>(out)->append(reinterpret_cast<const char*>(buffer), size);
  return 1;
}

}  // namespace

Result<std::string> YamlQuoted(std::string_view text) {
  if (!IsValidUtf8(text)) {
    return Status(Code::kInvalidArgument,
                  "not valid UTF-8, so YAML cannot hold it as the same bytes");
  }
  std::string out;
  yaml_emitter_t emitter;
  if (!yaml_emitter_initialize(&emitter)) return Status(Code::kIoError, "out of memory");
  yaml_emitter_set_output(&emitter, Append, &out);
  yaml_emitter_set_width(&emitter, -1);
  yaml_emitter_set_unicode(&emitter, 1);
  yaml_event_t event;
  bool ok = yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING) &&
            yaml_emitter_emit(&emitter, &event) &&
            yaml_document_start_event_initialize(&event, nullptr, nullptr, nullptr, 1) &&
            yaml_emitter_emit(&emitter, &event) &&
            yaml_scalar_event_initialize(
                &event, nullptr, nullptr,
                reinterpret_cast<yaml_char_t*>(const_cast<char*>(text.data())),
                static_cast<int>(text.size()), 1, 1, YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
            yaml_emitter_emit(&emitter, &event) &&
            yaml_document_end_event_initialize(&event, 1) && yaml_emitter_emit(&emitter, &event) &&
            yaml_stream_end_event_initialize(&event) && yaml_emitter_emit(&emitter, &event);
  const std::string problem = emitter.problem ? emitter.problem : "cannot write it as YAML";
  yaml_emitter_delete(&emitter);
  if (!ok) return Status(Code::kInvalidArgument, problem);
  // The stream is the scalar and a line break (and, for an implicit end, nothing more).
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.size() >= 3 && out.compare(out.size() - 3, 3, "...") == 0) out.resize(out.size() - 3);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (out.size() < 2 || out.front() != '"' || out.back() != '"') {
    return Status(Code::kIoError, "libyaml wrote an unexpected form: " + out);
  }
  return out;
}

}  // namespace capset
