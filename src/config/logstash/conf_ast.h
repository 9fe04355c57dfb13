// The parsed form of a Logstash pipeline (.conf): sections of plugins and conditionals, with
// the line each element came from. Produced by conf_grammar, consumed by conf_to_pipeline.
// Lines are global lines of the (possibly concatenated) text; SourceMap turns them back into
// FILE:LINE.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace logferry::config::logstash {

struct Plugin;
struct HashEntry;

// A setting's value. Logstash has no boolean literal: `true` is a bareword, and the plugin's
// setting type decides what it means; so do we (the native schema decodes it).
struct ConfValue {
  enum class Kind { kString, kNumber, kBareword, kArray, kHash, kPlugin };
  Kind kind = Kind::kString;
  int line = 0;
  std::string text;                                  // string (unescaped), number, bareword
  std::vector<ConfValue> items;                      // array
  std::vector<HashEntry> entries;                    // hash, in document order
  std::shared_ptr<Plugin> plugin;                    // `codec => json { ... }`

  bool is_scalar() const { return kind == Kind::kString || kind == Kind::kNumber || kind == Kind::kBareword; }
};

// One `key => value` of a hash (first: the key, second: the value, as in a map's pair).
struct HashEntry {
  ConfValue first;
  ConfValue second;
};

struct Attribute {
  std::string name;
  int line = 0;
  ConfValue value;
};

struct Plugin {
  std::string name;
  int line = 0;
  std::vector<Attribute> attributes;
};

struct Statement;

// One `if`, `else if` or `else`: an empty condition is the `else`.
struct Branch {
  std::string condition;  // as written (comments blanked), for Condition::compile
  int line = 0;
  std::vector<Statement> body;
};

struct Conditional {
  int line = 0;
  std::vector<Branch> branches;
};

struct Statement {
  bool is_plugin = true;
  Plugin plugin;
  Conditional conditional;
};

enum class SectionKind { kInput, kFilter, kOutput };

struct Section {
  SectionKind kind = SectionKind::kInput;
  int line = 0;
  std::vector<Statement> body;
};

struct ConfPipeline {
  std::vector<Section> sections;
};

inline const char* section_name(SectionKind k) {
  switch (k) {
    case SectionKind::kInput: return "input";
    case SectionKind::kFilter: return "filter";
    default: return "output";
  }
}

}  // namespace logferry::config::logstash
