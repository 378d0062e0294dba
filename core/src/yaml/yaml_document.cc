// SPDX-License-Identifier: LGPL-2.1-or-later
#include "yaml_document.h"

#include <yaml.h>

#include <map>
#include <string>
#include <vector>

namespace capset::yaml {
namespace {

Mark ToMark(const yaml_mark_t& m) {
  return {static_cast<int>(m.line), static_cast<int>(m.column)};
}

bool IsNullText(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// The message of a failed parse, e.g. "could not find expected ':' (while scanning a simple
// key at line 5, column 3)": libyaml's problem, and what it was reading and where that began.
std::string Problem(const yaml_parser_t& p) {
  std::string msg = p.problem != nullptr ? p.problem : "unreadable YAML";
  if (p.context != nullptr) {
    msg += std::string(" (") + p.context + " at line " + std::to_string(p.context_mark.line + 1) +
           ", column " + std::to_string(p.context_mark.column + 1) + ")";
  }
  return msg;
}

// The bounds of yaml_document.h, checked on the event stream. Returns "" when the text is
// within them (or is not YAML at all: the loader then says why), else the problem, with its
// position in `mark`.
std::string CheckBounds(std::string_view text, Mark& mark) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return "out of memory";
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  struct Open {
    long long nodes = 1;  // itself
    std::string anchor;
  };
  std::vector<Open> open;
  std::map<std::string, long long, std::less<>> anchors;  // anchor -> nodes it stands for
  long long total = 0;
  std::string problem;
  // A finished node of `nodes` nodes: counted in its parent, or in the total at the top.
  auto finished = [&](long long nodes, const unsigned char* anchor) {
    if (anchor != nullptr) anchors[reinterpret_cast<const char*>(anchor)] = nodes;
    if (open.empty()) {
      total += nodes;
    } else {
      open.back().nodes += nodes;
    }
  };
  for (bool done = false; !done && problem.empty();) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) break;  // the loader reports the syntax error
    switch (event.type) {
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        const unsigned char* anchor = event.type == YAML_SEQUENCE_START_EVENT
                                          ? event.data.sequence_start.anchor
                                          : event.data.mapping_start.anchor;
        open.push_back({1, anchor ? reinterpret_cast<const char*>(anchor) : ""});
        if (open.size() > static_cast<size_t>(kMaxDepth)) {
          problem = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
          mark = ToMark(event.start_mark);
        }
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        Open node = open.back();
        open.pop_back();
        finished(node.nodes,
                 node.anchor.empty() ? nullptr
                                     : reinterpret_cast<const unsigned char*>(node.anchor.c_str()));
        break;
      }
      case YAML_SCALAR_EVENT:
        finished(1, event.data.scalar.anchor);
        break;
      case YAML_ALIAS_EVENT: {
        const auto it = anchors.find(reinterpret_cast<const char*>(event.data.alias.anchor));
        finished(it == anchors.end() ? 1 : it->second, nullptr);
        break;
      }
      default:
        break;
    }
    long long counted = total;  // depth <= kMaxDepth: a short sum
    for (const Open& o : open) counted += o.nodes;
    if (problem.empty() && counted > kMaxExpandedNodes) {
      problem = "more than " + std::to_string(kMaxExpandedNodes) +
                " nodes once its aliases are expanded";
      mark = ToMark(event.start_mark);
    }
    yaml_event_delete(&event);
  }
  yaml_parser_delete(&parser);
  return problem;
}

}  // namespace

Document::Document(std::string_view text) : doc_(std::make_unique<yaml_document_t>()) {
  if (std::string problem = CheckBounds(text, error_mark_); !problem.empty()) {
    error_ = std::move(problem);
    return;
  }
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    error_ = "out of memory";
    return;
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  if (!yaml_parser_load(&parser, doc_.get())) {
    error_ = Problem(parser);
    error_mark_ = ToMark(parser.problem_mark);
    yaml_parser_delete(&parser);
    return;
  }
  loaded_ = true;
  // A second document would be silently ignored by a reader that takes the first: refuse.
  yaml_document_t next;
  if (!yaml_parser_load(&parser, &next)) {
    error_ = Problem(parser);
    error_mark_ = ToMark(parser.problem_mark);
  } else {
    if (yaml_document_get_root_node(&next) != nullptr) {
      error_ = "more than one YAML document in the file (expected one)";
      error_mark_ = ToMark(next.start_mark);
    }
    yaml_document_delete(&next);
  }
  yaml_parser_delete(&parser);
}

Document::~Document() {
  if (loaded_) yaml_document_delete(doc_.get());
}

Node Document::root() const {
  if (!loaded_ || !ok()) return Node();
  return Node(doc_.get(), yaml_document_get_root_node(doc_.get()));
}

Node Node::At(int index) const { return Node(doc_, yaml_document_get_node(doc_, index)); }

bool Node::IsNull() const {
  if (node_ == nullptr) return true;
  if (node_->type != YAML_SCALAR_NODE || node_->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
    return false;
  }
  return IsNullText(std::string_view(reinterpret_cast<const char*>(node_->data.scalar.value),
                                     node_->data.scalar.length));
}

bool Node::IsScalar() const {
  return node_ != nullptr && node_->type == YAML_SCALAR_NODE && !IsNull();
}

bool Node::IsMap() const { return node_ != nullptr && node_->type == YAML_MAPPING_NODE; }

bool Node::IsSequence() const { return node_ != nullptr && node_->type == YAML_SEQUENCE_NODE; }

std::string Node::Scalar() const {
  if (!IsScalar()) return "";
  return std::string(reinterpret_cast<const char*>(node_->data.scalar.value),
                     node_->data.scalar.length);
}

Mark Node::GetMark() const { return node_ == nullptr ? Mark{} : ToMark(node_->start_mark); }

std::vector<Node> Node::Items() const {
  std::vector<Node> out;
  if (!IsSequence()) return out;
  for (yaml_node_item_t* i = node_->data.sequence.items.start; i < node_->data.sequence.items.top;
       ++i) {
    out.push_back(At(*i));
  }
  return out;
}

std::vector<std::pair<Node, Node>> Node::Pairs() const {
  std::vector<std::pair<Node, Node>> out;
  if (!IsMap()) return out;
  for (yaml_node_pair_t* p = node_->data.mapping.pairs.start; p < node_->data.mapping.pairs.top;
       ++p) {
    out.emplace_back(At(p->key), At(p->value));
  }
  return out;
}

}  // namespace capset::yaml
