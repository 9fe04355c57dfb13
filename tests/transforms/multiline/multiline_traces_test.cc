// Real stack traces (testdata/, see its README for how each was produced) between ordinary
// log lines: each trace must become exactly one event, and the ordinary lines stay single.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "transforms/multiline/multiline_transform.h"
#include "../transform_test_util.h"
#include "multiline_test_util.h"

namespace logferry::transforms {
namespace {

using logferry::testing::build_transform;
using testing::add_line;
using testing::add_lines;
using testing::texts;

std::string read_trace(const std::string& name) {
  std::ifstream in(std::string(LOGFERRY_SOURCE_DIR) + "/tests/transforms/multiline/testdata/" +
                   name);
  EXPECT_TRUE(in) << name;
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (s.ends_with('\n')) s.pop_back();  // the joined event has no trailing newline
  return s;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct TraceCase {
  const char* parser;
  const char* file;
  friend void PrintTo(const TraceCase& c, std::ostream* os) { *os << c.parser << " " << c.file; }
};

class MultilineRealTrace : public ::testing::TestWithParam<TraceCase> {};

// Ordinary line, trace, ordinary line, trace again, ordinary line: one batch, then the
// stream goes quiet and the last line leaves on the timeout.
TEST_P(MultilineRealTrace, TraceIsOneEventBetweenOrdinaryLines) {
  Metrics m;
  auto t = build_transform<MultilineTransform>(std::string("parser: ") + GetParam().parser, m);
  std::string trace = read_trace(GetParam().file);
  auto lines = split_lines(trace);
  ASSERT_GT(lines.size(), 2u);
  EventBatch b;
  add_line(b, "2026-12-03 12:00:00 INFO starting up");
  add_lines(b, lines);
  add_line(b, "2026-12-03 12:00:01 INFO retrying");
  add_lines(b, lines);
  add_line(b, "2026-12-03 12:00:02 INFO shutting down");
  t->apply(b);
  t->flush_due(Transform::SteadyTime::max(), b);
  EXPECT_EQ(texts(b), (std::vector<std::string>{"2026-12-03 12:00:00 INFO starting up", trace,
                                                "2026-12-03 12:00:01 INFO retrying", trace,
                                                "2026-12-03 12:00:02 INFO shutting down"}));
}

// The same trace arriving one line per batch (a slow writer): held across batches.
TEST_P(MultilineRealTrace, TraceSpreadOverBatchesIsOneEvent) {
  Metrics m;
  auto t = build_transform<MultilineTransform>(std::string("parser: ") + GetParam().parser, m);
  std::string trace = read_trace(GetParam().file);
  std::vector<std::string> got;
  auto feed = [&](std::string_view line) {
    EventBatch b;
    add_line(b, line);
    t->apply(b);
    for (auto& s : texts(b)) got.push_back(s);
  };
  feed("before");
  for (const auto& line : split_lines(trace)) feed(line);
  feed("after");
  EventBatch rest;
  t->flush_due(Transform::SteadyTime::max(), rest);
  for (auto& s : texts(rest)) got.push_back(s);
  EXPECT_EQ(got, (std::vector<std::string>{"before", trace, "after"}));
}

INSTANTIATE_TEST_SUITE_P(Testdata, MultilineRealTrace,
                         ::testing::Values(TraceCase{"java", "java_caused_by.txt"},
                                           TraceCase{"java", "java_suppressed.txt"},
                                           TraceCase{"python", "python_chained.txt"},
                                           TraceCase{"python", "python_syntax_error.txt"},
                                           TraceCase{"python", "python_syntax_error_import.txt"},
                                           TraceCase{"python", "python_exception_group.txt"},
                                           TraceCase{"python", "python_exception_group_bare.txt"},
                                           TraceCase{"go", "go_nil_map.txt"},
                                           TraceCase{"go", "go_worker.txt"}),
                         [](const auto& param_info) {
                           std::string name = param_info.param.file;
                           name = name.substr(0, name.find('.'));
                           std::erase(name, '_');
                           return name;
                         });


// A real StackOverflowError (1024 frames) is longer than the default max_lines (500, as
// Filebeat): it leaves as 500 + 500 + 25 lines, nothing lost, each cut counted; a larger
// max_lines keeps it whole.
TEST(MultilineRealTraceBounds, StackOverflowIsCutAtMaxLinesAndKeptWhole) {
  std::string trace = read_trace("java_stack_overflow.txt");
  auto lines = split_lines(trace);
  ASSERT_EQ(lines.size(), 1025u);
  auto run = [&](const std::string& options, Metrics& m) {
    auto t = build_transform<MultilineTransform>(options, m);
    EventBatch b;
    add_lines(b, lines);
    t->apply(b);
    t->flush_due(Transform::SteadyTime::max(), b);
    return texts(b);
  };
  Metrics m;
  auto cut = run("parser: java", m);
  ASSERT_EQ(cut.size(), 3u);
  EXPECT_EQ(split_lines(cut[0]).size(), 500u);
  EXPECT_EQ(split_lines(cut[1]).size(), 500u);
  EXPECT_EQ(split_lines(cut[2]).size(), 25u);
  EXPECT_EQ(cut[0] + "\n" + cut[1] + "\n" + cut[2], trace);
  EXPECT_EQ(m.value("logferry_multiline_max_lines_total", {{"component", "t"}}), 2);
  Metrics m2;
  EXPECT_EQ(run("parser: java\nmax_lines: 2000", m2), (std::vector<std::string>{trace}));
}

}  // namespace
}  // namespace logferry::transforms
