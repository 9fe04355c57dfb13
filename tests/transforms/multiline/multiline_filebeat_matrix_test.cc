// Filebeat's negate x match table, each cell with the example of Filebeat's documentation
// (https://www.elastic.co/guide/en/beats/filebeat/current/multiline-examples.html, "pattern:
// ^b"): the lines in, the events out.
#include <gtest/gtest.h>

#include "transforms/multiline/multiline_transform.h"
#include "../transform_test_util.h"
#include "multiline_test_util.h"

namespace logferry::transforms {
namespace {

using logferry::testing::build_transform;
using testing::add_lines;
using testing::texts;

// Feeds `lines` in one batch, then lets the stream's timeout pass.
std::vector<std::string> join(const std::string& options, const std::vector<std::string>& lines) {
  Metrics m;
  auto t = build_transform<MultilineTransform>("pattern: '^b'\n" + options, m);
  EventBatch b;
  add_lines(b, lines);
  t->apply(b);
  t->flush_due(Transform::SteadyTime::max(), b);
  return texts(b);
}

// "Consecutive lines that match the pattern are appended to the previous line that doesn't
// match."
TEST(MultilineFilebeatMatrix, NegateFalseMatchAfter) {
  EXPECT_EQ(join("negate: false\nmatch: after", {"a", "b", "b", "c", "b", "b"}),
            (std::vector<std::string>{"a\nb\nb", "c\nb\nb"}));
}

// "Consecutive lines that match the pattern are prepended to the next line that doesn't
// match."
TEST(MultilineFilebeatMatrix, NegateFalseMatchBefore) {
  EXPECT_EQ(join("negate: false\nmatch: before", {"b", "b", "a", "b", "b", "c"}),
            (std::vector<std::string>{"b\nb\na", "b\nb\nc"}));
}

// "Consecutive lines that don't match the pattern are appended to the previous line that
// does match."
TEST(MultilineFilebeatMatrix, NegateTrueMatchAfter) {
  EXPECT_EQ(join("negate: true\nmatch: after", {"b", "a", "c", "b", "d", "e"}),
            (std::vector<std::string>{"b\na\nc", "b\nd\ne"}));
}

// "Consecutive lines that don't match the pattern are prepended to the next line that does
// match."
TEST(MultilineFilebeatMatrix, NegateTrueMatchBefore) {
  EXPECT_EQ(join("negate: true\nmatch: before", {"a", "c", "b", "d", "e", "b"}),
            (std::vector<std::string>{"a\nc\nb", "d\ne\nb"}));
}

// The cells' boundaries: a line that neither joins nor is joined stays single (after: a
// non-continuing line after a non-continuing line; before: an ending line with nothing held).
TEST(MultilineFilebeatMatrix, LinesThatJoinNothingStaySingle) {
  EXPECT_EQ(join("match: after", {"a", "c", "b"}), (std::vector<std::string>{"a", "c\nb"}));
  EXPECT_EQ(join("match: before", {"a", "c", "b"}), (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_EQ(join("negate: true\nmatch: before", {"b", "b", "a"}),
            (std::vector<std::string>{"b", "b", "a"}));
}

// `before` with nothing after it: the held lines leave on the timeout, not lost.
TEST(MultilineFilebeatMatrix, BeforeGroupWithoutItsEndLeavesOnTimeout) {
  EXPECT_EQ(join("match: before", {"a", "b", "b"}), (std::vector<std::string>{"a", "b\nb"}));
}

}  // namespace
}  // namespace logferry::transforms
