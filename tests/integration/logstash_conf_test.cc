// The real binary running Logstash pipelines from a directory of .conf files: stdin and syslog
// inputs, mutate, conditionals (a drop and conditional outputs), file and stdout outputs, and a
// reload when one of the files changes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec) ? read_file(p) : "";
}

bool send_tcp(uint16_t port, const std::string& data) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  ::close(fd);
  return ok;
}

TEST(LogstashConfTest, DirectoryPipelineFromStdinToFiles) {
  TempDir dir;
  auto conf = dir.path() / "pipeline";
  dir.write("pipeline/10-input.conf", "input { stdin { codec => line } }\n");
  dir.write("pipeline/20-filter.conf", R"(filter {
  if [message] =~ /^\s*$/ { drop { } }   # empty lines go
  mutate { replace => { "app" => "%{message}" } gsub => ["app", "^(\w+) .*$", "\1"] }
}
)");
  dir.write("pipeline/30-output.conf", R"(output {
  if "ERROR" in [message] {
    file { path => ")" + (dir.path() / "out/errors.log").string() + R"(" codec => line { format => "%{message}" } }
  } else if [app] == "INFO" {
    file { path => ")" + (dir.path() / "out/info.log").string() + R"(" codec => line { format => "%{app}|%{message}" } }
  } else {
    stdout { codec => json_lines }
  }
}
)");
  ChildProcess p({.argv = {LOGFERRY_BINARY, "run", "-c", conf.string(), "--data-dir",
                           (dir.path() / "data").string()},
                  .env = {},
                  .output_dir = dir.path(),
                  .name = "logferry",
                  .stdin_pipe = true});
  p.write_stdin("ERROR db down\n\nINFO all good\n   \nDEBUG detail\nERROR again\n");
  p.close_stdin();
  auto status = p.wait(std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value()) << p.err();
  ASSERT_EQ(*status, 0) << p.err();
  EXPECT_EQ(slurp(dir.path() / "out/errors.log"), "ERROR db down\nERROR again\n");
  EXPECT_EQ(slurp(dir.path() / "out/info.log"), "INFO|INFO all good\n");
  EXPECT_NE(p.out().find(R"("message":"DEBUG detail")"), std::string::npos) << p.out();
  EXPECT_EQ(p.out().find("ERROR"), std::string::npos) << p.out();
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data"));
}

TEST(LogstashConfTest, ValidateNamesFileAndLineInADirectory) {
  TempDir dir;
  dir.write("p/a.conf", "input { stdin { } }\n");
  dir.write("p/b.conf", "filter {\n  mutate { no_such => 1 }\n}\noutput { stdout { } }\n");
  std::string out;
  int rc = run_command({LOGFERRY_BINARY, "validate", "-c", (dir.path() / "p").string()}, &out);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find((dir.path() / "p/b.conf").string() + ":2: filter plugin 'mutate': unknown setting 'no_such'"),
            std::string::npos) << out;
}

TEST(LogstashConfTest, SyslogInputAndReloadOnAFileChange) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  auto out_file = dir.path() / "out/syslog.log";
  dir.write("p/in.conf", "input { syslog { host => \"127.0.0.1\" port => " + std::to_string(port) + " } }\n");
  auto output = [&](const std::string& format) {
    return "output { file { path => \"" + out_file.string() + "\" codec => line { format => \"" + format +
           "\" } } }\n";
  };
  dir.write("p/out.conf", output("v1 %{message}"));
  ChildProcess p({.argv = {LOGFERRY_BINARY, "run", "-c", (dir.path() / "p").string(), "--data-dir",
                           (dir.path() / "data").string()},
                  .env = {},
                  .output_dir = dir.path(),
                  .name = "logferry"});
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); }, std::chrono::seconds(10), "syslog port")) << p.err();
  ASSERT_TRUE(send_tcp(port, "<13>Oct 11 22:14:15 web app: first line\n"));
  ASSERT_TRUE(wait_until([&] { return slurp(out_file).find("v1 first line\n") != std::string::npos; },
                         std::chrono::seconds(10), "first line"))
      << slurp(out_file) << p.err();

  // Replace the output file (a new inode, as a ConfigMap update makes it): the pipeline reloads.
  dir.write("p/out.conf.tmp", output("v2 %{message}"));
  std::filesystem::rename(dir.path() / "p/out.conf.tmp", dir.path() / "p/out.conf");
  ASSERT_TRUE(wait_until([&] { return p.err().find("reloaded") != std::string::npos; }, std::chrono::seconds(10),
                         "reload"))
      << p.err();
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); }, std::chrono::seconds(10), "port after reload"));
  ASSERT_TRUE(send_tcp(port, "<13>Oct 11 22:14:16 web app: second line\n"));
  ASSERT_TRUE(wait_until([&] { return slurp(out_file).find("v2 second line\n") != std::string::npos; },
                         std::chrono::seconds(10), "second line"))
      << slurp(out_file) << p.err();
  EXPECT_EQ(p.stop(), 0) << p.err();
}

}  // namespace
}  // namespace logferry::testing
