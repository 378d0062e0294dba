// SPDX-License-Identifier: LGPL-2.1-or-later
#include "yaml_document.h"

#include <yaml.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace capset::yaml {
namespace {

Mark ToMark(const yaml_mark_t& m) { return {static_cast<int>(m.line), static_cast<int>(m.column)}; }

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

}  // namespace

// The document: every node in one array (the root wherever it finished), scalars back to back
// in one buffer, each collection's children in one span of `kids` (a mapping's as key, value,
// key, value).
struct Tree {
  enum class Kind : unsigned char { kScalar, kSequence, kMap };
  struct Item {
    Kind kind = Kind::kScalar;
    bool plain = false;  ///< a plain scalar (only those can be null)
    Mark mark;
    size_t begin = 0;  ///< scalar: offset in `text`; collection: offset in `kids`
    size_t size = 0;   ///< scalar: bytes; collection: children
  };
  std::vector<Item> nodes;
  std::string text;
  std::vector<int> kids;

  const Item* Get(int index) const {
    return index >= 0 && static_cast<size_t>(index) < nodes.size()
               ? &nodes[static_cast<size_t>(index)]
               : nullptr;
  }
};

namespace {

const char* Chars(const unsigned char* s) { return reinterpret_cast<const char*>(s); }

// Builds the tree from libyaml's events, checking the bounds on the way. Returns false with
// `error`/`mark` set on a syntax error, a bound exceeded, an alias or anchor libyaml's loader
// refuses, or a second document.
class Builder {
 public:
  explicit Builder(Tree& tree) : tree_(tree) {}

  bool Run(std::string_view text, int& root, std::string& error, Mark& mark) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
      error = "out of memory";
      return false;
    }
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
    bool ok = true;
    for (bool done = false; ok && !done;) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser, &event)) {
        error = Problem(parser);
        mark = ToMark(parser.problem_mark);
        ok = false;
        break;
      }
      done = event.type == YAML_STREAM_END_EVENT;
      ok = Event(event, error, mark);
      yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    root = root_;
    return ok;
  }

 private:
  struct Open {
    int index;
    long long nodes = 1;  // itself, and every node below once aliases are expanded
    std::string anchor;
    size_t kids_begin;  // where its children start in `pending_`
  };
  struct Anchor {
    int index;
    Mark mark;
    long long nodes = 1;  // 1 until the node is finished (an alias inside it: a cycle)
  };

  int Add(Tree::Kind kind, const yaml_event_t& event) {
    Tree::Item item;
    item.kind = kind;
    item.mark = ToMark(event.start_mark);
    tree_.nodes.push_back(item);
    return static_cast<int>(tree_.nodes.size() - 1);
  }

  // libyaml's loader: an anchor may be defined once per document.
  bool Register(const unsigned char* anchor, int index, const yaml_event_t& event,
                std::string& error, Mark& mark) {
    if (anchor == nullptr) return true;
    const Mark here = ToMark(event.start_mark);
    auto [it, inserted] = anchors_.try_emplace(Chars(anchor), Anchor{index, here});
    if (inserted) return true;
    error = "second occurrence (found duplicate anchor; first occurrence at line " +
            std::to_string(it->second.mark.line + 1) + ", column " +
            std::to_string(it->second.mark.column + 1) + ")";
    mark = here;
    return false;
  }

  // A node (`nodes` of them, aliases expanded) is complete: a child of the open collection,
  // or the document's root.
  void Finished(int index, long long nodes) {
    if (open_.empty()) {
      total_ += nodes;
      if (root_ < 0) root_ = index;
    } else {
      open_.back().nodes += nodes;
      pending_.push_back(index);
    }
  }

  bool Event(const yaml_event_t& event, std::string& error, Mark& mark) {
    switch (event.type) {
      case YAML_DOCUMENT_START_EVENT:
        // A second document would be silently ignored by a reader that takes the first.
        if (documents_++ > 0) {
          error = "more than one YAML document in the file (expected one)";
          mark = ToMark(event.start_mark);
          return false;
        }
        return true;
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        const bool seq = event.type == YAML_SEQUENCE_START_EVENT;
        const int index = Add(seq ? Tree::Kind::kSequence : Tree::Kind::kMap, event);
        const unsigned char* anchor =
            seq ? event.data.sequence_start.anchor : event.data.mapping_start.anchor;
        if (!Register(anchor, index, event, error, mark)) return false;
        open_.push_back({index, 1, anchor ? Chars(anchor) : "", pending_.size()});
        if (open_.size() > static_cast<size_t>(kMaxDepth)) {
          error = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
          mark = ToMark(event.start_mark);
          return false;
        }
        return true;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        Open node = std::move(open_.back());
        open_.pop_back();
        Tree::Item& item = tree_.nodes[static_cast<size_t>(node.index)];
        item.begin = tree_.kids.size();
        item.size = pending_.size() - node.kids_begin;
        tree_.kids.insert(tree_.kids.end(), pending_.begin() + static_cast<long>(node.kids_begin),
                          pending_.end());
        pending_.resize(node.kids_begin);
        if (!node.anchor.empty()) anchors_.at(node.anchor).nodes = node.nodes;
        Finished(node.index, node.nodes);
        break;
      }
      case YAML_SCALAR_EVENT: {
        const int index = Add(Tree::Kind::kScalar, event);
        Tree::Item& item = tree_.nodes.back();
        item.plain = event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        item.begin = tree_.text.size();
        item.size = event.data.scalar.length;
        tree_.text.append(Chars(event.data.scalar.value), event.data.scalar.length);
        if (!Register(event.data.scalar.anchor, index, event, error, mark)) return false;
        Finished(index, 1);
        break;
      }
      case YAML_ALIAS_EVENT: {
        const auto it = anchors_.find(Chars(event.data.alias.anchor));
        if (it == anchors_.end()) {
          error = "found undefined alias";
          mark = ToMark(event.start_mark);
          return false;
        }
        Finished(it->second.index, it->second.nodes);
        break;
      }
      default:
        return true;
    }
    long long counted = total_;  // depth <= kMaxDepth: a short sum
    for (const Open& o : open_) counted += o.nodes;
    if (counted > kMaxExpandedNodes) {
      error =
          "more than " + std::to_string(kMaxExpandedNodes) + " nodes once its aliases are expanded";
      mark = ToMark(event.start_mark);
      return false;
    }
    return true;
  }

  Tree& tree_;
  std::vector<Open> open_;
  std::vector<int> pending_;  // children of the open collections, innermost last
  std::map<std::string, Anchor, std::less<>> anchors_;
  long long total_ = 0;
  int root_ = -1;
  int documents_ = 0;
};

}  // namespace

