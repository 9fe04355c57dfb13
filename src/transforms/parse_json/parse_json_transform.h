// parse_json: parses a field holding JSON text (a Docker/app log line) into a target field,
// or merges its keys into the event's root (Logstash's json filter). Invalid JSON leaves the
// event as it was, tags it and is counted.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "core/component.h"
#include "core/metrics.h"
#include "core/transform.h"

namespace logferry::transforms {

class ParseJsonTransform final : public Transform {
 public:
  static constexpr std::string_view kType = "parse_json";
  static constexpr std::string_view kDoc =
      "Parses JSON text from a field into a target field or the event root (Logstash json).";
  struct Options {
    std::string source = "message";
    std::string target;  // empty: merge an object's keys into the root
    bool remove_source = false;
    std::vector<std::string> tag_on_failure = {"_jsonparsefailure"};
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  ParseJsonTransform(const Options& options, Counter& failures);
  // Transform
  void apply(EventBatch& batch) override;

 private:
  bool parse(Event& event);
  void tag_failure(Event& event);

  FieldPath source_, target_;
  bool to_root_;
  bool remove_source_;
  // Failure tags; a batch with a failure retains this, since its tags point into it.
  std::shared_ptr<std::vector<std::string>> tag_storage_;
  FieldPath tags_path_ = FieldPath::parse("tags");
  Counter& failures_;
  simdjson::dom::parser parser_;
  std::string padded_;  // the text plus simdjson's padding, reused
  uint64_t failures_in_batch_ = 0;
};

}  // namespace logferry::transforms
