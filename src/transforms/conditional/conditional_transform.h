// conditional: a Logstash `if / else if / else` block of a .conf filter section as one
// component. For each event the conditions are evaluated once, in order, and the first branch
// that holds runs its chain of per-event filters on that event (a `drop` in it drops the
// event); no branch holding leaves the event as it was. Branches nest (a conditional is itself
// an EventTransform). Not a YAML type: the .conf front end (config/logstash) builds it through
// Registry::conditional().
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "config/registry.h"
#include "core/component.h"
#include "template/condition.h"
#include "transforms/common/event_transform.h"

namespace logferry::transforms {

class ConditionalTransform final : public EventTransform {
 public:
  struct Branch {
    std::optional<Condition> condition;  // none: the `else`
    std::vector<std::unique_ptr<EventTransform>> chain;
  };

  explicit ConditionalTransform(std::vector<Branch> branches) : branches_(std::move(branches)) {}
  static Result<std::unique_ptr<Transform>> build(const std::vector<config::ConditionalBranch>& spec,
                                                  BuildContext& ctx);

 protected:
  // EventTransform
  Outcome process(Event& event) override;
  void begin_batch() override;
  void end_batch() override;

 private:
  std::vector<Branch> branches_;
};

}  // namespace logferry::transforms
