// decorate: what every Logstash input does to its events (inputs/base.rb decorate): `type` set
// unless the event has one, `add_field` (templates; an existing field becomes an array) and the
// input's `tags` added. A .conf input with type/tags/add_field gets one of these right after
// it, whatever the input plugin, so the options behave the same on every input.
#pragma once

#include <string>
#include <string_view>

#include "config/schema.h"
#include "core/component.h"
#include "transforms/common/event_transform.h"

namespace logferry::transforms {

class DecorateTransform final : public EventTransform {
 public:
  static constexpr std::string_view kType = "decorate";
  static constexpr std::string_view kDoc =
      "Logstash's input options: type (unless set), add_field, tags (add_tag).";
  struct Options : CommonOptions {
    std::string type;
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  explicit DecorateTransform(std::string type) : type_(std::move(type)), type_path_(FieldPath::parse("type")) {}

 private:
  // EventTransform
  Outcome process(Event& event) override;

  std::string type_;
  FieldPath type_path_;
};

}  // namespace logferry::transforms
