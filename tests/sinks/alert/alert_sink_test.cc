#include "sinks/alert/alert_sink.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "app/app.h"
#include "config/pipeline_config.h"
#include "support/batch_builder.h"
#include "support/http_recorder.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::sinks {
namespace {

using testing::BatchBuilder;
using testing::HttpRecorder;
using testing::TempDir;
using testing::wait_until;
using namespace std::chrono_literals;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// ---- rule matching ----

std::vector<int> match(const RuleMatcher& m, const BatchBuilder::Fields& fields) {
  BatchBuilder b;
  std::vector<int> hits;
  m.match(b.add(fields), hits);
  return hits;
}

TEST(RuleMatcherTest, SubstringsAndRegexes) {
  auto m = RuleMatcher::compile({
                                    {"oom", "OutOfMemoryError", "", true},
                                    {"panic", "/^panic: .*goroutine \\d+/", "", true},
                                    {"denied", "permission denied", "", false},
                                    {"fatal", "/fatal|critical/i", "", true},
                                    {"ns", "kube-system", "kubernetes.namespace", true},
                                })
               .value();
  EXPECT_EQ(match(m, {{"message", "java.lang.OutOfMemoryError: heap"}}), std::vector<int>({0}));
  EXPECT_EQ(match(m, {{"message", "java.lang.outofmemoryerror"}}), std::vector<int>());
  EXPECT_EQ(match(m, {{"message", "panic: boom goroutine 17 [running]"}}), std::vector<int>({1}));
  EXPECT_EQ(match(m, {{"message", "we had a panic: goroutine 1"}}), std::vector<int>());  // anchored
  EXPECT_EQ(match(m, {{"message", "open /x: Permission Denied"}}), std::vector<int>({2}));
  EXPECT_EQ(match(m, {{"message", "CRITICAL OutOfMemoryError"}}), std::vector<int>({0, 3}));
  // Default field falls back to `log` (kubernetes_logs events).
  EXPECT_EQ(match(m, {{"log", "FATAL: gone"}}), std::vector<int>({3}));
  // `message` wins over `log` when both exist.
  EXPECT_EQ(match(m, {{"message", "fine"}, {"log", "FATAL"}}), std::vector<int>());
  // An explicit field, nested through the dotted path; absent fields never match.
  BatchBuilder b;
  Event& e = b.add({{"message", "x"}});
  Object& k = e.append_object("kubernetes");
  k.set("namespace", e.string_value("kube-system"));
  std::vector<int> hits;
  m.match(e, hits);
  EXPECT_EQ(hits, std::vector<int>({4}));
  EXPECT_EQ(match(m, {{"other", "OutOfMemoryError"}}), std::vector<int>());
}

TEST(RuleMatcherTest, ManyRulesAtOnce) {
  std::vector<RuleSpec> rules;
  for (int i = 0; i < 500; ++i) rules.push_back({"lit" + std::to_string(i), "code-E" + std::to_string(i) + ";", "", true});
  for (int i = 0; i < 500; ++i)
    rules.push_back({"re" + std::to_string(i), "/user=u" + std::to_string(i) + "\\b/", "", true});
  auto m = RuleMatcher::compile(rules).value();
  EXPECT_EQ(match(m, {{"message", "failed code-E17; for user=u42 "}}), std::vector<int>({17, 542}));
  EXPECT_EQ(match(m, {{"message", "code-E499; code-E0; user=u499"}}), std::vector<int>({0, 499, 999}));
  EXPECT_EQ(match(m, {{"message", "code-E500; user=u4999"}}), std::vector<int>());
  // A few case-sensitive literals take the memmem path; same answers.
  auto few = RuleMatcher::compile({{"a", "alpha", "", true}, {"b", "beta", "", true}}).value();
  EXPECT_EQ(match(few, {{"message", "beta alpha"}}), std::vector<int>({0, 1}));
}

TEST(RuleMatcherTest, BadRegexIsAnError) {
  auto m = RuleMatcher::compile({{"bad", "/a(b/", "", true}});
  ASSERT_FALSE(m);
  EXPECT_TRUE(contains(m.error().message, "rule 'bad'")) << m.error().message;
  EXPECT_FALSE(parse_regex_match("plain"));
  EXPECT_EQ(parse_regex_match("/x/i")->pattern, "x");
  EXPECT_TRUE(parse_regex_match("/x/i")->ignore_case);
}

// ---- rate limiter ----

TEST(RateLimiterTest, HoldsBackAndReportsOnce) {
  RateLimiter rl(RateLimit{2, 60s});
  Timestamp t{1'000'000'000'000'000'000};
  auto later = [&](std::chrono::nanoseconds d) { return Timestamp{t.ns + d.count()}; };
  EXPECT_TRUE(rl.admit(t).send);
  EXPECT_TRUE(rl.admit(later(1s)).send);
  for (int i = 0; i < 312; ++i) EXPECT_FALSE(rl.admit(later(2s)).send);
  EXPECT_EQ(rl.take_expired_held(later(59s)), 0);  // window still open
  auto d = rl.admit(later(61s));
  EXPECT_TRUE(d.send);
  EXPECT_EQ(d.suppressed, 312);
  EXPECT_EQ(rl.admit(later(62s)).suppressed, 0);  // reported once
  EXPECT_FALSE(rl.admit(later(63s)).send);
  EXPECT_EQ(rl.take_expired_held(later(120s)), 0);  // the window opened at 61 s
  EXPECT_EQ(rl.take_expired_held(later(121s)), 1);
  EXPECT_EQ(rl.take_expired_held(later(122s)), 0);
  RateLimiter unlimited;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(unlimited.admit(t).send);
}

// ---- the sink ----

struct Harness {
  Metrics metrics;
  FakeClock clock;
  BuildContext ctx{"alerts", metrics, "/tmp", "/tmp", "node1", clock};

