// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/ipc/varlink.h"

#include <cstring>

#include "capset/ipc/json_text.h"

namespace capset::varlink {
namespace {

using nlohmann::json;

Status Invalid(const std::string& what) { return Status(Code::kInvalidArgument, what); }

// Deepest nesting of arrays and objects outside strings; stops counting past `limit`.
int Depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// Every string (and object key) within `limit` bytes; iterative, the depth is bounded anyway.
bool StringsWithin(const json& root, size_t limit) {
  std::vector<const json*> todo{&root};
  while (!todo.empty()) {
    const json* j = todo.back();
    todo.pop_back();
    if (j->is_string()) {
      if (j->get_ref<const std::string&>().size() > limit) return false;
    } else if (j->is_object()) {
      for (const auto& [key, value] : j->items()) {
        if (key.size() > limit) return false;
        todo.push_back(&value);
      }
    } else if (j->is_array()) {
      for (const auto& value : *j) todo.push_back(&value);
    }
  }
  return true;
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsMemberName(std::string_view name) {
  if (name.empty() || !(name[0] >= 'A' && name[0] <= 'Z')) return false;
  for (const char c : name) {
    if (!IsAlnum(c)) return false;
  }
  return true;
}

std::string Dump(const json& j) {
  std::string out = DumpJson(j, -1);
  out.push_back('\0');
  return out;
}

}  // namespace

std::string Call::interface() const { return method.substr(0, method.rfind('.')); }
std::string Call::member() const { return method.substr(method.rfind('.') + 1); }

bool IsInterfaceName(std::string_view name) {
  // [A-Za-z](-*[A-Za-z0-9])* ( . [A-Za-z0-9](-*[A-Za-z0-9])* )+
  if (name.empty() || name.size() > kMaxMethodName) return false;
  size_t parts = 0;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || !IsAlnum(part.front()) || !IsAlnum(part.back())) return false;
    if (parts == 0 && !(part[0] < '0' || part[0] > '9')) return false;
    for (const char c : part) {
      if (!IsAlnum(c) && c != '-') return false;
    }
    ++parts;
    start = end + 1;
  }
  return parts >= 2;
}

Result<json> ParseObject(std::string_view message, bool limit_strings) {
  if (message.size() > kMaxMessageSize && limit_strings) {
    return Invalid("message longer than " + std::to_string(kMaxMessageSize) + " bytes");
  }
  if (Depth(message, kMaxJsonDepth) > kMaxJsonDepth) {
    return Invalid("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    json j = json::parse(message.begin(), message.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Invalid("not valid JSON");
    if (!j.is_object()) return Invalid("not a JSON object");
    if (limit_strings && !StringsWithin(j, kMaxStringSize)) {
      return Invalid("a string longer than " + std::to_string(kMaxStringSize) + " bytes");
    }
    return j;
  } catch (const std::exception& e) {  // allocation failure
    return Status(Code::kIoError, std::string("cannot parse the message: ") + e.what());
  }
}

Result<Call> ParseCall(std::string_view message) {
  CAPSET_ASSIGN_OR_RETURN(json parsed, ParseObject(message));
  json& j = parsed;
  Call call;
  for (auto& [key, value] : j.items()) {
    if (key == "method") {
      if (!value.is_string()) return Invalid("'method' is not a string");
      call.method = value.get<std::string>();
    } else if (key == "parameters") {
      if (!value.is_object()) return Invalid("'parameters' is not an object");
      if (value.size() > kMaxParameters) {
        return Invalid("more than " + std::to_string(kMaxParameters) + " parameters");
      }
      call.parameters = std::move(value);
    } else if (key == "oneway" || key == "more" || key == "upgrade") {
      if (!value.is_boolean()) return Invalid("'" + key + "' is not a boolean");
      const bool set = value.get<bool>();
      if (key == "oneway") {
        call.oneway = set;
      } else if (key == "more") {
        call.more = set;
      } else if (set) {
        return Invalid("'upgrade' is not supported");
      }
    } else {
      return Invalid("unknown field '" + key + "' in a call");
    }
  }
  if (call.method.empty()) return Invalid("a call without 'method'");
  const size_t dot = call.method.rfind('.');
  if (call.method.size() > kMaxMethodName || dot == std::string::npos ||
      !IsInterfaceName(std::string_view(call.method).substr(0, dot)) ||
      !IsMemberName(std::string_view(call.method).substr(dot + 1))) {
    return Invalid("'method' is not of the form interface.Method");
  }
  return call;
}

std::string EncodeReply(const json& parameters) { return Dump(json{{"parameters", parameters}}); }

std::string EncodeReplyText(std::string_view parameters) {
  std::string out;
  out.reserve(parameters.size() + 17);
  out += "{\"parameters\":";
  out += parameters;
  out += '}';
  out.push_back('\0');
  return out;
}

std::string EncodeError(std::string_view error, const json& parameters) {
  return Dump(json{{"error", error}, {"parameters", parameters}});
}

std::string EncodeCall(std::string_view method, const json& parameters, bool oneway) {
  json j = {{"method", method}, {"parameters", parameters}};
  if (oneway) j["oneway"] = true;
  return Dump(j);
}

bool MessageReader::Next(std::string& out) {
  const size_t nul = buffer_.find('\0', consumed_);
  if (nul == std::string::npos) {
    if (buffer_.size() - consumed_ > max_) overflowed_ = true;
    // Keep the buffer from growing with consumed messages.
    if (consumed_ > 0) {
      buffer_.erase(0, consumed_);
      consumed_ = 0;
    }
    return false;
  }
  if (nul - consumed_ > max_) {
    overflowed_ = true;
    return false;
  }
  out.assign(buffer_, consumed_, nul - consumed_);
  consumed_ = nul + 1;
  return true;
}

}  // namespace capset::varlink
