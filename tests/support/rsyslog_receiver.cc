#include "support/rsyslog_receiver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/net_util.h"
#include "support/wait.h"

namespace logferry::testing {

RsyslogReceiver::RsyslogReceiver(const TempDir& dir, Input input, std::string format)
    : dir_(dir),
      input_(input),
      format_(std::move(format)),
      port_(input == Input::kUdp ? free_udp_port() : free_tcp_port()) {}

void RsyslogReceiver::start() {
  std::string d = dir_.path().string();
  std::string module = input_ == Input::kTcp ? "imtcp" : input_ == Input::kUdp ? "imudp" : "imrelp";
  auto conf = dir_.write("rsyslog.conf",
                         "global(workDirectory=\"" + d + "\")\nmodule(load=\"" + module + "\")\n"
                         "input(type=\"" + module + "\" address=\"127.0.0.1\" port=\"" + std::to_string(port_) + "\")\n"
                         "template(name=\"t\" type=\"string\" string=\"" + format_ + "\")\n"
                         "action(type=\"omfile\" file=\"" + d + "/received.log\" template=\"t\")\n");
  std::filesystem::remove(dir_.path() / "rsyslog.pid");
  process_ = std::make_unique<ChildProcess>(ChildProcess::Options{
      {rsyslogd_path().string(), "-n", "-M", rsyslog_module_dir().string(), "-f", conf.string(), "-i",
       d + "/rsyslog.pid"},
      {}, dir_.path(), starts_++ == 0 ? "rsyslogd" : "rsyslogd-" + std::to_string(starts_)});
  // A UDP port cannot be probed: wait for rsyslogd's pid file instead.
  bool up = wait_until([&] {
    return input_ != Input::kUdp ? tcp_port_open(port_) : std::filesystem::exists(dir_.path() / "rsyslog.pid");
  }, std::chrono::seconds(15), "rsyslogd started");
  ASSERT_TRUE(up) << process_->err();
}

void RsyslogReceiver::stop() {
  if (process_) process_->stop();
  process_.reset();
}

std::vector<std::string> RsyslogReceiver::lines() const {
  std::vector<std::string> out;
  std::ifstream in(dir_.path() / "received.log");
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace logferry::testing