  std::unique_ptr<AlertSink> build(AlertSink::Options o) {
    auto sink = AlertSink::build(o, ctx);
    EXPECT_TRUE(sink) << (sink ? "" : sink.error().message);
    return std::unique_ptr<AlertSink>(static_cast<AlertSink*>(sink->release()));
  }
  int64_t metric(const std::string& name) { return metrics.value(name, {{"component", "alerts"}}); }
};

AlertSink::Options webhook_options(const std::string& url) {
  AlertSink::Options o;
  o.rules.push_back({"oom", "OutOfMemory", "", true, {}, {}});
  o.rules.push_back({"panic", "/^panic:/", "", true, {}, {}});
  AlertSink::ActionOptions a;
  a.type = "webhook";
  a.url = url;
  a.timeout = 2s;
  o.actions.push_back(a);
  o.retry.initial_backoff = 10ms;
  o.retry.max_backoff = 50ms;
  return o;
}

TEST(AlertSinkTest, PostsExactlyTheMatchingEvents) {
  HttpRecorder server;
  Harness h;
  auto sink = h.build(webhook_options(server.url("/hook")));
  BatchBuilder b;
  b.add({{"message", "all good"}, {"host", "a"}});
  b.add({{"message", "java.lang.OutOfMemory at line 3"}, {"host", "b"}});
  b.add({{"message", "panic: nil map"}, {"host", "c"}});
  b.add({{"message", "no panic: here"}, {"host", "d"}});
  b.add({{"log", "OutOfMemory in a container"}, {"host", "e"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  sink->wait_idle();
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/hook");
  EXPECT_TRUE(contains(requests[0].body, "\"rule\":\"oom\"")) << requests[0].body;
  EXPECT_TRUE(contains(requests[0].body, "\"host\":\"b\"")) << requests[0].body;
  EXPECT_TRUE(contains(requests[0].body, "\"text\":\"rule 'oom' matched on node1: java.lang.OutOfMemory at line 3\""))
      << requests[0].body;
  EXPECT_TRUE(contains(requests[0].body, "\"matches\":1,\"suppressed\":0")) << requests[0].body;
  EXPECT_TRUE(contains(requests[1].body, "\"rule\":\"panic\"")) << requests[1].body;
  EXPECT_TRUE(contains(requests[1].body, "\"host\":\"c\"")) << requests[1].body;
  EXPECT_TRUE(contains(requests[2].body, "\"host\":\"e\"")) << requests[2].body;
  EXPECT_TRUE(contains(requests[2].body, "\"matches\":2")) << requests[2].body;
  EXPECT_EQ(h.metric("logferry_alert_actions_delivered_total"), 3);
  EXPECT_EQ(h.metrics.value("logferry_alert_matches_total", {{"component", "alerts"}, {"rule", "oom"}}), 2);
}

TEST(AlertSinkTest, RateLimitHoldsBackAndReportsTheCount) {
  HttpRecorder server;
  Harness h;
  auto o = webhook_options(server.url("/hook"));
  o.rules[0].rate_limit = {2, 60s};
  auto sink = h.build(o);
  BatchBuilder b;
  for (int i = 0; i < 10; ++i) b.add({{"message", "OutOfMemory #" + std::to_string(i)}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  h.clock.advance(30s);
  b.reset();
  for (int i = 10; i < 15; ++i) b.add({{"message", "OutOfMemory #" + std::to_string(i)}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  sink->flush();  // window not over yet: no summary
  sink->wait_idle();
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(h.metric("logferry_alert_suppressed_total"), 13);

  h.clock.advance(31s);  // the window (opened at t0) has passed
  b.reset();
  b.add({{"message", "OutOfMemory #15"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  sink->wait_idle();
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_TRUE(contains(requests[2].body, "\"suppressed\":13")) << requests[2].body;
  EXPECT_TRUE(contains(requests[2].body, "OutOfMemory #15 (and 13 more in the last 60 s)")) << requests[2].body;
  EXPECT_TRUE(contains(requests[2].body, "\"matches\":16")) << requests[2].body;

  // Held back with no later match: the summary comes when the window has passed.
  b.reset();
  for (int i = 16; i < 20; ++i) b.add({{"message", "OutOfMemory #" + std::to_string(i)}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);  // 1 sent, 3 held
  h.clock.advance(61s);
  sink->flush();
  sink->wait_idle();
  requests = server.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_TRUE(contains(requests[4].body, "\"suppressed\":3")) << requests[4].body;
  EXPECT_TRUE(contains(requests[4].body, "\"summary\":true")) << requests[4].body;
  EXPECT_TRUE(contains(requests[4].body, "3 more matches in the last 60 s were held back")) << requests[4].body;
}

TEST(AlertSinkTest, RetriesAfterServerErrors) {
  HttpRecorder server;
  server.script({500, 503});
  Harness h;
  auto sink = h.build(webhook_options(server.url("/hook")));
  BatchBuilder b;
  b.add({{"message", "OutOfMemory"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  sink->wait_idle();
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].status, 500);
  EXPECT_EQ(requests[2].status, 200);
  EXPECT_EQ(requests[0].body, requests[2].body);
  EXPECT_EQ(h.metric("logferry_alert_actions_delivered_total"), 1);
  EXPECT_EQ(h.metric("logferry_alert_action_failures_total"), 0);
}

TEST(AlertSinkTest, ClientErrorsAreNotRetried) {
  HttpRecorder server;
  server.script({400});
  Harness h;
  auto sink = h.build(webhook_options(server.url("/hook")));
  BatchBuilder b;
  b.add({{"message", "OutOfMemory"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  sink->wait_idle();
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(h.metric("logferry_alert_action_failures_total"), 1);
}

TEST(AlertSinkTest, DeadWebhookIsCountedAndDoesNotStallForever) {
  Harness h;
  auto o = webhook_options("http://127.0.0.1:" + std::to_string(testing::free_tcp_port()) + "/hook");
  o.retry.max_attempts = 3;
  auto sink = h.build(o);
  BatchBuilder b;
  for (int i = 0; i < 20; ++i) b.add({{"message", "OutOfMemory"}});
  auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  sink->wait_idle();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(h.metric("logferry_alert_action_failures_total"), 20);
  EXPECT_EQ(h.metric("logferry_alert_actions_delivered_total"), 0);
}

TEST(AlertSinkTest, FullQueueAsksForRetryWithoutCountingTwice) {
  TempDir dir;
  Harness h;
  AlertSink::Options o;
  o.rules.push_back({"oom", "OutOfMemory", "", true, {}, {}});
  AlertSink::ActionOptions a;
  a.type = "exec";
  a.command = {"sh", "-c", "cat > /dev/null; touch " + (dir / "started").string() + "; sleep 30"};
  a.timeout = 60s;
  o.actions.push_back(a);
  o.queue_size = 1;
  o.shutdown_timeout = 100ms;
  auto sink = h.build(o);
  BatchBuilder b;
  b.add({{"message", "OutOfMemory 1"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "started"); }));
  b.reset();
  b.add({{"message", "OutOfMemory 2"}});
  EXPECT_EQ(sink->send(b.batch(), {}), Delivery::kRetry);
  EXPECT_EQ(sink->send(b.batch(), {}), Delivery::kRetry);
  EXPECT_EQ(h.metric("logferry_alert_queue_full_total"), 2);
  EXPECT_EQ(h.metrics.value("logferry_alert_matches_total", {{"component", "alerts"}, {"rule", "oom"}}), 1);
  auto started = std::chrono::steady_clock::now();
  sink.reset();  // shutdown_timeout, then the running command is killed
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(AlertSinkTest, ExecGetsTheAlertOnStdinAndTheRuleInItsEnvironment) {
  TempDir dir;
  Harness h;
  AlertSink::Options o;
  o.rules.push_back({"oom", "OutOfMemory", "", true, {}, {"record"}});
  o.rules.push_back({"other", "other", "", true, {}, {"fail"}});
  AlertSink::ActionOptions record;
  record.type = "exec";
  record.name = "record";
  std::string out = (dir / "alerts.jsonl").string();
  record.command = {"sh", "-c", "cat >> " + out + "; echo >> " + out + "; echo \"$LOGFERRY_ALERT_RULE\" >> " +
                                    (dir / "rules.txt").string()};
  AlertSink::ActionOptions fail;
  fail.type = "exec";
  fail.name = "fail";
  fail.command = {"sh", "-c", "echo broken >&2; exit 3"};
  o.actions = {record, fail};
  o.retry.max_attempts = 2;
  o.retry.initial_backoff = 10ms;
  auto sink = h.build(o);
  BatchBuilder b;
  b.add({{"message", "OutOfMemory here"}});
  b.add({{"message", "nothing"}});
  b.add({{"message", "other thing"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  sink->wait_idle();
  std::string alerts = testing::read_file(out);
  EXPECT_TRUE(contains(alerts, "\"rule\":\"oom\"")) << alerts;
  EXPECT_TRUE(contains(alerts, "\"message\":\"OutOfMemory here\"")) << alerts;
  EXPECT_FALSE(contains(alerts, "other thing")) << alerts;
  EXPECT_EQ(testing::read_file(dir / "rules.txt"), "oom\n");
  EXPECT_EQ(h.metric("logferry_alert_action_failures_total"), 1);
}

TEST(AlertSinkTest, ExecTimeoutKillsTheCommand) {
  Harness h;
  AlertSink::Options o;
  o.rules.push_back({"oom", "OutOfMemory", "", true, {}, {}});
  AlertSink::ActionOptions a;
  a.type = "exec";
  a.command = {"sleep", "30"};
  a.timeout = 200ms;
  o.actions.push_back(a);
  o.retry.max_attempts = 1;
  auto sink = h.build(o);
  BatchBuilder b;
  b.add({{"message", "OutOfMemory"}});
  auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  sink->wait_idle();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(h.metric("logferry_alert_action_failures_total"), 1);
}

std::string problems(const std::string& yaml) {
  config::Diagnostics d("test.yaml");
  config::parse_pipeline(yaml, "/tmp", app::registry(), d);
  return d.format();
}

TEST(AlertSinkConfigTest, ValidatesRulesAndActions) {
  EXPECT_EQ(problems(R"(sources:
  in: {type: stdin}
sinks:
  alerts:
    type: alert
    inputs: [in]
    rules:
      - {name: oom, match: OutOfMemoryError, rate_limit: {count: 5, per: 60s}}
      - {name: panic, match: "/^panic: /", field: log, actions: [pager]}
    actions:
      - {type: webhook, url: "http://127.0.0.1:9/hook", headers: {Authorization: "Bearer x"}}
      - {type: exec, name: pager, command: [/usr/local/bin/page, --urgent], timeout: 5s}
)"), "");
  std::string p = problems(R"(sources:
  in: {type: stdin}
sinks:
  alerts:
    type: alert
    inputs: [in]
    rules:
      - {name: bad, match: "/a(b/", actions: [nosuch]}
      - {match: x}
    actions:
      - {type: webhook}
      - {type: carrier-pigeon}
)");
  EXPECT_TRUE(contains(p, "rule 'bad': bad regex")) << p;
  EXPECT_TRUE(contains(p, "unknown action 'nosuch'")) << p;
  EXPECT_TRUE(contains(p, "missing required key 'name'")) << p;
  EXPECT_TRUE(contains(p, "webhook needs a url")) << p;
  EXPECT_TRUE(contains(p, "'carrier-pigeon' is not one of webhook, exec")) << p;
}

}  // namespace
}  // namespace logferry::sinks
