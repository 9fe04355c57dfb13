// Pins Logstash's grok behaviour (logstash-filter-grok spec/filters/grok_spec.rb, legacy field
// names) on our implementation, failure cases included.
#include "transforms/grok/grok_transform.h"

#include "transforms/dissect/dissect_transform.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"
#include "transforms/transform_test_util.h"

namespace logferry::transforms {
namespace {

using testing::build_transform;
using testing::option_problems;
using testing::to_json;

class GrokTest : public ::testing::Test {
 protected:
  // Runs a grok built from `yaml` over the batch's events; returns the first as JSON.
  std::string run(const std::string& yaml, BuildContext* ctx = nullptr) {
    std::unique_ptr<Transform> t;
    if (ctx != nullptr) {
      GrokTransform::Options o;
      EXPECT_EQ(option_problems<GrokTransform>(yaml, &o), "");
      auto built = GrokTransform::build(o, *ctx);
      EXPECT_TRUE(built) << (built ? "" : built.error().message);
      if (built) t = std::move(*built);
    } else {
      t = build_transform<GrokTransform>(yaml, metrics);
    }
    if (!t) return "<build failed>";
    t->apply(batch);
    return to_json(batch.events().at(0));
  }
  Event& event() { return batch.events().empty() ? batch.add() : batch.events()[0]; }
  void set(const std::string& key, std::string_view s) {
    event().append(event().arena().copy(key), event().string_value(s));
  }
  void set_array(const std::string& key, std::initializer_list<std::string_view> items) {
    Array* a = event().new_array();
    for (auto s : items) a->items.push_back(event().string_value(s));
    event().append(event().arena().copy(key), Value::array(a));
  }
  std::string field(const std::string& path) {
    const Value* v = batch.events().at(0).find(FieldPath::parse(path));
    if (v == nullptr) return "<missing>";
    std::string out;
    append_json(out, *v);
    return out;
  }

