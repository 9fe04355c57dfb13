#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "support/temp_dir.h"

extern char** environ;

namespace logferry::testing {

ChildProcess::ChildProcess(Options options) : options_(std::move(options)) {
  if (options_.output_dir.empty()) options_.output_dir = std::filesystem::temp_directory_path();
  std::filesystem::create_directories(options_.output_dir);
  auto out_path = options_.output_dir / (options_.name + ".out");
  auto err_path = options_.output_dir / (options_.name + ".err");
  int pipe_fds[2] = {-1, -1};
  if (options_.stdin_pipe && ::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos && options_.env.count(kv.substr(0, eq))) continue;
    env_strings.push_back(kv);
  }
  for (const auto& [k, v] : options_.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (auto& a : options_.argv) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    // Unblock what the test runner may have blocked, so SIGTERM reaches the child.
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    int in = options_.stdin_pipe ? pipe_fds[0] : ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execve(argv[0], argv.data(), envp.data());
    std::fprintf(stderr, "execve %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  if (options_.stdin_pipe) {
    ::close(pipe_fds[0]);
    stdin_fd_ = pipe_fds[1];
  }
}

ChildProcess::~ChildProcess() {
  close_stdin();
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
  }
}

bool ChildProcess::running() {
  if (status_) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return r == 0;
}

void ChildProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

std::optional<int> ChildProcess::stop(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  auto st = wait(grace);
  if (!st) {
    signal(SIGKILL);
    st = wait(std::chrono::seconds(5));
  }
  return st;
}

void ChildProcess::write_stdin(const std::string& data) {
  std::size_t off = 0;
  while (off < data.size() && stdin_fd_ >= 0) {
    ssize_t n = ::write(stdin_fd_, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    off += static_cast<std::size_t>(n);
  }
}

void ChildProcess::close_stdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

std::string ChildProcess::out() const { return read_file(options_.output_dir / (options_.name + ".out")); }
std::string ChildProcess::err() const { return read_file(options_.output_dir / (options_.name + ".err")); }

int run_command(const std::vector<std::string>& argv, std::string* output,
                std::chrono::milliseconds timeout) {
  TempDir dir;
  ChildProcess p({argv, {}, dir.path(), "cmd", false});
  auto st = p.wait(timeout);
  if (output) *output = p.out() + p.err();
  if (!st) {
    p.signal(SIGKILL);
    return -1;
  }
  return *st;
}

}  // namespace logferry::testing
