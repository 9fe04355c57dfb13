// ChildProcess: a real program started by a test (logferry, rsyslogd, logger, ...), its
// stdout/stderr captured to files, killed on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace logferry::testing {

class ChildProcess {
 public:
  struct Options {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;  // added to the current environment
    std::filesystem::path output_dir;        // stdout/stderr go to <dir>/<name>.{out,err}
    std::string name = "child";
    bool stdin_pipe = false;                 // else /dev/null
  };
  explicit ChildProcess(Options options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Exit code (or 128+signal); nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // SIGTERM, then SIGKILL after `grace`; returns the exit status.
  std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::seconds(15));
  void write_stdin(const std::string& data);
  void close_stdin();
  std::string out() const;
  std::string err() const;

 private:
  Options options_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> status_;
};

// Runs a command to completion; returns exit code. Output captured into `output` if given.
int run_command(const std::vector<std::string>& argv, std::string* output = nullptr,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace logferry::testing