  Metrics metrics;
  EventBatch batch;
};

const char* kSyslog =
    "Mar 16 00:01:25 evita postfix/smtpd[1713]: connect from camomile.cloud9.net[168.100.1.3]";

TEST_F(GrokTest, SyslogLineWithOverwrite) {
  set("message", kSyslog);
  run("match: {message: '%{SYSLOGLINE}'}\noverwrite: [message]");
  EXPECT_EQ(field("tags"), "<missing>");
  EXPECT_EQ(field("logsource"), R"("evita")");
  EXPECT_EQ(field("timestamp"), R"("Mar 16 00:01:25")");
  EXPECT_EQ(field("message"), R"("connect from camomile.cloud9.net[168.100.1.3]")");
  EXPECT_EQ(field("program"), R"("postfix/smtpd")");
  EXPECT_EQ(field("pid"), R"("1713")");
}

TEST_F(GrokTest, WithoutOverwriteACaptureIntoAStringMakesAnArray) {
  set("message", kSyslog);
  run("match: {message: '%{SYSLOGLINE}'}");
  EXPECT_EQ(field("message"),
            std::string("[\"") + kSyslog + R"(","connect from camomile.cloud9.net[168.100.1.3]"])");
}

TEST_F(GrokTest, TargetAndDeepTarget) {
  set("message", kSyslog);
  run("match: {message: '%{SYSLOGLINE}'}\ntarget: grok");
  EXPECT_EQ(field("message"), std::string("\"") + kSyslog + "\"");
  EXPECT_EQ(field("[grok][timestamp]"), R"("Mar 16 00:01:25")");
  EXPECT_EQ(field("[grok][pid]"), R"("1713")");
  batch.clear();
  set("message", kSyslog);
  run("match: {message: '%{SYSLOGLINE}'}\ntarget: '[@metadata][grok]'");
  EXPECT_EQ(field("grok"), "<missing>");
  EXPECT_EQ(field("[@metadata][grok][logsource]"), R"("evita")");
}

TEST_F(GrokTest, Syslog5424Lines) {
  set("message", "<191>1 2009-06-30T18:30:00+02:00 paxton.local grokdebug 4123 - [id1 foo=\"bar\"][id2 baz=\"something\"] Hello, syslog.");
  run("match: {message: '%{SYSLOG5424LINE}'}");
  EXPECT_EQ(field("tags"), "<missing>");
  EXPECT_EQ(field("syslog5424_pri"), R"("191")");
  EXPECT_EQ(field("syslog5424_ver"), R"("1")");
  EXPECT_EQ(field("syslog5424_ts"), R"("2009-06-30T18:30:00+02:00")");
  EXPECT_EQ(field("syslog5424_host"), R"("paxton.local")");
  EXPECT_EQ(field("syslog5424_app"), R"("grokdebug")");
  EXPECT_EQ(field("syslog5424_proc"), R"("4123")");
  EXPECT_EQ(field("syslog5424_msgid"), "<missing>");
  EXPECT_EQ(field("syslog5424_sd"), R"("[id1 foo=\"bar\"][id2 baz=\"something\"]")");
  EXPECT_EQ(field("syslog5424_msg"), R"("Hello, syslog.")");
  batch.clear();
  set("message", "<30>1 2014-04-04T16:44:07+02:00 osctrl01 - 8048 - -  Appname is nil");
  run("match: {message: '%{SYSLOG5424LINE}'}");
  EXPECT_EQ(field("syslog5424_app"), "<missing>");
  EXPECT_EQ(field("syslog5424_proc"), R"("8048")");
  EXPECT_EQ(field("syslog5424_sd"), "<missing>");
  EXPECT_EQ(field("syslog5424_msg"), R"("Appname is nil")");
}

TEST_F(GrokTest, ArrayInputIsMatchedElementByElement) {
  set_array("message", {"hello 12345", "world 23456"});
  run("match: {message: '(?:hello|world) %{NUMBER:num}'}");
  EXPECT_EQ(field("num"), R"(["12345","23456"])");
}

TEST_F(GrokTest, IntAndFloatCoercion) {
  set("message", "400 454.33");
  run("match: {message: '%{NUMBER:foo:int} %{NUMBER:bar:float}'}");
  EXPECT_EQ(field("foo"), "400");
  EXPECT_EQ(field("bar"), "454.33");
}

TEST_F(GrokTest, InlineDefinitionWithNamedCapturesOnlyFalse) {
  set("message", "hello 1234");
  run("match: {message: '%{FIZZLE=\\d+}'}\nnamed_captures_only: false");
  EXPECT_EQ(field("FIZZLE"), R"("1234")");
}

TEST_F(GrokTest, SeveralFieldsWithBreakOnMatchFalse) {
  set("message", "hello world");
  set("examplefield", "12345");
  run("match: {message: '%{WORD:word}', examplefield: '%{NUMBER:num}'}\nbreak_on_match: false");
  EXPECT_EQ(field("word"), R"("hello")");
  EXPECT_EQ(field("num"), R"("12345")");
}

TEST_F(GrokTest, AddFieldOnlyOnMatchAndFailureTagOtherwise) {
  set("message", "matchme 1234");
  run("match: {message: 'matchme %{NUMBER:fancy}'}\nadd_field: {new_field: '%{fancy}'}");
  EXPECT_EQ(field("tags"), "<missing>");
  EXPECT_EQ(field("new_field"), R"("1234")");
  batch.clear();
  set("message", "this will not be matched");
  run("match: {message: 'matchme %{NUMBER:fancy}'}\nadd_field: {new_field: '%{fancy}'}");
  EXPECT_EQ(field("tags"), R"(["_grokparsefailure"])");
  EXPECT_EQ(field("new_field"), "<missing>");
}

TEST_F(GrokTest, EmptyCapturesDroppedUnlessKept) {
  set("message", "1=test");
  run("match: {message: '1=%{WORD:foo1} *(2=%{WORD:foo2})?'}");
  EXPECT_EQ(field("foo1"), R"("test")");
  EXPECT_EQ(field("foo2"), "<missing>");
  batch.clear();
  set("message", "1=test");
  run("match: {message: '1=%{WORD:foo1} *(2=%{WORD:foo2})?'}\nkeep_empty_captures: true");
  EXPECT_EQ(field("foo2"), "null");
  EXPECT_EQ(field("tags"), "<missing>");
}

TEST_F(GrokTest, NamedCapturesOnlyFalseKeepsPatternNames) {
  set("message", "Hello World, yo!");
  run("match: {message: 'Hello %{WORD}. %{WORD:foo}'}\nnamed_captures_only: false");
  EXPECT_EQ(field("WORD"), R"("World")");
  EXPECT_EQ(field("foo"), R"("yo")");
}

TEST_F(GrokTest, OnigurumaNamedCaptures) {
  set("message", "hello world");
  run(R"(match: {message: '(?<foo>\w+)'})");
  EXPECT_EQ(field("foo"), R"("hello")");
  batch.clear();
  set("message", "fancy 12-12-12 12:12:12");
  run("match: {message: '(?<timestamp>%{DATE_EU} %{TIME})'}");
  EXPECT_EQ(field("timestamp"), R"("12-12-12 12:12:12")");
  EXPECT_EQ(field("tags"), "<missing>");
}

TEST_F(GrokTest, NumbersAreMatchedAsTheirText) {
  event().append("status", Value::integer(403));
  run("match: {status: '^403$'}\nadd_tag: four_oh_three");
  EXPECT_EQ(field("tags"), R"(["four_oh_three"])");
  batch.clear();
  event().append("version", Value::number(1.0));
  run("match: {version: '^1.0$'}\nadd_tag: one_point_oh");
  EXPECT_EQ(field("tags"), R"(["one_point_oh"])");
}

TEST_F(GrokTest, EveryLogLevelName) {
  for (const char* level :
       {"trace", "Trace", "TRACE", "debug", "Debug", "DEBUG", "notice", "Notice", "info", "Info",
        "INFO", "warn", "warning", "Warn", "Warning", "WARN", "WARNING", "err", "error", "Err",
        "Error", "ERR", "ERROR", "crit", "critical", "Crit", "Critical", "CRIT", "CRITICAL", "fatal",
        "Fatal", "FATAL", "severe", "Severe", "SEVERE", "emerg", "emergency", "Emerg", "Emergency",
        "EMERG", "EMERGENCY"}) {
    batch.clear();
    set("message", std::string(level) + ": error!");
    run("match: {message: '%{LOGLEVEL:level}: error!'}");
    EXPECT_EQ(field("level"), "\"" + std::string(level) + "\"");
  }
}

TEST_F(GrokTest, PathologicalRegexIsTaggedAsTimeoutNotFailure) {
  set("message", std::string(68, 'a'));
  run("match: {message: '(.*a){30}'}\ntimeout_millis: 100");
  EXPECT_EQ(field("tags"), R"(["_groktimeout"])");
  EXPECT_EQ(metrics.value("logferry_grok_timeouts_total", {{"component", "t"}}), 1);
}

TEST_F(GrokTest, CustomFailureTag) {
  set("message", "this will not be matched");
  run("match: {message: 'matchme %{NUMBER:fancy}'}\ntag_on_failure: not_a_match");
  EXPECT_EQ(field("tags"), R"(["not_a_match"])");
}

TEST_F(GrokTest, CapturesTheWholeTextAndDashedNames) {
  set("message", "11/01/01");
  run("match: {message: '%{DATE_EU:stimestamp}'}");
  EXPECT_EQ(field("stimestamp"), R"("11/01/01")");
  batch.clear();
  set("message", "hello world");
  run("match: {message: '%{WORD:foo-bar}'}");
  EXPECT_EQ(field("foo-bar"), R"("hello")");
}

TEST_F(GrokTest, DuplicateNamesInAlternativesGiveOneString) {
  set("message", "hello world");
  run("match: {message: '%{INT:foo}|%{WORD:foo}'}");
  EXPECT_EQ(field("foo"), R"("hello")");
  batch.clear();
  set("message", "123 world");
  run("match: {message: '%{INT:foo}|%{WORD:foo}'}");
  EXPECT_EQ(field("foo"), R"("123")");
}

TEST_F(GrokTest, BreakOnMatchStopsAtTheFirstMatchingField) {
  set("message", "hello world 123");
  set("somefield", "testme abc 999");
  run("match: {message: '%{INT:foo}', somefield: '%{INT:bar}'}");
  EXPECT_EQ(field("foo"), R"("123")");
  EXPECT_EQ(field("bar"), "<missing>");
  batch.clear();
  set("message", "hello world 123");
  set("somefield", "testme abc 999");
  run("match: {message: '%{INT:foo}', somefield: '%{INT:bar}'}\nbreak_on_match: false");
  EXPECT_EQ(field("bar"), R"("999")");
}

TEST_F(GrokTest, ArrayInputsWithSeveralPatterns) {
  const char* both = "match: {message: ['%{INT:foo}', '%{WORD:bar}']}";
  set_array("message", {"hello world 123", "line 23"});
  run(both);
  EXPECT_EQ(field("foo"), R"(["123","23"])");
  EXPECT_EQ(field("bar"), "<missing>");
  batch.clear();
  set_array("message", {"hello world", "line 23"});
  run(both);
  EXPECT_EQ(field("bar"), R"("hello")");
  EXPECT_EQ(field("foo"), R"("23")");
  EXPECT_EQ(field("tags"), "<missing>");
  batch.clear();
  set_array("message", {"hello world", "line 23"});
  run(std::string(both) + "\nbreak_on_match: false");
  EXPECT_EQ(field("bar"), R"(["hello","line"])");
  EXPECT_EQ(field("foo"), R"("23")");
  EXPECT_EQ(field("tags"), "<missing>");
  batch.clear();
  set_array("message", {"hello world 123", "abc"});
  run("match: {message: '%{INT:foo}'}\nbreak_on_match: false");
  EXPECT_EQ(field("foo"), R"("123")");
  EXPECT_EQ(field("tags"), "<missing>");
}

TEST_F(GrokTest, NilCoercedValues) {
  const char* p = "match: {message: 'test (N/A|%{BASE10NUM:duration:float}ms)'}";
  set("message", "test 28.4ms");
  run(p);
  EXPECT_EQ(field("duration"), "28.4");
  batch.clear();
  set("message", "test N/A");
  run(p);
  EXPECT_EQ(field("duration"), "<missing>");
  EXPECT_EQ(field("tags"), "<missing>");
  batch.clear();
  set("message", "test abc");
  run(p);
  EXPECT_EQ(field("tags"), R"(["_grokparsefailure"])");
  batch.clear();
  set("message", "test N/A");
  run(std::string(p) + "\nkeep_empty_captures: true");
  EXPECT_EQ(field("duration"), "null");
}

TEST_F(GrokTest, PatternDefinitionsAddAndOverride) {
  set("message", "Mon Dec 26 16:22:08 2016 error 2020");
  run(R"(
match: {message: '%{APACHE_TIME:timestamp} %{LOGLEVEL:level} %{MY_PATTERN:hindsight}'}
pattern_definitions: {APACHE_TIME: '%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{YEAR}', MY_PATTERN: '%{YEAR}'}
)");
  EXPECT_EQ(field("timestamp"), R"("Mon Dec 26 16:22:08 2016")");
  EXPECT_EQ(field("level"), R"("error")");
  EXPECT_EQ(field("hindsight"), R"("2020")");
  batch.clear();
  set("message", "Mon Dec 26 16:22:08 2016 9999");
  run(R"(
match: {message: '%{APACHE_TIME:timestamp} %{LOGLEVEL:level}'}
pattern_definitions: {APACHE_TIME: '%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{YEAR}', LOGLEVEL: '%{NUMBER}'}
)");
  EXPECT_EQ(field("level"), R"("9999")");
}

TEST_F(GrokTest, PatternsDirWithGlobOverridesBuiltins) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "grok.pattern") << "WORD \\b[0-1]\\b\n";
  std::ofstream(dir.path() / "grok.pattern.old") << "WORD \\b[2-5]\\b\n";
  std::filesystem::create_directory(dir.path() / "subdir");
  BuildContext ctx{"t", metrics, {}, dir.path(), "node"};
  set("message", "0");
  run("patterns_dir: ['.']\npatterns_files_glob: '*.pattern'\nmatch: {message: '%{WORD:word}'}", &ctx);
  EXPECT_EQ(field("word"), R"("0")");
  batch.clear();
  set("message", "hello");
  run("patterns_dir: ['.']\nmatch: {message: '%{WORD:word}'}", &ctx);  // "*": both files, .old last
  EXPECT_EQ(field("tags"), R"(["_grokparsefailure"])");
}

