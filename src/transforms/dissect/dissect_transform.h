// dissect: Logstash's dissect filter. Each `mapping` field is split by the delimiters between
// %{} fields (no regexes); values are views into the field's text, so a match allocates only
// the event's new fields in the batch arena. convert_datatype then turns fields into numbers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "core/component.h"
#include "core/metrics.h"
#include "transforms/common/event_transform.h"
#include "transforms/dissect/dissector.h"

namespace logferry::transforms {

class DissectTransform final : public EventTransform {
 public:
  static constexpr std::string_view kType = "dissect";
  static constexpr std::string_view kDoc =
      "Splits fields by delimiters into fields: %{a} %{+a} %{?skip} %{&key} %{b->} (Logstash dissect).";
  struct Options : CommonOptions {
    OrderedMap mapping;
    OrderedMap convert_datatype;
    std::vector<std::string> tag_on_failure = {"_dissectfailure"};
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

 protected:
  // EventTransform
  Outcome process(Event& event) override;
  void end_batch() override;

 private:
  struct Mapping {
    FieldPath source;
    dissect::Dissector dissector;
    std::vector<FieldPath> paths;  // per dissector field id
  };
  struct Conversion {
    FieldPath path;
    bool to_int;
    std::string null_tag, uncoercible_tag;
  };

  DissectTransform() = default;
  void write(const Mapping& m, Event& event);
  void convert(const Conversion& c, Event& event);
  void tag_failure(Event& event);

  std::vector<Mapping> mappings_;
  std::vector<Conversion> conversions_;
  std::vector<std::string> tag_on_failure_;
  std::vector<std::string_view> values_;  // reused per event
  std::string scratch_;
  Counter* matches_ = nullptr;
  Counter* failures_ = nullptr;
  uint64_t matches_in_batch_ = 0, failures_in_batch_ = 0;
};

}  // namespace logferry::transforms
