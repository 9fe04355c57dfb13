// The real binary: kubernetes_logs over CRI files -> multiline (parser: java) -> console
// (json). A container's stderr carries a real JVM trace (testdata/java_suppressed.txt, see
// its README) with stdout lines between every two of its lines; the trace must come out as
// one event on stderr and every stdout line on its own, also when kubelet rotates the file
// in the middle of the trace.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/event_batch.h"
#include "core/json_reader.h"
#include "support/child_process.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string java_trace() {
  std::string text = read_file(fs::path(LOGFERRY_SOURCE_DIR) /
                               "tests/transforms/multiline/testdata/java_suppressed.txt");
  while (text.ends_with('\n')) text.pop_back();
  return text;
}

// One container's log file as kubelet lays it out, written in CRI format.
class CriLog {
 public:
  explicit CriLog(const fs::path& root) {
    fs::path dir = root / "pods" / "shop_checkout-7d9f_uid1" / "app";
    fs::create_directories(dir);
    fs::create_directories(root / "containers");
    path_ = dir / "0.log";
    std::ofstream(path_).close();
    fs::create_symlink(
        path_, root / "containers" / ("checkout-7d9f_shop_app-" + std::string(64, 'c') + ".log"));
  }
  // `tag` F is a whole line, P a part the runtime cut (the next record continues it).
  void write(std::string_view stream, std::string_view text, char tag = 'F') {
    std::ofstream out(path_, std::ios::app);
    ASSERT_TRUE(out) << path_;
    out << "2026-12-03T12:00:" << (10 + n_ / 1000) << "." << 100000000 + n_ << "Z " << stream << ' '
        << tag << ' ' << text << '\n';
    ++n_;
  }
  // kubelet's rotation: the file is renamed, the runtime goes on in a new 0.log (the
  // container's symlink, the path the source found, stays the same).
  void rotate() {
    fs::rename(path_, fs::path(path_.string() + ".20261203-120010"));
    std::ofstream(path_).close();
  }

 private:
  fs::path path_;
  int n_ = 0;
};

struct Output {
  std::string stream, log;
  bool operator==(const Output&) const = default;
};

// The console's json lines: stream and log of each event, in order.
std::vector<Output> events_of(const std::string& text) {
  std::vector<Output> out;
  JsonReader reader;
  for (const auto& line : lines_of(text)) {
    EventBatch b;
    Event& e = b.add();
    if (!reader.read_object_into(line, e, e.root(), 0)) continue;  // a partial last line
    const Value* stream = e.find(FieldPath::parse("stream"));
    const Value* log = e.find(FieldPath::parse("log"));
    out.push_back(
        {stream ? std::string(stream->as_string()) : "", log ? std::string(log->as_string()) : ""});
  }
  return out;
}

void PrintTo(const Output& o, std::ostream* os) { *os << o.stream << ": " << o.log; }

std::filesystem::path write_config(const TempDir& dir) {
  return dir.write("logferry.yaml", "data_dir: " + (dir / "data").string() + R"(
sources:
  k8s:
    type: kubernetes_logs
    include: [")" + (dir / "containers").string() +
                                        R"(/*.log"]
transforms:
  traces:
    type: multiline
    inputs: [k8s]
    parser: java
    timeout: 3s
sinks:
  out: {type: console, inputs: [traces], encoding: json}
)");
}

std::vector<Output> on_stream(const std::vector<Output>& events, std::string_view stream) {
  std::vector<Output> out;
  for (const auto& e : events)
    if (e.stream == stream) out.push_back(e);
  return out;
}

// Writes the first half of the trace (interleaved with stdout), starts the binary, waits
// until that half has been read, rotates the file or not, then writes the rest.
void run_interleaved_trace(bool rotate_between_halves) {
  TempDir dir;
  auto config = write_config(dir);
  CriLog log(dir.path());
  std::string trace = java_trace();
  std::vector<std::string> trace_lines = lines_of(trace);
  ASSERT_GT(trace_lines.size(), 10u);
  std::vector<Output> expected{{"stdout", "GET /cart 200"}};

  // The trace's first line comes in two CRI records (P then F), as a runtime cuts long lines.
  log.write("stdout", "GET /cart 200");
  log.write("stderr", trace_lines[0].substr(0, 20), 'P');
  log.write("stderr", trace_lines[0].substr(20));
  std::size_t half = trace_lines.size() / 2;
  auto interleave = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      std::string tick = "tick " + std::to_string(i);
      log.write("stdout", tick);
      expected.push_back({"stdout", tick});
      if (i > 0) log.write("stderr", trace_lines[i]);
    }
  };
  interleave(0, half);
  ChildProcess p({.argv = {LOGFERRY_BINARY, "run", "-c", config.string()},
                  .env = {},
                  .output_dir = dir.path(),
                  .name = "logferry"});
  // The first half has been read (and its trace lines are held) once the stdout line after
  // its last line has pushed the one before out.
  log.write("stdout", "first half written");
  expected.push_back({"stdout", "first half written"});
  Output last_tick{"stdout", "tick " + std::to_string(half - 1)};
  ASSERT_TRUE(wait_until(
      [&] {
        auto out = events_of(p.out());
        return std::find(out.begin(), out.end(), last_tick) != out.end();
      },
      std::chrono::seconds(15), "first half out"))
      << p.err();
  if (rotate_between_halves) log.rotate();
  interleave(half, trace_lines.size());
  log.write("stderr", "INFO checkout recovered");
  expected.push_back({"stderr", trace});
  expected.push_back({"stderr", "INFO checkout recovered"});

  // The last line of each stream leaves on the timeout.
  ASSERT_TRUE(wait_until([&] { return events_of(p.out()).size() >= expected.size(); },
                         std::chrono::seconds(20), "every event out"))
      << p.out() << "\n"
      << p.err();
  auto status = p.stop();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << p.err();

  std::vector<Output> got = events_of(p.out());
  // Each stream in its own order; how the two interleave in the output is not fixed.
  EXPECT_EQ(on_stream(got, "stdout"), on_stream(expected, "stdout"));
  EXPECT_EQ(on_stream(got, "stderr"), on_stream(expected, "stderr"));
  EXPECT_EQ(got.size(), expected.size()) << p.out();
}

TEST(MultilineKubernetesTest, JavaTraceOnStderrJoinsAcrossInterleavedStdout) {
  run_interleaved_trace(false);
}

TEST(MultilineKubernetesTest, JavaTraceCutByRotationStillJoins) { run_interleaved_trace(true); }

}  // namespace
}  // namespace logferry::testing
