#include "sinks/alert/actions.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace logferry::sinks {

namespace {

// A write to a pipe whose reader has gone raises SIGPIPE. The logferry binary ignores it, but
// the sink must not depend on the process it runs in (the unit tests, an embedding program):
// block it for this thread around the write and swallow the one the write raised.
ssize_t write_no_sigpipe(int fd, const char* data, std::size_t n) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t w = ::write(fd, data, n);
  int err = errno;
  if (w < 0 && err == EPIPE) {
    timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return w;
}

}  // namespace

WebhookAction::WebhookAction(std::string url, std::map<std::string, std::string> headers,
                             std::chrono::milliseconds timeout) {
  request_.method = "POST";
  request_.url = std::move(url);
  request_.timeout = timeout;
  request_.connect_timeout = std::min(timeout, std::chrono::milliseconds(5000));
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    request_.headers.push_back(name + ": " + value);
    if (strcasecmp(name.c_str(), "content-type") == 0) has_type = true;
  }
  if (!has_type) request_.headers.push_back("Content-Type: application/json");
  description_ = "webhook " + request_.url;
}

Result<void> WebhookAction::run(const AlertMessage& alert) {
  request_.body = alert.json;
  auto response = client_.send(request_);
  if (!response) return unexpected(response.error());
  long status = response->status;
  if (status >= 200 && status < 300) return {};
  std::string text = "HTTP " + std::to_string(status);
  if (!response->body.empty()) text += ": " + response->body.substr(0, 200);
  return unexpected(net::http_status_retryable(status) ? ErrorCode::kUnavailable
                                                       : ErrorCode::kInvalidArgument,
                    text);
}

ExecAction::ExecAction(std::vector<std::string> command, std::chrono::milliseconds timeout)
    : command_(std::move(command)), timeout_(timeout) {
  description_ = "exec";
  for (const auto& a : command_) description_ += " " + a;
}

namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

}  // namespace

Result<void> ExecAction::run(const AlertMessage& alert) {
  if (command_.empty()) return unexpected(ErrorCode::kInvalidArgument, "exec: empty command");
  Pipe in, err;
  if (::pipe2(in.fd, O_CLOEXEC) != 0 || ::pipe2(err.fd, O_CLOEXEC) != 0)
    return unexpected(ErrorCode::kUnavailable, std::string("exec: pipe: ") + std::strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], STDIN_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);  // logferry ignores SIGPIPE; the command should not inherit that
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: a timeout kills its children too
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);

  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "LOGFERRY_ALERT_RULE=", 20) != 0) env_storage.emplace_back(*e);
  }
  env_storage.push_back("LOGFERRY_ALERT_RULE=" + alert.rule);
  std::vector<char*> envp, argv;
  for (auto& s : env_storage) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = command_;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return unexpected(rc == ENOENT || rc == EACCES ? ErrorCode::kInvalidArgument : ErrorCode::kUnavailable,
                      "exec " + command_[0] + ": " + std::strerror(rc));
  }
  in.close_end(0);
  err.close_end(1);
  ::fcntl(in.fd[1], F_SETFL, O_NONBLOCK);

  auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::size_t written = 0;
  std::string stderr_text;
  bool err_open = true;
  int status = 0;
  bool exited = false;
  bool timed_out = false;
  if (alert.json.empty()) in.close_end(1);
  while (!exited) {
    if (std::chrono::steady_clock::now() >= deadline || aborted_.load()) {
      timed_out = true;
      break;
    }
    pollfd fds[2];
    nfds_t n = 0;
    if (in.fd[1] >= 0) fds[n++] = {in.fd[1], POLLOUT, 0};
    if (err_open) fds[n++] = {err.fd[0], POLLIN, 0};
    if (n > 0) {
      ::poll(fds, n, 10);
      for (nfds_t i = 0; i < n; ++i) {
        if (fds[i].fd == in.fd[1] && (fds[i].revents & (POLLOUT | POLLERR | POLLHUP))) {
          ssize_t w = write_no_sigpipe(in.fd[1], alert.json.data() + written, alert.json.size() - written);
          if (w > 0) written += static_cast<std::size_t>(w);
          if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == alert.json.size())
            in.close_end(1);  // done, or the command stopped reading (EPIPE): that is its call
        } else if (fds[i].fd == err.fd[0] && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
          char buf[1024];
          ssize_t r = ::read(err.fd[0], buf, sizeof buf);
          if (r > 0) {
            if (stderr_text.size() < 2048) stderr_text.append(buf, static_cast<std::size_t>(r));
          } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
            err_open = false;
          }
        }
      }
    } else {
      ::poll(nullptr, 0, 5);
    }
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) exited = true;
  }
  if (timed_out) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return unexpected(ErrorCode::kUnavailable,
                      "exec " + command_[0] + ": " + (aborted_.load() ? "aborted" : "timed out"));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  while (!stderr_text.empty() && (stderr_text.back() == '\n' || stderr_text.back() == '\r'))
    stderr_text.pop_back();
  std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                      : "signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return unexpected(ErrorCode::kInvalidArgument, "exec " + command_[0] + ": " + how);
  return unexpected(ErrorCode::kUnavailable,
                    "exec " + command_[0] + ": " + how + (stderr_text.empty() ? "" : ": " + stderr_text));
}

}  // namespace logferry::sinks
