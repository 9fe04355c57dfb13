// Alert actions: what happens when a rule fires. Each runs on the alert sink's worker thread,
// never on the pipeline's, and says whether a failure is worth retrying.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/http_client.h"

namespace logferry::sinks {

struct AlertMessage {
  std::string rule;
  std::string json;  // the alert document (see docs/alert_sink.md)
};

class AlertAction {
 public:
  virtual ~AlertAction() = default;
  // Ok, or an error whose code is kUnavailable (retry: connection error, 5xx, 429, timeout,
  // non-zero exit) or kInvalidArgument (do not retry: 4xx, command not found).
  virtual Result<void> run(const AlertMessage& alert) = 0;
  // Makes a run() in progress return soon (shutdown).
  virtual void abort() = 0;
  virtual void reset_abort() = 0;
  virtual const std::string& describe() const = 0;
};

// HTTP POST of the alert JSON to `url`.
class WebhookAction final : public AlertAction {
 public:
  WebhookAction(std::string url, std::map<std::string, std::string> headers,
                std::chrono::milliseconds timeout);
  Result<void> run(const AlertMessage& alert) override;
  void abort() override { client_.abort(); }
  void reset_abort() override { client_.reset_abort(); }
  const std::string& describe() const override { return description_; }

 private:
  net::HttpClient client_;
  net::HttpRequest request_;
  std::string description_;
};

// Runs `command` (argv, looked up in PATH) with the alert JSON on stdin and
// LOGFERRY_ALERT_RULE in its environment; stdout is discarded, stderr kept for the log.
// Killed (its whole process group) after `timeout`.
class ExecAction final : public AlertAction {
 public:
  ExecAction(std::vector<std::string> command, std::chrono::milliseconds timeout);
  Result<void> run(const AlertMessage& alert) override;
  void abort() override { aborted_.store(true); }
  void reset_abort() override { aborted_.store(false); }
  const std::string& describe() const override { return description_; }

 private:
  std::vector<std::string> command_;
  std::chrono::milliseconds timeout_;
  std::string description_;
  std::atomic<bool> aborted_{false};
};

}  // namespace logferry::sinks
