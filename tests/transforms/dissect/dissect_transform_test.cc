// Pins Logstash's dissect behaviour (logstash-filter-dissect spec/filters/dissect_spec.rb and its
// spec/fixtures/dissect_tests.json compatibility suite), failure cases included.
#include "transforms/dissect/dissect_transform.h"

#include <gtest/gtest.h>

#include "transforms/dissect/dissector.h"
#include "transforms/transform_test_util.h"

namespace logferry::transforms {
namespace {

using testing::build_transform;
using testing::option_problems;
using testing::to_json;

class DissectTest : public ::testing::Test {
 protected:
  std::string run(const std::string& yaml) {
    auto t = build_transform<DissectTransform>(yaml, metrics);
    if (!t) return "<build failed>";
    t->apply(batch);
    return to_json(batch.events().at(0));
  }
  // One mapping on "message"; returns the event as JSON.
  std::string dissect(const std::string& mapping, const std::string& message) {
    batch.clear();
    set("message", message);
    auto t = build_transform<DissectTransform>("mapping: {message: " + yaml_quote(mapping) + "}", metrics);
    if (!t) return "<build failed>";
    t->apply(batch);
    return to_json(batch.events().at(0));
  }
  static std::string yaml_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
  Event& event() { return batch.events().empty() ? batch.add() : batch.events()[0]; }
  void set(const std::string& key, std::string_view s) {
    event().append(event().arena().copy(key), event().string_value(s));
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

struct Case {
  const char* name;
  const char* mapping;
  const char* message;
  const char* expected;  // the whole event as JSON
};

// The plugin's compatibility suite (spec/fixtures/dissect_tests.json), one by one.
TEST_F(DissectTest, CompatibilitySuite) {
  const Case cases[] = {
      {"simple", "%{key}", "foobar", R"({"message":"foobar","key":"foobar"})"},
      {"two", "%{key1} %{key2}", "foo bar", R"({"message":"foo bar","key1":"foo","key2":"bar"})"},
      {"one level not end", "/var/%{key}/log", "/var/foobar/log", R"({"message":"/var/foobar/log","key":"foobar"})"},
      {"one level", "/var/%{key}", "/var/foobar/log", R"({"message":"/var/foobar/log","key":"foobar/log"})"},
      {"end of string", "/var/%{key}/log/%{key1}", "/var/foobar/log/apache",
       R"({"message":"/var/foobar/log/apache","key":"foobar","key1":"apache"})"},
      {"not end of string", "/var/%{key}/log/%{key1}.log", "/var/foobar/log/apache.log",
       R"({"message":"/var/foobar/log/apache.log","key":"foobar","key1":"apache"})"},
      {"ordered", "%{+key/3} %{+key/1} %{+key/2}", "1 2 3", R"({"message":"1 2 3","key":"2 3 1"})"},
      {"append", "%{key}-%{+key}-%{+key}", "1-2-3", R"({"message":"1-2-3","key":"1-2-3"})"},
      {"indirect", "%{key} %{&key}", "hello world", R"({"message":"hello world","key":"hello","hello":"world"})"},
      {"skip", "%{} %{key}", "hello world", R"({"message":"hello world","key":"world"})"},
      {"named skip + indirect", "%{?key} %{&key}", "hello world", R"({"message":"hello world","hello":"world"})"},
      {"missing fields", "%{name},%{addr1},%{addr2},%{addr3},%{city},%{zip}",
       "Jane Doe,4321 Fifth Avenue,,,New York,87432",
       R"({"message":"Jane Doe,4321 Fifth Avenue,,,New York,87432","name":"Jane Doe","addr1":"4321 Fifth Avenue","addr2":"","addr3":"","city":"New York","zip":"87432"})"},
      {"right padding", "%{id} %{function->} %{server}", "00000043 ViewReceive     machine-321",
       R"({"message":"00000043 ViewReceive     machine-321","id":"00000043","function":"ViewReceive","server":"machine-321"})"},
      {"left padding", "%{id->} %{function} %{server}", "00000043    ViewReceive machine-321",
       R"({"message":"00000043    ViewReceive machine-321","id":"00000043","function":"ViewReceive","server":"machine-321"})"},
  };
  for (const auto& c : cases) EXPECT_EQ(dissect(c.mapping, c.message), c.expected) << c.name;
}

TEST_F(DissectTest, BasicDissectionWithPadding) {
  dissect("[%{occurred_at}] %{code} %{service->} %{ic} %{svc_message}",
          "[25/05/16 09:10:38:425 BST] 00000001 SystemOut     O java.lang:type=MemoryPool,name=class storage");
  EXPECT_EQ(field("occurred_at"), R"("25/05/16 09:10:38:425 BST")");
  EXPECT_EQ(field("code"), R"("00000001")");
  EXPECT_EQ(field("service"), R"("SystemOut")");
  EXPECT_EQ(field("ic"), R"("O")");
  EXPECT_EQ(field("svc_message"), R"("java.lang:type=MemoryPool,name=class storage")");
  EXPECT_EQ(field("tags"), "<missing>");
}

TEST_F(DissectTest, CsvLikeWithEmptyFieldsAndEmptyRest) {
  dissect(R"([%{occurred_at}] %{code} %{service} values: "%{v1}","%{v2}","%{v3}"%{rest})",
          R"([25/05/16 09:10:38:425 BST] 00000001 SystemOut values: "f1","","f3")");
  EXPECT_EQ(field("v1"), R"("f1")");
  EXPECT_EQ(field("v2"), R"("")");
  EXPECT_EQ(field("v3"), R"("f3")");
  EXPECT_EQ(field("rest"), R"("")");
  EXPECT_EQ(field("tags"), "<missing>");
}

TEST_F(DissectTest, ConvertDatatypeWithIndirectKey) {
  set("message", "[25/05/16 09:10:38:425 BST] 00000001 SystemOut cpu=95.43% java.lang:type=MemoryPool,name=class storage");
  run("mapping: {message: '[%{occurred_at}] %{code} %{service} %{?ic}=%{&ic}% %{svc_message}'}\n"
      "convert_datatype: {cpu: float, code: int}");
  EXPECT_EQ(field("code"), "1");
  EXPECT_EQ(field("cpu"), "95.43");
  EXPECT_EQ(field("service"), R"("SystemOut")");
  EXPECT_EQ(field("svc_message"), R"("java.lang:type=MemoryPool,name=class storage")");
}

TEST_F(DissectTest, MultibyteDelimiters) {
  dissect("[%{occurred_at}]྿྿྿%{code}྿%{service}྿྿྿྿%{?ic}=%{&ic}%྿྿%{svc_message}",
          "[25/05/16 09:10:38:425 BST]྿྿྿00000001྿SystemOut྿྿྿྿cpu=95.43%྿྿java.lang:type=MemoryPool,name=class storage");
  EXPECT_EQ(field("code"), R"("00000001")");
  EXPECT_EQ(field("cpu"), R"("95.43")");
  EXPECT_EQ(field("svc_message"), R"("java.lang:type=MemoryPool,name=class storage")");
}

TEST_F(DissectTest, FailingConversionsAreTagged) {
  set("message", "[25/05/16 09:10:38:425 BST] 00000001 SystemOut cpu=95.43% java.lang");
  event().append("other", Value::object(event().new_object()));
  run("mapping: {message: '[%{occurred_at}] %{code} %{service} %{?ic}=%{&ic}% %{svc_message}'}\n"
      "convert_datatype: {ccu: float, other: int}");
  EXPECT_EQ(field("code"), R"("00000001")");
  EXPECT_EQ(field("tags"), R"(["_dataconversionnullvalue_ccu_float","_dataconversionuncoercible_other_int"])");
}

TEST_F(DissectTest, ConversionOnlyAndLargeNumbers) {
  set("big_number", "43947404257507186289");
  set("small", "-17");
  set("frac", "12.9");
  run("convert_datatype: {big_number: int, small: int, frac: int}");
  EXPECT_EQ(field("small"), "-17");
  EXPECT_EQ(field("frac"), "12");
  // Beyond int64 the value becomes a double (Logstash keeps a BigInteger): a documented deviation.
  const Value* big = batch.events()[0].find(FieldPath::parse("big_number"));
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->kind(), Value::Kind::kDouble);
  EXPECT_DOUBLE_EQ(big->as_double(), 43947404257507186289.0);
  EXPECT_EQ(field("tags"), "<missing>");
}

TEST_F(DissectTest, InvalidDatatypeAndFieldFormatsAreValidateErrors) {
  EXPECT_NE(option_problems<DissectTransform>("convert_datatype: {code: integer}").find("datatype not supported: integer"),
            std::string::npos);
  EXPECT_NE(option_problems<DissectTransform>("mapping: {message: '%{+&timestamp}'}")
                .find("Field cannot prefix with both Append and Indirect Prefix (+&)"),
            std::string::npos);
  EXPECT_NE(option_problems<DissectTransform>("mapping: {message: '%{&+timestamp}'}")
                .find("Field cannot prefix with both Append and Indirect Prefix (&+)"),
            std::string::npos);
  EXPECT_NE(option_problems<DissectTransform>("mapping: {message: 'no fields'}").find("has no %{field}"),
            std::string::npos);
  EXPECT_NE(option_problems<DissectTransform>("mapping: {message: '%{+}'}").find("prefix on its own"),
            std::string::npos);
  EXPECT_EQ(option_problems<DissectTransform>(
                "mapping: {message: '%{+timestamp/2} %{+timestamp/1} %{?no_name} %{&no_name} %{} %{program}[%{pid}]: %{msg}'}"),
            "");
}

TEST_F(DissectTest, SkipAndAppendWithAddField) {
  set("message", "Mar 16 00:01:25 evita skip-this postfix/smtpd[1713]: connect from camomile.cloud9.net[168.100.1.3]");
  run("mapping: {message: '%{timestamp} %{+timestamp} %{+timestamp} %{logsource} %{} %{program}[%{pid}]: %{msg}'}\n"
      "add_field: {favorite_filter: 'why, dissect of course'}");
  EXPECT_EQ(field("tags"), "<missing>");
  EXPECT_EQ(field("timestamp"), R"("Mar 16 00:01:25")");
  EXPECT_EQ(field("logsource"), R"("evita")");
  EXPECT_EQ(field("program"), R"("postfix/smtpd")");
  EXPECT_EQ(field("pid"), R"("1713")");
  EXPECT_EQ(field("msg"), R"("connect from camomile.cloud9.net[168.100.1.3]")");
  EXPECT_EQ(field("favorite_filter"), R"("why, dissect of course")");
}

TEST_F(DissectTest, PlainFieldIsSetBeforeAppends) {
  EXPECT_EQ(dissect("%{+a} %{a} %{+a}", "x y z"), R"({"message":"x y z","a":"y x z"})");
}

TEST_F(DissectTest, RepeatedDelimitersAreNotCollapsedWithoutArrow) {
  EXPECT_EQ(dissect("%{a} %{b} %{c}", "1  2 3"), R"({"message":"1  2 3","a":"1","b":"","c":"2 3"})");
  EXPECT_EQ(dissect("%{a->} %{b} %{c}", "1  2 3"), R"({"message":"1  2 3","a":"1","b":"2","c":"3"})");
}

TEST_F(DissectTest, TextAfterTheLastDelimiterIsIgnored) {
  EXPECT_EQ(dissect("%{a}.log", "x.log.gz"), R"({"message":"x.log.gz","a":"x"})");
}

TEST_F(DissectTest, BracesInDelimiters) {
  EXPECT_EQ(dissect("{%{a}}{%{b}}%{rest}", "{foo}{bar}"),
            R"({"message":"{foo}{bar}","a":"foo","b":"bar","rest":""})");
}

TEST_F(DissectTest, AFailedMatchSetsNothingAndTags) {
  EXPECT_EQ(dissect("%{a} - %{b} - %{c}", "1 - 2 and 3"),
            R"({"message":"1 - 2 and 3","tags":["_dissectfailure"]})");
  EXPECT_EQ(dissect("/var/%{key}", "/usr/foobar"), R"({"message":"/usr/foobar","tags":["_dissectfailure"]})");
  EXPECT_EQ(dissect("%{a}%{b}", "ab"), R"({"message":"ab","tags":["_dissectfailure"]})");  // no delimiter
}

TEST_F(DissectTest, MissingFieldIsNotTaggedEmptyOrNullIs) {
  set("other", "x");
  EXPECT_EQ(run("mapping: {message: '%{a} %{b}'}\nadd_tag: [done]"), R"({"other":"x"})");
  EXPECT_EQ(metrics.value("logferry_dissect_failures_total", {{"component", "t"}}), 1);
  batch.clear();
  set("message", "");
  EXPECT_EQ(run("mapping: {message: '%{a} %{b}'}"), R"({"message":"","tags":["_dissectfailure"]})");
  batch.clear();
  event().append("message", Value());
  EXPECT_EQ(run("mapping: {message: '%{a} %{b}'}"), R"({"message":null,"tags":["_dissectfailure"]})");
}

TEST_F(DissectTest, StarIsAReferenceKeyLikeElasticsearch) {
  EXPECT_EQ(dissect("%{*k}=%{&k} %{*k2}=%{&k2}", "user=ann ip=10.0.0.1"),
            R"({"message":"user=ann ip=10.0.0.1","user":"ann","ip":"10.0.0.1"})");
}

TEST_F(DissectTest, NumbersAreDissectedAsText) {
  event().append("n", Value::integer(12345));
  EXPECT_EQ(run("mapping: {n: '%{a}3%{b}'}"), R"({"n":12345,"a":"12","b":"45"})");
}

TEST_F(DissectTest, IcpPipelineDissects) {
  const std::string id = "3b6c2a9d0e4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819a2b";
  set("source", "/var/log/containers/kube-dns-5d9f8c6b4-x2x7l_kube-system_kubedns-" + id + ".log");
  set("host", "node-1");
  run("mapping: {source: '/var/log/containers/%{kubernetes.pod}_%{kubernetes.namespace}_%{container_file_ext}'}");
  EXPECT_EQ(to_json(batch.events()[0]),
            R"({"source":"/var/log/containers/kube-dns-5d9f8c6b4-x2x7l_kube-system_kubedns-)" + id +
                R"(.log","host":"node-1","kubernetes.pod":"kube-dns-5d9f8c6b4-x2x7l","kubernetes.namespace":"kube-system","container_file_ext":"kubedns-)" +
                id + R"(.log"})");
  auto second = build_transform<DissectTransform>(
      "mapping: {container_file_ext: '%{container}.%{?file_ext}'}\nremove_field: [host, container_file_ext]", metrics);
  second->apply(batch);
  EXPECT_EQ(field("container"), "\"kubedns-" + id + "\"");
  EXPECT_EQ(field("container_file_ext"), "<missing>");
  EXPECT_EQ(field("host"), "<missing>");
  EXPECT_EQ(field("file_ext"), "<missing>");
  EXPECT_EQ(field("kubernetes.pod"), R"("kube-dns-5d9f8c6b4-x2x7l")");
}

TEST_F(DissectTest, AFailedMappingSkipsTheCommonOptions) {
  set("message", "no delimiter here");
  EXPECT_EQ(run("mapping: {message: '%{a}|%{b}'}\nadd_tag: [ok]\nremove_field: [message]"),
            R"({"message":"no delimiter here","tags":["_dissectfailure"]})");
}

TEST(DissectorTest, SuffixesAndOrdinals) {
  auto d = dissect::Dissector::compile("%{a/2->} %{+b/12} %{+c} %{&d} %{?e->} %{f/123}");
  ASSERT_TRUE(d);
  const auto& f = d->fields();
  EXPECT_EQ(f[0].name, "a");
  EXPECT_EQ(f[1].name, "b");
  EXPECT_EQ(f[1].ordinal, 112);
  EXPECT_EQ(f[2].ordinal, 100);
  EXPECT_EQ(f[3].ordinal, 1000);
  EXPECT_EQ(f[4].kind, dissect::DissectField::Kind::kSkip);
  EXPECT_EQ(f[5].name, "f/123");  // a three-digit "ordinal" is part of the name
  std::vector<std::string_view> v;
  ASSERT_TRUE(d->dissect("1   2 3 4 5   6", v));
  EXPECT_EQ(v[0], "1");
  EXPECT_EQ(v[4], "5");
  EXPECT_EQ(v[5], "6");
}

}  // namespace
}  // namespace logferry::transforms