TEST_F(GrokTest, BreakOnMatchFalseCountsTheLastPatternOfAField) {
  // LOGSTASH-1547: every pattern runs; Logstash's Matcher returns the last one's result.
  const char* p = "match: {message: ['%{GREEDYDATA:name1}beard', 'tree%{GREEDYDATA:name2}']}\nbreak_on_match: false";
  set("message", "treebranch");
  run(p);
  EXPECT_EQ(field("name2"), R"("branch")");
  EXPECT_EQ(field("tags"), "<missing>");
  batch.clear();
  set("message", "bushbeard");
  run(p);
  EXPECT_EQ(field("name1"), R"("bush")");
  EXPECT_EQ(field("tags"), R"(["_grokparsefailure"])");
  batch.clear();
  set("message", "treebeard");
  run(p);
  EXPECT_EQ(field("name1"), R"("tree")");
  EXPECT_EQ(field("name2"), R"("beard")");
}

TEST_F(GrokTest, AMissingFieldIsMatchedAsEmptyText) {
  set("message", "x");
  run("match: {nope: '^$'}\nadd_tag: empty");
  EXPECT_EQ(field("tags"), R"(["empty"])");
  batch.clear();
  set("message", "x");
  run("match: {nope: '%{WORD:w}'}");
  EXPECT_EQ(field("tags"), R"(["_grokparsefailure"])");
}

