#include "transforms/conditional/conditional_transform.h"

namespace logferry::transforms {

Result<std::unique_ptr<Transform>> ConditionalTransform::build(
    const std::vector<config::ConditionalBranch>& spec, BuildContext& ctx) {
  std::vector<Branch> branches;
  for (const auto& b : spec) {
    Branch branch;
    if (!b.condition.empty()) {
      auto c = Condition::compile(b.condition);
      if (!c) return unexpected(ErrorCode::kInvalidArgument, "condition: " + c.error().message);
      branch.condition = std::move(*c);
    }
    for (const auto& [name, builder] : b.chain) {
      BuildContext child{name, ctx.metrics, ctx.data_dir.parent_path() / name, ctx.config_dir,
                         ctx.node_name, ctx.clock};
      auto built = builder(child);
      if (!built) return unexpected(built.error());
      auto* per_event = dynamic_cast<EventTransform*>(built->get());
      if (per_event == nullptr)
        return unexpected(ErrorCode::kInvalidArgument,
                          name + ": this transform type cannot run inside a conditional (it is "
                                 "not a per-event EventTransform)");
      (void)built->release();
      branch.chain.emplace_back(per_event);
    }
    branches.push_back(std::move(branch));
  }
  return std::unique_ptr<Transform>(std::make_unique<ConditionalTransform>(std::move(branches)));
}

Outcome ConditionalTransform::process(Event& event) {
  for (auto& branch : branches_) {
    if (branch.condition && !branch.condition->matches(event)) continue;
    for (auto& t : branch.chain)
      if (t->run(event) == Outcome::kDrop) return Outcome::kDrop;
    break;
  }
  return Outcome::kSkip;  // the block itself has no common options to apply
}

void ConditionalTransform::begin_batch() {
  for (auto& branch : branches_)
    for (auto& t : branch.chain) t->begin_batch();
}

void ConditionalTransform::end_batch() {
  for (auto& branch : branches_)
    for (auto& t : branch.chain) t->end_batch();
}

}  // namespace logferry::transforms
