// grok: Logstash's grok filter. Each `match` field is matched against its patterns
// (%{NAME:field:type} expanded from the built-in set, patterns_dir files and
// pattern_definitions); named captures become fields. PCRE2 with JIT runs the regexes; each
// transform instance owns its match data and JIT stack, so matching allocates nothing, and
// captured strings are views into the matched text (already in the batch), not copies.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/schema.h"
#include "core/component.h"
#include "core/metrics.h"
#include "transforms/common/event_transform.h"
#include "transforms/grok/grok_compiler.h"

namespace logferry::transforms {

// `match`: {field: pattern | [patterns]} in document order, or Logstash's flat
// [field, pattern, field, pattern, ...]; a field named twice collects its patterns.
struct GrokMatch {
  std::vector<std::pair<std::string, std::vector<std::string>>> fields;
};
std::string decode(const YAML::Node& n, GrokMatch& out);

class GrokTransform final : public EventTransform {
 public:
  static constexpr std::string_view kType = "grok";
  static constexpr std::string_view kDoc =
      "Parses fields with grok patterns (%{IPORHOST:client}) into fields (Logstash grok).";
  struct Options : CommonOptions {
    GrokMatch match;
    bool break_on_match = true;
    std::vector<std::string> overwrite;
    bool named_captures_only = true;
    bool keep_empty_captures = false;
    OrderedMap pattern_definitions;
    std::vector<std::string> patterns_dir;
    std::string patterns_files_glob = "*";
    std::string target;
    std::vector<std::string> tag_on_failure = {"_grokparsefailure"};
    std::string tag_on_timeout = "_groktimeout";
    int64_t timeout_millis = 30000;
    std::string timeout_scope = "pattern";
    std::string ecs_compatibility = "disabled";
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  // PCRE2 match-limit units per millisecond of timeout_millis (measured, see docs/grok.md).
  static constexpr uint64_t kMatchLimitPerMilli = 500'000;

 protected:
  // EventTransform
  Outcome process(Event& event) override;
  void end_batch() override;

 private:
  struct Target {
    FieldPath path;
    bool overwrite = false;
  };
  struct Pattern {
    grok::CompiledPattern re;
    std::vector<Target> targets;  // parallel to re.captures()
  };
  struct Field {
    FieldPath path;
    std::vector<Pattern> patterns;
  };
  enum class FieldResult { kMatched, kFailed, kTimedOut };

  GrokTransform(const Options& o, uint32_t max_captures, uint32_t match_limit);
  FieldResult match_field(Field& field, Event& event);
  FieldResult match_value(Field& field, const Value& value, Event& event);
  void capture(const Pattern& p, std::string_view subject, bool subject_in_batch, Event& event);
  void handle(const Target& target, Value value, Event& event);
  std::string_view text_of(const Value& value, bool& in_batch);

  std::vector<Field> fields_;
  bool break_on_match_;
  bool keep_empty_captures_;
  std::vector<std::string> tag_on_failure_;
  std::string tag_on_timeout_;
  grok::Matcher matcher_;
  std::string scratch_;  // text of a non-string input
  Counter* matches_ = nullptr;
  Counter* failures_ = nullptr;
  Counter* timeouts_ = nullptr;
  uint64_t matches_in_batch_ = 0, failures_in_batch_ = 0, timeouts_in_batch_ = 0;
};

}  // namespace logferry::transforms