TEST_F(GrokTest, IcpContainerNameAndIdAsDottedTopLevelKeys) {
  const std::string id = "3b6c2a9d0e4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819a2b";
  set("container", "kubedns-sidecar-" + id);
  std::string out = run(R"(
match: {container: '^%{DATA:kubernetes.container_name}-(?<kubernetes.container_id>[0-9A-Za-z]{64,64})'}
remove_field: [container]
)");
  EXPECT_EQ(out, R"({"kubernetes.container_name":"kubedns-sidecar","kubernetes.container_id":")" + id + "\"}");
}

// The filter block of IBM Cloud Private's k8s.conf, after its mutate: two dissects, then grok.
TEST_F(GrokTest, IcpFilterChainFromSourcePathToContainerFields) {
  const std::string id = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
  set("source", "/var/log/containers/nginx-ingress-lb-7kx2p_kube-system_nginx-ingress-lb-" + id + ".log");
  set("host", "worker-1");
  set("log", "GET /healthz 200");
  auto first = build_transform<DissectTransform>(
      "mapping: {source: '/var/log/containers/%{kubernetes.pod}_%{kubernetes.namespace}_%{container_file_ext}'}",
      metrics);
  auto second = build_transform<DissectTransform>(
      "mapping: {container_file_ext: '%{container}.%{?file_ext}'}\nremove_field: [host, container_file_ext]",
      metrics);
  first->apply(batch);
  second->apply(batch);
  std::string out = run(R"(
match: {container: '^%{DATA:kubernetes.container_name}-(?<kubernetes.container_id>[0-9A-Za-z]{64,64})'}
remove_field: [container]
)");
  EXPECT_EQ(out, R"({"source":"/var/log/containers/nginx-ingress-lb-7kx2p_kube-system_nginx-ingress-lb-)" + id +
                     R"(.log","log":"GET /healthz 200","kubernetes.pod":"nginx-ingress-lb-7kx2p",)"
                     R"("kubernetes.namespace":"kube-system","kubernetes.container_name":"nginx-ingress-lb",)"
                     R"("kubernetes.container_id":")" + id + "\"}");
}

