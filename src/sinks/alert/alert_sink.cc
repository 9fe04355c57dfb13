#include "sinks/alert/alert_sink.h"

#include <fmt/format.h>

#include <set>

#include "core/json.h"
#include "core/time_util.h"
#include "template/template.h"

namespace logferry::sinks {

namespace {

constexpr std::size_t kMaxEventJson = 64 * 1024;
constexpr std::size_t kMaxTextPreview = 200;

std::string describe_duration(std::chrono::nanoseconds d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::string_view preview(std::string_view s) {
  if (s.size() <= kMaxTextPreview) return s;
  std::size_t cut = kMaxTextPreview;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

}  // namespace

void AlertSink::RateLimitOptions::describe(config::Schema<RateLimitOptions>& s) {
  s.field("count", &RateLimitOptions::count).range(0, 1e9).doc("Alerts per window; 0 = unlimited.");
  s.field("per", &RateLimitOptions::per).doc("The window length.");
}

void AlertSink::RuleOptions::describe(config::Schema<RuleOptions>& s) {
  s.field("name", &RuleOptions::name).required().doc("Rule name, sent with the alert.");
  s.field("match", &RuleOptions::match).required().doc("A substring, or /regex/ (RE2; /regex/i ignores case).");
  s.field("field", &RuleOptions::field).doc("Field to search; default message, else log.");
  s.field("case_sensitive", &RuleOptions::case_sensitive).doc("false: ignore case.");
  s.field("rate_limit", &RuleOptions::rate_limit).doc("{count, per}: at most count alerts per window.");
  s.field("actions", &RuleOptions::actions).doc("Names of the actions this rule runs; default: all.");
}

void AlertSink::ActionOptions::describe(config::Schema<ActionOptions>& s) {
  s.field("type", &ActionOptions::type).required().one_of({"webhook", "exec"});
  s.field("name", &ActionOptions::name).doc("Name rules refer to; default: the type.");
  s.field("url", &ActionOptions::url).doc("webhook: where to POST the alert JSON.");
  s.field("headers", &ActionOptions::headers).doc("webhook: extra HTTP headers.");
  s.field("command", &ActionOptions::command).doc("exec: argv; the alert JSON comes on stdin.");
  s.field("timeout", &ActionOptions::timeout).doc("Per attempt.");
  s.check([](const ActionOptions& a, config::CheckContext& ctx) {
    if (a.type == "webhook" && a.url.empty()) ctx.error("url", "webhook needs a url");
    if (a.type == "webhook" && !a.url.empty() && a.url.rfind("http://", 0) != 0 &&
        a.url.rfind("https://", 0) != 0)
      ctx.error("url", "must start with http:// or https://");
    if (a.type == "exec" && a.command.empty()) ctx.error("command", "exec needs a command");
    if (a.timeout.count() <= 0) ctx.error("timeout", "must be positive");
  });
}

void AlertSink::RetryOptions::describe(config::Schema<RetryOptions>& s) {
  s.field("max_attempts", &RetryOptions::max_attempts).range(1, 1000).doc("Attempts per action and alert.");
  s.field("initial_backoff", &RetryOptions::initial_backoff);
  s.field("max_backoff", &RetryOptions::max_backoff);
}

void AlertSink::describe(config::Schema<Options>& s) {
  s.field("rules", &Options::rules).required().doc("List of {name, match, field, case_sensitive, rate_limit, actions}.");
  s.field("actions", &Options::actions).required().doc("List of {type: webhook|exec, name, url, headers, command, timeout}.");
  s.field("retry", &Options::retry).doc("{max_attempts, initial_backoff, max_backoff} for failed actions.");
  s.field("queue_size", &Options::queue_size).range(1, 1'000'000)
      .doc("Alerts waiting for their actions; when full the pipeline is held back (kRetry).");
  s.field("shutdown_timeout", &Options::shutdown_timeout).doc("How long queued alerts may take at shutdown.");
  s.check([](const Options& o, config::CheckContext& ctx) {
    std::set<std::string> names, rules;
    for (const auto& a : o.actions) {
      std::string name = a.name.empty() ? a.type : a.name;
      if (!names.insert(name).second) ctx.error("actions", "two actions named '" + name + "' (set `name`)");
    }
    std::vector<RuleSpec> specs;
    for (const auto& r : o.rules) {
      if (!rules.insert(r.name).second) ctx.error("rules", "two rules named '" + r.name + "'");
      for (const auto& a : r.actions)
        if (!names.count(a)) ctx.error("rules", "rule '" + r.name + "': unknown action '" + a + "'");
      if (r.rate_limit.count > 0 && r.rate_limit.per.count() <= 0)
        ctx.error("rules", "rule '" + r.name + "': rate_limit.per must be positive");
      specs.push_back({r.name, r.match, r.field, r.case_sensitive});
    }
    if (auto m = RuleMatcher::compile(specs); !m) ctx.error("rules", m.error().message);
  });
}

Result<std::unique_ptr<Sink>> AlertSink::build(const Options& options, BuildContext& ctx) {
  std::vector<RuleSpec> specs;
  for (const auto& r : options.rules) specs.push_back({r.name, r.match, r.field, r.case_sensitive});
  auto matcher = RuleMatcher::compile(specs);
  if (!matcher) return unexpected(matcher.error());
  std::vector<std::unique_ptr<AlertAction>> actions;
  for (const auto& a : options.actions) {
    if (a.type == "webhook") {
      actions.push_back(std::make_unique<WebhookAction>(a.url, a.headers, a.timeout));
    } else {
      actions.push_back(std::make_unique<ExecAction>(a.command, a.timeout));
    }
  }
  return std::unique_ptr<Sink>(
      std::make_unique<AlertSink>(options, std::move(*matcher), std::move(actions), ctx));
}

AlertSink::AlertSink(Options options, RuleMatcher matcher,
                     std::vector<std::unique_ptr<AlertAction>> actions, BuildContext& ctx)
    : options_(std::move(options)),
      matcher_(std::move(matcher)),
      actions_(std::move(actions)),
      clock_(ctx.clock),
      sink_name_(ctx.name),
      node_name_(ctx.node_name) {
  for (const auto& r : options_.rules) {
    std::vector<std::size_t> chosen;
    for (std::size_t a = 0; a < options_.actions.size(); ++a) {
      const auto& ao = options_.actions[a];
      std::string name = ao.name.empty() ? ao.type : ao.name;
      bool wanted = r.actions.empty();
      for (const auto& n : r.actions) wanted = wanted || n == name;
      if (wanted) chosen.push_back(a);
    }
    rule_actions_.push_back(std::move(chosen));
    RuleState state;
    state.limiter = RateLimiter(RateLimit{r.rate_limit.count, r.rate_limit.per});
    rules_.push_back(state);
    Labels labels = ctx.labels();
    labels.emplace_back("rule", r.name);
    matches_.push_back(&ctx.metrics.counter("logferry_alert_matches_total", "Events matching a rule", labels));
  }
  action_down_.assign(actions_.size(), false);
  auto labels = ctx.labels();
  alerts_ = &ctx.metrics.counter("logferry_alert_alerts_total", "Alerts queued for their actions", labels);
  suppressed_ = &ctx.metrics.counter("logferry_alert_suppressed_total", "Matches held back by rate limits", labels);
  queue_full_ = &ctx.metrics.counter("logferry_alert_queue_full_total", "Batches refused (kRetry) on a full queue", labels);
  delivered_ = &ctx.metrics.counter("logferry_alert_actions_delivered_total", "Actions run successfully", labels);
  failures_ = &ctx.metrics.counter("logferry_alert_action_failures_total",
                                   "Actions that failed after their retries", labels);
  dropped_ = &ctx.metrics.counter("logferry_alert_dropped_total", "Alerts still queued at shutdown", labels);
  queue_length_ = &ctx.metrics.gauge("logferry_alert_queue_length", "Alerts waiting for actions", labels);
  worker_ = std::thread([this] { run_worker(); });
}

AlertSink::~AlertSink() {
  std::unique_lock lock(mu_);
  closing_ = true;
  cv_.notify_all();
  auto deadline = std::chrono::steady_clock::now() + options_.shutdown_timeout;
  idle_cv_.wait_until(lock, deadline, [this] { return queue_.empty() && !busy_; });
  aborting_ = true;
  std::size_t left = queue_.size();
  cv_.notify_all();
  lock.unlock();
  for (auto& a : actions_) a->abort();
  worker_.join();
  if (left > 0) {
    dropped_->add(left);
    log_warn("alert sink {}: {} alerts were still queued at shutdown and are dropped", sink_name_, left);
  }
}

void AlertSink::build_alert(const Event* event, int rule, const RuleState& state, int64_t suppressed,
                            Timestamp now, std::string& out) {
  const RuleOptions& r = options_.rules[static_cast<std::size_t>(rule)];
  std::string text;
  if (event != nullptr) {
    std::string_view value = matcher_.field_text(*event, rule, text_scratch_);
    text = fmt::format("rule '{}' matched on {}: {}", r.name, node_name_, preview(value));
    if (suppressed > 0)
      text += fmt::format(" (and {} more in the last {})", suppressed, describe_duration(r.rate_limit.per));
  } else {
    text = fmt::format("rule '{}': {} more matches in the last {} were held back by the rate limit",
                       r.name, suppressed, describe_duration(r.rate_limit.per));
  }
  out.clear();
  out += "{\"rule\":";
  append_json_string(out, r.name);
  out += ",\"text\":";
  append_json_string(out, text);
  out += ",\"matches\":";
  out += std::to_string(state.matches);
  out += ",\"suppressed\":";
  out += std::to_string(suppressed);
  out += ",\"sink\":";
  append_json_string(out, sink_name_);
  out += ",\"node\":";
  append_json_string(out, node_name_);
  out += ",\"@timestamp\":\"";
  Timestamp ts = now;
  if (event != nullptr) event_timestamp(*event, ts);
  append_iso8601_millis(out, ts);
  out += '"';
  if (event == nullptr) {
    out += ",\"summary\":true,\"event\":null}";
    return;
  }
  std::size_t mark = out.size();
  out += ",\"event\":";
  append_json(out, *event);
  if (out.size() - mark > kMaxEventJson) {
    // A huge event (a 10 MiB line) would make a huge alert: send the matched text, cut.
    out.resize(mark);
    std::string_view value = matcher_.field_text(*event, rule, text_scratch_);
    out += ",\"event_truncated\":true,\"value\":";
    append_json_string(out, value.substr(0, kMaxEventJson));
  }
  out += '}';
}

Delivery AlertSink::send(const EventBatch& batch, const std::stop_token&) {
  batch_hits_.clear();
  const auto& events = batch.events();
  for (std::size_t i = 0; i < events.size(); ++i) {
    matcher_.match(events[i], hits_);
    for (int r : hits_) batch_hits_.emplace_back(i, r);
  }
  Timestamp now = clock_.now();
  if (!batch_hits_.empty()) {
    // Decide on a copy of the rate-limit state, so a batch refused for a full queue (and sent
    // again) is counted once.
    rules_scratch_ = rules_;
    staged_.clear();
    int64_t held = 0;
    for (auto [i, r] : batch_hits_) {
      RuleState& state = rules_scratch_[static_cast<std::size_t>(r)];
      ++state.matches;
      auto decision = state.limiter.admit(now);
      if (!decision.send) {
        ++held;
        continue;
      }
      Queued q{r, {options_.rules[static_cast<std::size_t>(r)].name, {}}};
      build_alert(&events[i], r, state, decision.suppressed, now, q.message.json);
      staged_.push_back(std::move(q));
    }
    {
      std::lock_guard lock(mu_);
      std::size_t in_queue = queue_.size() + (busy_ ? 1 : 0);
      bool room = in_queue + staged_.size() <= static_cast<std::size_t>(options_.queue_size);
      // An empty queue takes any batch, so one batch with more alerts than queue_size passes.
      if (!room && in_queue > 0) {
        queue_full_->add();
        return Delivery::kRetry;
      }
      for (auto& q : staged_) queue_.push_back(std::move(q));
      queue_length_->set(static_cast<int64_t>(queue_.size()));
      cv_.notify_one();
    }
    rules_.swap(rules_scratch_);
    for (auto [i, r] : batch_hits_) matches_[static_cast<std::size_t>(r)]->add();
    alerts_->add(staged_.size());
    suppressed_->add(static_cast<uint64_t>(held));
  }
  enqueue_summaries(now);
  return Delivery::kDelivered;
}

void AlertSink::enqueue_summaries(Timestamp now) {
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    RuleState& state = rules_[r];
    if (state.limiter.held() == 0) continue;
    {
      std::lock_guard lock(mu_);
      if (queue_.size() + 1 > static_cast<std::size_t>(options_.queue_size)) return;  // later
    }
    int64_t held = state.limiter.take_expired_held(now);
    if (held == 0) continue;
    Queued q{static_cast<int>(r), {options_.rules[r].name, {}}};
    build_alert(nullptr, static_cast<int>(r), state, held, now, q.message.json);
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(q));
    queue_length_->set(static_cast<int64_t>(queue_.size()));
    alerts_->add();
    cv_.notify_one();
  }
}

void AlertSink::flush() { enqueue_summaries(clock_.now()); }

void AlertSink::wait_idle() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

bool AlertSink::wait_backoff(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return aborting_; });
}

