#include "transforms/conditional/conditional_transform.h"

#include <gtest/gtest.h>

#include "support/batch_builder.h"

namespace logferry::transforms {
namespace {

// Appends its letter to the `trail` field; drops the event when told to.
class Mark final : public EventTransform {
 public:
  Mark(char letter, bool drop = false) : letter_(letter), drop_(drop) {}
  int batches_begun = 0, batches_ended = 0;

 protected:
  Outcome process(Event& e) override {
    static const FieldPath kTrail = FieldPath::parse("trail");
    std::string trail;
    if (const Value* v = e.find(kTrail)) trail = std::string(v->as_string());
    trail += letter_;
    e.set(kTrail, e.string_value(trail));
    return drop_ ? Outcome::kDrop : Outcome::kSuccess;
  }
  void begin_batch() override { ++batches_begun; }
  void end_batch() override { ++batches_ended; }

 private:
  char letter_;
  bool drop_;
};

ConditionalTransform::Branch branch(const char* condition, std::vector<std::unique_ptr<EventTransform>> chain) {
  ConditionalTransform::Branch b;
  if (condition != nullptr) b.condition = Condition::compile(condition).value();
  b.chain = std::move(chain);
  return b;
}

template <class... T>
std::vector<std::unique_ptr<EventTransform>> chain(std::unique_ptr<T>... t) {
  std::vector<std::unique_ptr<EventTransform>> out;
  (out.push_back(std::move(t)), ...);
  return out;
}

std::string trail(const Event& e) {
  const Value* v = e.find(FieldPath::parse("trail"));
  return v ? std::string(v->as_string()) : "";
}

TEST(ConditionalTransformTest, FirstMatchingBranchRunsItsChainInOrder) {
  auto inner_a = std::make_unique<Mark>('a');
  Mark* a = inner_a.get();
  std::vector<ConditionalTransform::Branch> branches;
  branches.push_back(branch(R"([k] == "1")", chain(std::move(inner_a), std::make_unique<Mark>('b'))));
  branches.push_back(branch(R"([k] =~ /^[12]$/)", chain(std::make_unique<Mark>('c'))));
  branches.push_back(branch(nullptr, chain(std::make_unique<Mark>('e'))));
  ConditionalTransform t(std::move(branches));
  testing::BatchBuilder b;
  b.add({{"k", "1"}});
  b.add({{"k", "2"}});
  b.add({{"k", "3"}});
  t.apply(b.batch());
  ASSERT_EQ(b.batch().size(), 3u);
  EXPECT_EQ(trail(b.batch().events()[0]), "ab");  // only the first branch, though the second matches too
  EXPECT_EQ(trail(b.batch().events()[1]), "c");
  EXPECT_EQ(trail(b.batch().events()[2]), "e");
  EXPECT_EQ(a->batches_begun, 1);
  EXPECT_EQ(a->batches_ended, 1);
}

TEST(ConditionalTransformTest, NoBranchLeavesTheEventAndDropInsideDrops) {
  std::vector<ConditionalTransform::Branch> inner;
  inner.push_back(branch("[x]", chain(std::make_unique<Mark>('d', true), std::make_unique<Mark>('z'))));
  std::vector<ConditionalTransform::Branch> outer;
  outer.push_back(branch(R"([k] == "1")",
                         chain(std::make_unique<Mark>('o'), std::make_unique<ConditionalTransform>(std::move(inner)))));
  ConditionalTransform t(std::move(outer));
  testing::BatchBuilder b;
  b.add({{"k", "1"}, {"x", "yes"}});  // outer and inner match: dropped, 'z' never runs
  b.add({{"k", "1"}});                // outer only
  b.add({{"k", "2"}});                // no branch
  t.apply(b.batch());
  ASSERT_EQ(b.batch().size(), 2u);
  EXPECT_EQ(trail(b.batch().events()[0]), "o");
  EXPECT_EQ(trail(b.batch().events()[1]), "");
}

TEST(ConditionalTransformTest, BuildRejectsATransformThatIsNotPerEvent) {
  config::ConditionalBranch spec;
  spec.condition = "[a]";
  spec.chain.emplace_back("batchy", [](BuildContext&) -> Result<std::unique_ptr<Transform>> {
    struct Batchy final : Transform {
      void apply(EventBatch&) override {}
    };
    return std::unique_ptr<Transform>(std::make_unique<Batchy>());
  });
  Metrics metrics;
  BuildContext ctx{"c", metrics, "/tmp/none/c", "/tmp", "node"};
  auto built = ConditionalTransform::build({spec}, ctx);
  ASSERT_FALSE(built);
  EXPECT_NE(built.error().message.find("batchy"), std::string::npos);
}

}  // namespace
}  // namespace logferry::transforms
