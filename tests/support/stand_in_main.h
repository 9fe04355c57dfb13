// What the stand-ins' mains (es_test_server, kube_api_test_server) share: their flags
// ("--flag VALUE"), and "port N" printed once listening, then serving until SIGTERM/SIGINT.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>

namespace logferry::testing {

class CliArgs {
 public:
  CliArgs(int argc, char** argv) : argc_(argc), argv_(argv) {}

  bool next(std::string& flag) {  // false after the last one
    if (++i_ >= argc_) return false;
    flag_ = flag = argv_[i_];
    return true;
  }
  std::string value() {  // the current flag's value; exits 2 when it has none
    if (i_ + 1 >= argc_) {
      std::fprintf(stderr, "%s needs a value\n", flag_.c_str());
      std::exit(2);
    }
    return argv_[++i_];
  }
  int int_value() { return std::stoi(value()); }
  std::pair<int, int> int_pair() {  // "A:B", as in --fail-requests COUNT:STATUS
    std::string v = value();
    auto colon = v.find(':');
    return {std::stoi(v.substr(0, colon)), std::stoi(v.substr(colon + 1))};
  }
  [[noreturn]] void unknown() const {
    std::fprintf(stderr, "unknown argument %s\n", flag_.c_str());
    std::exit(2);
  }

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
  std::string flag_;
};

inline volatile std::sig_atomic_t g_stand_in_stop = 0;

// Prints "port N" (what scripts and tests wait for) and returns at SIGTERM or SIGINT.
inline void serve_until_signal(uint16_t port) {
  std::signal(SIGTERM, [](int) { g_stand_in_stop = 1; });
  std::signal(SIGINT, [](int) { g_stand_in_stop = 1; });
  std::printf("port %u\n", port);
  std::fflush(stdout);
  while (!g_stand_in_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace logferry::testing
