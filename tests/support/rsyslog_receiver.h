// RsyslogReceiver: a real rsyslogd (unpacked into .peers/ by scripts/install-peers.sh) listening
// on 127.0.0.1 with imtcp, imudp or imrelp and writing each message through a template to a file in
// the test's directory. For integration tests that check what a peer received.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/temp_dir.h"

namespace logferry::testing {

class RsyslogReceiver {
 public:
  enum class Input { kTcp, kUdp, kRelp };
  // `format`: an rsyslog string template such as "%msg%\n".
  RsyslogReceiver(const TempDir& dir, Input input, std::string format);
  // Starts rsyslogd; waits until it listens (TCP) or has started (UDP). Again after stop():
  // the same port, and the lines written so far are kept.
  void start();
  // Stops rsyslogd (SIGTERM: it writes what it has received and exits).
  void stop();
  uint16_t port() const { return port_; }
  // The lines written so far.
  std::vector<std::string> lines() const;

 private:
  const TempDir& dir_;
  Input input_;
  std::string format_;
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
  int starts_ = 0;
};

}  // namespace logferry::testing
