// parse_json: Logstash's json filter. Parses a field holding JSON text into `target`, or,
// without a target, merges an object's keys into the event's top level; there a JSON
// `@timestamp` becomes the event's timestamp (an unparsable one is kept in `_@timestamp`, the
// event tagged `_timestampparsefailure` and stamped now). Invalid JSON is tagged (unless
// skip_on_invalid_json) and counted; a valid non-object without a target is always tagged.
// Numbers stay exact (see json_reader.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "core/clock.h"
#include "core/component.h"
#include "core/metrics.h"
#include "transforms/common/event_transform.h"
#include "transforms/parse_json/json_reader.h"

namespace logferry::transforms {

class ParseJsonTransform final : public EventTransform {
 public:
  static constexpr std::string_view kType = "parse_json";
  static constexpr std::string_view kDoc =
      "Parses JSON text from a field into a target field or the event root (Logstash json).";
  struct Options : CommonOptions {
    std::string source = "message";
    std::string target;  // empty: merge an object's keys into the root
    bool skip_on_invalid_json = false;
    bool remove_source = false;
    std::vector<std::string> tag_on_failure = {"_jsonparsefailure"};
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  ParseJsonTransform(const Options& options, Counter& failures, const Clock& clock);

 private:
  // EventTransform
  Outcome process(Event& event) override;
  void begin_batch() override { failures_in_batch_ = 0; }
  void end_batch() override {
    if (failures_in_batch_ > 0) failures_.add(failures_in_batch_);
  }

  Outcome fail(Event& event);
  void merge(Event& event, Object& parsed);
  void set_timestamp(Event& event, const Value& parsed);

  FieldPath source_, target_;
  bool to_root_;
  bool skip_on_invalid_json_;
  bool remove_source_;
  std::vector<std::string> tag_on_failure_;
  Counter& failures_;
  const Clock& clock_;
  JsonReader reader_;
  uint64_t failures_in_batch_ = 0;
};

}  // namespace logferry::transforms
