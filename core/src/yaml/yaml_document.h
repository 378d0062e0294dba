// SPDX-License-Identifier: LGPL-2.1-or-later
// A YAML document read with libyaml (the only code that includes <yaml.h>), and read-only
// views of its nodes with their positions — what the policy parser needs, nothing more.
//
// libyaml is a small C library: it parses capset's policy files 5-7x faster than yaml-cpp
// did (the generator runs at boot, against a 50 ms budget) and brings no C++ runtime of its
// own into pam_capset.so. Scalars follow YAML 1.2's core schema for null: an empty plain
// scalar, "~" and "null" (any case of "Null"/"NULL") are null, not strings.
//
// The text is read in one pass over libyaml's event stream, building capset's own compact
// tree (nodes in one array, scalars in one buffer): libyaml's document loader took longer
// than the parse itself and a second pass to check the bounds doubled it (a 10,000-entry
// policy: 73 ms -> about 35 ms). Aliases, anchors and their errors are libyaml's loader's:
// an alias is the node its anchor names (an alias inside that node makes a cycle, as there).
//
// Bounds, checked as the events arrive (libyaml's loader costs time quadratic in the nesting
// depth: 30,000 levels in 60 KB once took 7.4 s of a login): at most kMaxDepth levels of
// nesting, and at most kMaxExpandedNodes nodes once every alias is counted as the nodes it
// stands for (so a "billion laughs" of nested aliases is refused, not walked).
// Thread-safety: a document and its nodes may be read from one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace capset::yaml {

inline constexpr int kMaxDepth = 64;
inline constexpr long long kMaxExpandedNodes = 1000000;

/// A position in the text, zero-based like libyaml's (callers add 1 for people).
struct Mark {
  int line = -1;  ///< -1: no position
  int column = -1;
  bool is_null() const { return line < 0; }
};

struct Tree;  ///< the parsed document (yaml_document.cc)

class Node {
 public:
  Node() = default;

  bool IsNull() const;  ///< absent, or a null scalar
  bool IsScalar() const;
  bool IsMap() const;
  bool IsSequence() const;
  /// The scalar's text ("" unless IsScalar()).
  std::string Scalar() const;
  Mark GetMark() const;
  /// A sequence's items (empty unless IsSequence()).
  std::vector<Node> Items() const;
  /// A mapping's key/value pairs in document order (empty unless IsMap()).
  std::vector<std::pair<Node, Node>> Pairs() const;

 private:
  friend class Document;
  Node(const Tree* tree, int index) : tree_(tree), index_(index) {}
  const Tree* tree_ = nullptr;
  int index_ = -1;
};

class Document {
 public:
  /// Parses `text`, which must hold at most one document. On failure, root() is null and
  /// error() / error_mark() say what and where.
  explicit Document(std::string_view text);
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  Mark error_mark() const { return error_mark_; }
  /// The root node (null for an empty document).
  Node root() const;

 private:
  std::unique_ptr<Tree> tree_;
  int root_ = -1;
  std::string error_;
  Mark error_mark_;
};

}  // namespace capset::yaml
