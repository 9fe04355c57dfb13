// The syslog-server side end to end: the real logferry binary reads lines on stdin and writes
// them into files by path template (rotated, gzip'd) and fires an exec alert for matching lines.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "io/rotated_files.h"
#include "support/child_process.h"
#include "support/http_recorder.h"
#include "support/net_util.h"
#include "support/gunzip.h"
#include "support/temp_dir.h"

namespace logferry::testing {
namespace {

namespace fs = std::filesystem;

// The current file plus its rotated (possibly compressed) predecessors, oldest first.
std::string all_content(const fs::path& base) {
  std::string out;
  for (const auto& r : io::list_rotated(base)) out += r.compressed ? gunzip(r.path) : read_file(r.path);
  if (fs::exists(base)) out += read_file(base);
  return out;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(FileAlertIntegrationTest, StdinToRotatedFilesAndExecAlerts) {
  TempDir dir;
  HttpRecorder webhook;
  webhook.script({500});  // the first POST fails: retried
  fs::path alerts = dir / "alerts.jsonl";
  dir.write("logferry.yaml", R"(data_dir: ./data
sources:
  in: {type: stdin}
sinks:
  files:
    type: file
    inputs: [in]
    path: logs/%{host}/messages.log
    format: "%{host} %{message}"
    rotate: {max_size: 64KiB}
    compress: gzip
  alerts:
    type: alert
    inputs: [in]
    rules:
      - {name: errors, match: "/ERROR [0-9]+ of/"}
    actions:
      - {type: exec, command: [sh, -c, "cat >> )" + alerts.string() + R"(; echo >> )" + alerts.string() + R"("]}
      - {type: webhook, url: ")" + webhook.url("/hook") + R"("}
    retry: {initial_backoff: 10ms}
    shutdown_timeout: 60s
)");
  std::map<std::string, std::vector<std::string>> expected_lines;  // per host
  std::vector<std::string> expected_alerts;
  for (const std::string host : {"node-a", "node-b"}) {
    std::string input;
    for (int i = 0; i < 20000; ++i) {
      std::string msg = host + " line " + std::to_string(i) + " payload";
      if (i % 1000 == 7) {
        msg = host + " ERROR " + std::to_string(i) + " of the disk";
        expected_alerts.push_back(msg);
      }
      input += msg + "\n";
      expected_lines[host].push_back(host + " " + msg);
    }
    ChildProcess p({.argv = {logferry_binary().string(), "run", "-c", (dir / "logferry.yaml").string()},
                    .env = {{"NODE_NAME", host}},
                    .output_dir = dir.path(),
                    .name = "logferry-" + host,
                    .stdin_pipe = true});
    p.write_stdin(input);
    p.close_stdin();
    auto status = p.wait(std::chrono::seconds(60));
    ASSERT_TRUE(status) << "logferry did not exit at the end of its input";
    EXPECT_EQ(*status, 0) << p.err();
  }

  for (const auto& [host, lines] : expected_lines) {
    fs::path base = dir / ("logs/" + host + "/messages.log");
    // Every line, in order, exactly once, across the rotated (gzip'd) files and the current one.
    EXPECT_EQ(lines_of(all_content(base)), lines) << host;
    auto rotated = io::list_rotated(base);
    EXPECT_GE(rotated.size(), 5u);
    for (const auto& r : rotated) EXPECT_TRUE(r.compressed) << r.path;
  }
  // One alert per matching line, no other.
  std::vector<std::string> got;
  for (const auto& line : lines_of(read_file(alerts))) {
    auto pos = line.find("\"message\":\"");
    ASSERT_NE(pos, std::string::npos) << line;
    pos += 11;
    got.push_back(line.substr(pos, line.find('"', pos) - pos));
    EXPECT_NE(line.find("\"rule\":\"errors\""), std::string::npos) << line;
  }
  std::sort(got.begin(), got.end());
  std::sort(expected_alerts.begin(), expected_alerts.end());
  EXPECT_EQ(got, expected_alerts);
  // The same alerts reached the webhook, the failed first POST included once more.
  std::vector<std::string> posted;
  for (const auto& body : webhook.accepted_bodies()) {
    auto pos = body.find("\"message\":\"");
    ASSERT_NE(pos, std::string::npos) << body;
    pos += 11;
    posted.push_back(body.substr(pos, body.find('"', pos) - pos));
  }
  std::sort(posted.begin(), posted.end());
  EXPECT_EQ(posted, expected_alerts);
  EXPECT_EQ(webhook.requests().size(), expected_alerts.size() + 1);
}

}  // namespace
}  // namespace logferry::testing