TEST_F(GrokTest, BracketCaptureNamesNest) {
  set("message", "GET 200");
  run("match: {message: '%{WORD:[http][verb]} %{INT:[http][status]:int}'}");
  EXPECT_EQ(field("http"), R"({"verb":"GET","status":200})");
}

TEST_F(GrokTest, ExistingNonStringValuesAreLeftAlone) {
  event().append("n", Value::integer(7));
  set("message", "42");
  run("match: {message: '%{INT:n}'}");
  EXPECT_EQ(field("n"), "7");
}

TEST_F(GrokTest, CombinedApacheLogOnRealLines) {
  const char* p = "match: {message: '%{COMBINEDAPACHELOG}'}";
  set("message", R"(83.149.9.216 - - [24/Feb/2015:23:13:42 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36")");
  std::string out = run(p);
  EXPECT_EQ(field("clientip"), R"("83.149.9.216")");
  EXPECT_EQ(field("ident"), R"("-")");
  EXPECT_EQ(field("auth"), R"("-")");
  EXPECT_EQ(field("timestamp"), R"("24/Feb/2015:23:13:42 +0000")");
  EXPECT_EQ(field("verb"), R"("GET")");
  EXPECT_EQ(field("request"), R"("/presentations/logstash-monitorama-2013/images/kibana-search.png")");
  EXPECT_EQ(field("httpversion"), R"("1.1")");
  EXPECT_EQ(field("response"), R"("200")");
  EXPECT_EQ(field("bytes"), R"("203023")");
  EXPECT_EQ(field("referrer"), R"("\"http://semicomplete.com/presentations/logstash-monitorama-2013/\"")");
  EXPECT_EQ(field("agent"), R"("\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36\"")");
  EXPECT_EQ(field("rawrequest"), "<missing>");
  EXPECT_EQ(field("tags"), "<missing>");

  batch.clear();  // email ident, empty referrer, status 400
  set("message", R"(10.0.0.1 - username@example.com [07/Apr/2016:18:42:24 +0000] "GET /bar/foo/users/1/username%40example.com/authenticate?token=blargh&client_id=15 HTTP/1.1" 400 75 "" "Mozilla/5.0 (iPad; CPU OS 9_3_1 like Mac OS X) AppleWebKit/601.1.46 (KHTML, like Gecko) Version/9.0 Mobile/13E238 Safari/601.1")");
  run(p);
  EXPECT_EQ(field("auth"), R"("username@example.com")");
  EXPECT_EQ(field("referrer"), R"("\"\"")");
  EXPECT_EQ(field("response"), R"("400")");

  batch.clear();  // no response code, IPv6 client
  set("message", R"x(2001:db8::1 - a.user [11/Jan/2020:23:05:27 +0100] "OPTIONS /remote.php/ HTTP/1.1" - 7908 "-" "monitoring-client (v2.2)")x");
  run(p);
  EXPECT_EQ(field("clientip"), R"("2001:db8::1")");
  EXPECT_EQ(field("auth"), R"("a.user")");
  EXPECT_EQ(field("verb"), R"("OPTIONS")");
  EXPECT_EQ(field("response"), "<missing>");
  EXPECT_EQ(field("bytes"), R"("7908")");

  batch.clear();  // a request line that is not METHOD PATH: rawrequest
  set("message", R"(192.168.1.5 - - [02/Dec/2026:05:00:00 +0000] "\x16\x03\x01" 400 226 "-" "-")");
  run(p);
  EXPECT_EQ(field("rawrequest"), R"("\\x16\\x03\\x01")");
  EXPECT_EQ(field("verb"), "<missing>");
}

