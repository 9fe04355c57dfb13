// alert: matches events against rules (substrings and regexes, many at line rate) and, for a
// match, runs actions (webhook POST, exec) on a worker thread, with a per-rule rate limit that
// reports what it held back. A batch is acknowledged once its alerts are queued; the queue is
// bounded (a full queue answers kRetry) and the worker retries failed actions with backoff.
// See docs/alert_sink.md.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/schema.h"
#include "config/values.h"
#include "core/backoff.h"
#include "core/component.h"
#include "core/log.h"
#include "core/sink.h"
#include "sinks/alert/actions.h"
#include "sinks/alert/rate_limiter.h"
#include "sinks/alert/rule_matcher.h"

namespace logferry::sinks {

class AlertSink final : public Sink {
 public:
  static constexpr std::string_view kType = "alert";
  static constexpr std::string_view kDoc =
      "Matches rules (substring or /regex/) and runs webhook/exec actions, rate limited.";

  struct RateLimitOptions {
    int64_t count = 0;  // 0 = unlimited
    config::Duration per = std::chrono::seconds(60);
    static void describe(config::Schema<RateLimitOptions>& s);
  };
  struct RuleOptions {
    std::string name;
    std::string match;
    std::string field;                  // empty: message, else log
    bool case_sensitive = true;
    RateLimitOptions rate_limit;
    std::vector<std::string> actions;   // action names; empty: all actions
    static void describe(config::Schema<RuleOptions>& s);
  };
  struct ActionOptions {
    std::string type;                   // webhook | exec
    std::string name;                   // for rules' `actions`; default: the type
    std::string url;                    // webhook
    std::map<std::string, std::string> headers;
    std::vector<std::string> command;   // exec: argv
    config::Duration timeout = std::chrono::seconds(10);
    static void describe(config::Schema<ActionOptions>& s);
  };
  struct RetryOptions {
    int64_t max_attempts = 5;
    config::Duration initial_backoff = std::chrono::milliseconds(500);
    config::Duration max_backoff = std::chrono::seconds(30);
    static void describe(config::Schema<RetryOptions>& s);
  };
  struct Options {
    std::vector<RuleOptions> rules;
    std::vector<ActionOptions> actions;
    RetryOptions retry;
    int64_t queue_size = 1000;
    config::Duration shutdown_timeout = std::chrono::seconds(5);
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Sink>> build(const Options& options, BuildContext& ctx);

  AlertSink(Options options, RuleMatcher matcher, std::vector<std::unique_ptr<AlertAction>> actions,
            BuildContext& ctx);
  ~AlertSink() override;

  // Sink
  Delivery send(const EventBatch& batch, const std::stop_token& stop) override;
  void flush() override;

  // Tests: blocks until the queue is empty and no action is running.
  void wait_idle();

 private:
  struct Queued {
    int rule;
    AlertMessage message;
  };
  struct RuleState {
    RateLimiter limiter;
    int64_t matches = 0;
  };
  void build_alert(const Event* event, int rule, const RuleState& state, int64_t suppressed,
                   Timestamp now, std::string& out);
  // Summaries for rules whose rate-limit window passed with matches held back.
  void enqueue_summaries(Timestamp now);
  void run_worker();
  void deliver(std::size_t action, const Queued& alert);
  bool wait_backoff(std::chrono::milliseconds d);

  Options options_;
  RuleMatcher matcher_;
  std::vector<std::unique_ptr<AlertAction>> actions_;
  std::vector<std::vector<std::size_t>> rule_actions_;  // rule -> action indices
  std::vector<bool> action_down_;                       // worker only: circuit open
  const Clock& clock_;
  std::string sink_name_;
  std::string node_name_;

  // Pipeline thread only.
  std::vector<RuleState> rules_, rules_scratch_;
  std::vector<int> hits_;
  std::vector<std::pair<std::size_t, int>> batch_hits_;  // (event index, rule)
  std::vector<Queued> staged_;
  std::string scratch_;
  std::string text_scratch_;

  // Metrics.
  std::vector<Counter*> matches_;  // per rule
  Counter* alerts_ = nullptr;
  Counter* suppressed_ = nullptr;
  Counter* queue_full_ = nullptr;
  Counter* delivered_ = nullptr;
  Counter* failures_ = nullptr;
  Counter* dropped_ = nullptr;
  Gauge* queue_length_ = nullptr;
  RateLimitedLog failure_log_;

  // Shared with the worker.
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Queued> queue_;
  bool busy_ = false;
  bool closing_ = false;
  bool aborting_ = false;
  std::thread worker_;
};

}  // namespace logferry::sinks