void AlertSink::run_worker() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return aborting_ || !queue_.empty() || closing_; });
    if (aborting_ || (closing_ && queue_.empty())) break;
    Queued alert = std::move(queue_.front());
    queue_.pop_front();
    queue_length_->set(static_cast<int64_t>(queue_.size()));
    busy_ = true;
    lock.unlock();
    for (std::size_t a : rule_actions_[static_cast<std::size_t>(alert.rule)]) deliver(a, alert);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
  busy_ = false;
  idle_cv_.notify_all();
}

void AlertSink::deliver(std::size_t action, const Queued& alert) {
  AlertAction& a = *actions_[action];
  // While an action is known to be down, each alert gets one attempt, so a dead endpoint
  // drains the queue (counted as failures) instead of holding the pipeline for every retry.
  int64_t attempts = action_down_[action] ? 1 : options_.retry.max_attempts;
  Backoff backoff(options_.retry.initial_backoff, options_.retry.max_backoff);
  Error last;
  for (int64_t i = 0; i < attempts; ++i) {
    auto r = a.run(alert.message);
    if (r) {
      delivered_->add();
      action_down_[action] = false;
      return;
    }
    last = r.error();
    if (last.code != ErrorCode::kUnavailable) break;  // permanent: 4xx, no such command
    if (i + 1 < attempts && !wait_backoff(backoff.next())) break;
  }
  failures_->add();
  if (last.code == ErrorCode::kUnavailable) action_down_[action] = true;
  failure_log_.warn("alert sink {}: rule '{}': {} failed: {}", sink_name_, alert.message.rule,
                    a.describe(), last.message);
}

}  // namespace logferry::sinks