TEST_F(GrokTest, HttpdErrorLogs) {
  const char* p = "match: {message: '%{HTTPD_ERRORLOG}'}";
  const std::string v24 =
      "[Mon Aug 31 09:30:48.958285 2015] [proxy_fcgi:error] [pid 28787:tid 140169587934976] (70008)Partial "
      "results are valid but processing is incomplete: [client 58.13.45.166:59307] AH01075: Error dispatching "
      "request to : (reading input brigade), referer: http://example.com/index.php?id_product=11&controller=product";
  set("message", v24);
  run(p);
  EXPECT_EQ(field("timestamp"), R"("Mon Aug 31 09:30:48.958285 2015")");
  EXPECT_EQ(field("module"), R"("proxy_fcgi")");
  EXPECT_EQ(field("loglevel"), R"("error")");
  EXPECT_EQ(field("pid"), R"("28787")");
  EXPECT_EQ(field("tid"), R"("140169587934976")");
  EXPECT_EQ(field("proxy_errorcode"), R"("70008")");
  EXPECT_EQ(field("proxy_message"), R"("Partial results are valid but processing is incomplete")");
  EXPECT_EQ(field("clientip"), R"("58.13.45.166")");
  EXPECT_EQ(field("clientport"), R"("59307")");
  EXPECT_EQ(field("errorcode"), R"("AH01075")");
  EXPECT_EQ(field("message"), "[\"" + v24 + R"(","Error dispatching request to : (reading input brigade), referer: http://example.com/index.php?id_product=11&controller=product"])");
  batch.clear();
  set("message", "[Mon Aug 31 16:27:04 2015] [error] [client 10.17.42.3] Premature end of script headers: example.com");
  run(p);
  EXPECT_EQ(field("timestamp"), R"("Mon Aug 31 16:27:04 2015")");
  EXPECT_EQ(field("loglevel"), R"("error")");
  EXPECT_EQ(field("clientip"), R"("10.17.42.3")");
  EXPECT_EQ(field("errorcode"), "<missing>");
}

