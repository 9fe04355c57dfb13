#include "transforms/decorate/decorate_transform.h"

namespace logferry::transforms {

void DecorateTransform::describe(config::Schema<Options>& s) {
  s.field("type", &Options::type).doc("Set as the `type` field of events that have none (Logstash's input `type`).");
  describe_common(s);
}

Result<std::unique_ptr<Transform>> DecorateTransform::build(const Options& options, BuildContext&) {
  auto decorations = Decorations::compile(options);
  if (!decorations) return unexpected(decorations.error());
  auto t = std::make_unique<DecorateTransform>(options.type);
  t->set_decorations(std::move(*decorations));
  return std::unique_ptr<Transform>(std::move(t));
}

Outcome DecorateTransform::process(Event& event) {
  // The type is a literal (Logstash does not sprintf it); copied, as batches outlive a reload.
  if (!type_.empty() && event.find(type_path_) == nullptr) event.set(type_path_, event.string_value(type_));
  return Outcome::kSuccess;
}

}  // namespace logferry::transforms
