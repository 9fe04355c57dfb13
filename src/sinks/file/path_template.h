// PathTemplate: a file path template whose field values can never leave the base directory.
//
// The template is split at every `/` outside a `%{...}` placeholder. Text outside
// placeholders is the operator's own and is used as written (`..` included). What a
// placeholder renders is a value from outside and is made harmless:
//   - `/`, NUL and other control characters (0x00-0x1f, 0x7f) become `_`,
//   - it is cut to kMaxValueBytes (on a UTF-8 boundary),
// and a path component containing placeholders that renders to "", "." or ".." becomes "_".
// So a field value adds no directory level and never climbs one. A relative template resolves
// against the config file's directory.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "template/template.h"

namespace logferry::sinks {

class PathTemplate {
 public:
  static constexpr std::size_t kMaxValueBytes = 200;

  static Result<PathTemplate> compile(std::string_view text, const std::filesystem::path& base_dir);
  // Renders into `out` (cleared first).
  void render(const Event& event, std::string& out) const;
  bool is_constant() const { return constant_; }
  // The directories before the first placeholder: nothing rendered lies outside this.
  const std::string& fixed_prefix() const { return fixed_prefix_; }

  // Makes the rendered value `s[from..]` harmless in place (the rules above).
  static void sanitize_value(std::string& s, std::size_t from);
  // A component `s[from..]` that is "", "." or ".." becomes "_".
  static void sanitize_component(std::string& s, std::size_t from);

 private:
  struct Piece {
    std::string literal;  // used when value is empty
    Template value;       // one placeholder
  };
  struct Segment {
    std::string literal;  // used when templated is false
    std::vector<Piece> pieces;
    bool templated = false;
  };
  std::vector<Segment> segments_;
  std::string fixed_prefix_;
  bool absolute_ = false;
  bool constant_ = true;
};

}  // namespace logferry::sinks