TEST_F(GrokTest, JavaStackTraceAndCatalina) {
  set("message", "  at com.sample.stacktrace.StackTraceExample.aMethod(StackTraceExample.java:42)");
  run("match: {message: '%{JAVASTACKTRACEPART}'}");
  EXPECT_EQ(field("class"), R"("com.sample.stacktrace.StackTraceExample")");
  EXPECT_EQ(field("method"), R"("aMethod")");
  EXPECT_EQ(field("file"), R"("StackTraceExample.java")");
  EXPECT_EQ(field("line"), R"("42")");
  batch.clear();
  set("message", "Dec 30, 2020 11:30:40 AM org.apache.struts.util.PropertyMessageResources <init>\nINFO: Initializing");
  run("match: {message: '%{CATALINALOG}'}");
  EXPECT_EQ(field("timestamp"), R"("Dec 30, 2020 11:30:40 AM")");
  EXPECT_EQ(field("class"), R"("org.apache.struts.util.PropertyMessageResources")");
  EXPECT_EQ(field("logmessage"), R"("<init>\nINFO: Initializing")");  // GREEDY across lines: dot-all
}

TEST_F(GrokTest, NetworkAndNumberPatterns) {
  auto matches = [this](const std::string& pattern, const std::string& text) {
    batch.clear();
    set("message", text);
    run("match: {message: '^%{" + pattern + ":v}$'}");
    const Value* v = batch.events()[0].find(FieldPath::parse("v"));
    return v != nullptr && v->is_string() && v->as_string() == text;
  };
  for (const char* ip : {"::1", "fe80::1%eth0", "2001:db8:85a3::8a2e:370:7334", "::ffff:192.168.1.1",
                         "1:2:3:4:5:6:7:8", "1::", "1:2:3:4:5:6:1.2.3.4"})
    EXPECT_TRUE(matches("IPV6", ip)) << ip;
  EXPECT_TRUE(matches("IPV4", "255.255.255.255"));
  EXPECT_FALSE(matches("IPV4", "256.1.1.1"));
  EXPECT_TRUE(matches("IPORHOST", "example.com"));
  EXPECT_TRUE(matches("MAC", "00:1a:2B:3c:4d:5e"));
  EXPECT_TRUE(matches("MAC", "001a.2b3c.4d5e"));
  EXPECT_TRUE(matches("UUID", "123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_TRUE(matches("URI", "https://user:pw@example.com:8443/a/b.html?x=1&y=[2]"));
  EXPECT_TRUE(matches("QUOTEDSTRING", R"("say \"hi\"")"));
  EXPECT_TRUE(matches("QUOTEDSTRING", "''"));
  EXPECT_TRUE(matches("NUMBER", "-12.5"));
  EXPECT_TRUE(matches("TIMESTAMP_ISO8601", "2024-05-01T12:00:00.123+02:00"));
  EXPECT_TRUE(matches("UNIXPATH", "/var/log/caf\xc3\xa9/app.log"));
  EXPECT_TRUE(matches("WINPATH", "C:\\Windows\\system32"));
  EXPECT_TRUE(matches("SYSLOGTIMESTAMP", "Jan  4 07:50:46"));
  EXPECT_TRUE(matches("HTTPDATE", "07/Apr/2016:18:42:24 +0000"));
  EXPECT_TRUE(matches("MONTH", "M\xc3\xa4rz"));
}

TEST_F(GrokTest, UnknownPatternAndBadRegexAreValidateErrors) {
  std::string p = option_problems<GrokTransform>("match: {message: '%{IP:client} %{NOPE:x}'}");
  EXPECT_NE(p.find("pattern %{NOPE:x} not defined"), std::string::npos) << p;
  EXPECT_NE(p.find("t.yaml:1"), std::string::npos) << p;
  p = option_problems<GrokTransform>("match: {message: '(unclosed'}");
  EXPECT_NE(p.find("invalid regex"), std::string::npos) << p;
  p = option_problems<GrokTransform>("match: {message: '%{A}'}\npattern_definitions: {A: '%{B}', B: '%{A}'}");
  EXPECT_NE(p.find("pattern recursion"), std::string::npos) << p;
  // With patterns_dir, names may come from its files (read at build): no validate error.
  EXPECT_EQ(option_problems<GrokTransform>("match: {message: '%{MINE}'}\npatterns_dir: [p]"), "");
  EXPECT_NE(option_problems<GrokTransform>("ecs_compatibility: v1").find("not one of"), std::string::npos);
}

TEST_F(GrokTest, FlatListMatchAndMetrics) {
  set("message", "Failed password for testuser from 1.1.1.1 port 22");
  run(R"(
match: [message, 'Failed password for (invalid user |)%{USERNAME:username} from %{IP:src_ip} port %{BASE10NUM:port}']
remove_field: [message, severity]
add_tag: [ssh_failure]
)");
  EXPECT_EQ(to_json(batch.events()[0]),
            R"({"username":"testuser","src_ip":"1.1.1.1","port":"22","tags":["ssh_failure"]})");
  EXPECT_EQ(metrics.value("logferry_grok_matches_total", {{"component", "t"}}), 1);
}

}  // namespace
}  // namespace logferry::transforms