Document::Document(std::string_view text) : tree_(std::make_unique<Tree>()) {
  // About one node per dozen bytes of a policy file, and the scalars are most of its text:
  // reserved once instead of grown (copied) a dozen times.
  tree_->nodes.reserve(text.size() / 12 + 8);
  tree_->kids.reserve(text.size() / 12 + 8);
  tree_->text.reserve(text.size());
  Builder builder(*tree_);
  if (!builder.Run(text, root_, error_, error_mark_)) root_ = -1;
}

Document::~Document() = default;

Node Document::root() const {
  if (!ok() || root_ < 0) return Node();
  return Node(tree_.get(), root_);
}

bool Node::IsNull() const {
  const Tree::Item* n = tree_ ? tree_->Get(index_) : nullptr;
  if (n == nullptr) return true;
  if (n->kind != Tree::Kind::kScalar || !n->plain) return false;
  return IsNullText(std::string_view(tree_->text).substr(n->begin, n->size));
}

bool Node::IsScalar() const {
  const Tree::Item* n = tree_ ? tree_->Get(index_) : nullptr;
  return n != nullptr && n->kind == Tree::Kind::kScalar && !IsNull();
}

bool Node::IsMap() const {
  const Tree::Item* n = tree_ ? tree_->Get(index_) : nullptr;
  return n != nullptr && n->kind == Tree::Kind::kMap;
}

bool Node::IsSequence() const {
  const Tree::Item* n = tree_ ? tree_->Get(index_) : nullptr;
  return n != nullptr && n->kind == Tree::Kind::kSequence;
}

std::string Node::Scalar() const {
  if (!IsScalar()) return "";
  const Tree::Item& n = tree_->nodes[static_cast<size_t>(index_)];
  return tree_->text.substr(n.begin, n.size);
}

Mark Node::GetMark() const {
  const Tree::Item* n = tree_ ? tree_->Get(index_) : nullptr;
  return n == nullptr ? Mark{} : n->mark;
}

std::vector<Node> Node::Items() const {
  std::vector<Node> out;
  if (!IsSequence()) return out;
  const Tree::Item& n = tree_->nodes[static_cast<size_t>(index_)];
  out.reserve(n.size);
  for (size_t i = 0; i < n.size; ++i) out.push_back(Node(tree_, tree_->kids[n.begin + i]));
  return out;
}

std::vector<std::pair<Node, Node>> Node::Pairs() const {
  std::vector<std::pair<Node, Node>> out;
  if (!IsMap()) return out;
  const Tree::Item& n = tree_->nodes[static_cast<size_t>(index_)];
  out.reserve(n.size / 2);
  for (size_t i = 0; i + 1 < n.size; i += 2) {
    out.emplace_back(Node(tree_, tree_->kids[n.begin + i]),
                     Node(tree_, tree_->kids[n.begin + i + 1]));
  }
  return out;
}

}  // namespace capset::yaml
