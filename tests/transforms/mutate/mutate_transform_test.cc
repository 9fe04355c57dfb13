#include "transforms/mutate/mutate_transform.h"

#include <gtest/gtest.h>

#include "core/time_util.h"
#include "transforms/transform_test_util.h"

namespace logferry::transforms {
namespace {

using testing::build_transform;
using testing::option_problems;
using testing::to_json;

class MutateTest : public ::testing::Test {
 protected:
  // Applies a mutate built from `yaml` to one event made from `fields` (JSON-ish setup below)
  // and returns the event as JSON.
  std::string run(const std::string& yaml) {
    auto m = build_transform<MutateTransform>(yaml, metrics);
    if (!m) return "<build failed>";
    m->apply(batch);
    return to_json(batch.events().at(0));
  }
  Event& event() { return batch.events().empty() ? batch.add() : batch.events()[0]; }
  void set(const std::string& path, Value v) { event().set(FieldPath::parse(path), v); }
  void set_string(const std::string& path, std::string_view s) {
    set(path, event().string_value(s));
  }
  Value array_of(std::initializer_list<Value> items) {
    Array* a = event().new_array();
    for (const auto& v : items) a->items.push_back(v);
    return Value::array(a);
  }

  Metrics metrics;
  EventBatch batch;
};

TEST_F(MutateTest, AddFieldWithTemplatesInNamesAndValues) {
  set_string("message", "hello");
  set_string("app", "web");
  set_string("kubernetes.namespace", "prod");
  EXPECT_EQ(run(R"(
add_field:
  "from_%{app}": "%{kubernetes.namespace}/%{message}"
  "[meta][static]": "constant"
  "missing_%{nope}": "x %{nope}"
)"),
            R"({"message":"hello","app":"web","kubernetes":{"namespace":"prod"},)"
            R"("from_web":"prod/hello","meta":{"static":"constant"},"missing_%{nope}":"x %{nope}"})");
}

TEST_F(MutateTest, AddFieldToExistingFieldMakesAnArray) {
  set_string("a", "one");
  set("list", array_of({Value::string("x")}));
  EXPECT_EQ(run("add_field: {a: two, list: y}"), R"({"a":["one","two"],"list":["x","y"]})");
}

TEST_F(MutateTest, DynamicNamesAreCachedAcrossEvents) {
  auto m = build_transform<MutateTransform>(R"(add_field: {"f_%{k}": "%{v}"})", metrics);
  for (int i = 0; i < 3; ++i) {
    Event& e = batch.add();
    e.append("k", Value::string(i % 2 ? "odd" : "even"));
    e.append("v", Value::integer(i));
  }
  m->apply(batch);
  EXPECT_EQ(to_json(batch.events()[0]), R"({"k":"even","v":0,"f_even":"0"})");
  EXPECT_EQ(to_json(batch.events()[1]), R"({"k":"odd","v":1,"f_odd":"1"})");
  EXPECT_EQ(to_json(batch.events()[2]), R"({"k":"even","v":2,"f_even":"2"})");
}

TEST_F(MutateTest, RenameKeepsDocumentOrderAndSupportsNestedAndTemplates) {
  set_string("a", "1");
  set_string("kind", "x");
  set_string("src.ip", "10.0.0.1");
  EXPECT_EQ(run(R"(
rename:
  a: b
  b: c
  "[src][ip]": "client.ip"
  kind: "kind_%{c}"
  missing: whatever
)"),
            R"({"src":{},"c":"1","client":{"ip":"10.0.0.1"},"kind_1":"x"})");
}

TEST_F(MutateTest, UpdateOnlyExistingReplaceAlways) {
  set_string("message", "old");
  set("code", Value::integer(5));
  EXPECT_EQ(run(R"(
update: {message: "new %{code}", absent: "not created"}
replace: {code: "c=%{code}", created: "yes"}
)"),
            R"({"message":"new 5","code":"c=5","created":"yes"})");
}

TEST_F(MutateTest, CoerceSetsOnlyNullFields) {
  set("nul", Value());
  set_string("full", "keep");
  EXPECT_EQ(run("coerce: {nul: default, full: nope, absent: nope}"),
            R"({"nul":"default","full":"keep"})");
}

TEST_F(MutateTest, ConvertTypes) {
  set_string("i", " 1,234 ");
  set_string("f", "2.5");
  set_string("hex", "0x1A");
  set_string("trunc", "12.9");
  set_string("eu", "1.234,5");
  set("n", Value::integer(42));
  set("d", Value::number(3.0));
  set_string("yes", "Yes");
  set_string("zero", "0");
  set("b", Value::boolean(true));
  set("list", array_of({Value::string("1"), Value::string("2")}));
  EXPECT_EQ(run(R"(
convert:
  i: integer
  f: float
  hex: integer
  trunc: integer
  eu: float_eu
  n: string
  d: string
  yes: boolean
  zero: boolean
  b: integer
  list: integer
  absent: integer
)"),
            R"({"i":1234,"f":2.5,"hex":26,"trunc":12,"eu":1234.5,"n":"42","d":"3.0",)"
            R"("yes":true,"zero":false,"b":1,"list":[1,2]})");
  EXPECT_EQ(metrics.value("logferry_mutate_failures_total", {{"component", "t"}}), 0);
}

// mutate_spec "to integer"/"to float" (Logstash 8.14+): number text is read exactly.
TEST_F(MutateTest, ConvertNumbersExactlyAsTheStrictPlugin) {
  set_string("a", "9007199254740993.0");
  set_string("b", "9.007199254740993e+15");
  set_string("c", "680564693277057720000000000000000000000.0");
  set_string("d", "0x1.8p+1");
  set("e", Value::number(2.147483648E9));
  set_string("f", "-0x1A");
  set_string("g", "1.230000e+02");
  set("h", Value::decimal("1478207457.456"));
  set("i", Value::number(1e20));
  EXPECT_EQ(run(R"(
convert: {a: integer, b: integer, c: integer, d: integer, e: integer, f: float, g: float,
          h: integer, i: string}
)"),
            R"({"a":9007199254740993,"b":9007199254740993,)"
            R"("c":680564693277057720000000000000000000000,"d":3,"e":2147483648,"f":-26,)"
            R"("g":123,"h":1478207457,"i":"1.0e+20"})");
}

// mutate.rb's rescue: a failing conversion aborts the rest, tags, and skips the common options.
TEST_F(MutateTest, FailedConversionTagsAndStopsTheRest) {
  set_string("bad", "abc");
  set_string("name", "x");
  EXPECT_EQ(run(R"(
convert: {bad: integer}
uppercase: [name]
add_tag: [done]
)"),
            R"({"bad":"abc","name":"x","tags":["_mutate_error"]})");
  EXPECT_EQ(metrics.value("logferry_mutate_failures_total", {{"component", "t"}}), 1);
  batch.clear();
  set("list", array_of({Value::string("a"), Value::integer(1)}));
  EXPECT_EQ(run("strip: [list]\ntag_on_failure: strip_failed"),
            R"({"list":["a",1],"tags":["strip_failed"]})");
}

TEST_F(MutateTest, GsubReplacesAllMatchesWithBackReferences) {
  set_string("path", "/var/log/pods/ns_pod_uid/c/0.log");
  set_string("msg", "user=alice id=42 user=bob");
  set("list", array_of({Value::string("a-b"), Value::integer(3), Value::string("c-d")}));
  set_string("empty_matches", "abc");
  set_string("who", "X");
  EXPECT_EQ(run(R"(
gsub:
  - [path, "/", "_"]
  - [msg, 'user=(\w+)', 'u<\1>']
  - [list, "-", "+"]
  - [empty_matches, "x*", "-"]
  - [msg, "id=\\d+", "id=%{who}"]
)"),
            R"({"path":"_var_log_pods_ns_pod_uid_c_0.log","msg":"u<alice> id=X u<bob>",)"
            R"("list":["a+b",3,"c+d"],"empty_matches":"-a-b-c-","who":"X"})");
}

TEST_F(MutateTest, GsubLogstashFlatListForm) {
  set_string("a", "x.y");
  set_string("b", "1?2#3");
  EXPECT_EQ(run(R"(gsub: [a, '\.', '_', b, '[?#]', '.'])"), R"({"a":"x_y","b":"1.2.3"})");
}

TEST_F(MutateTest, GsubTakesRubyRegexesWithLookaroundAndUtf8Dots) {
  set_string("a", "key=1 key=2 nokey=3");
  set_string("b", "h\u00e9!");
  // Only the values of `key` not preceded by "no"; `.` is a whole UTF-8 character.
  EXPECT_EQ(run(R"(gsub: [[a, '(?<!no)key=(\d)', 'k\1'], [b, '.', '*']])"),
            R"({"a":"k1 k2 nokey=3","b":"***"})");
}

TEST_F(MutateTest, CaseAndStrip) {
  set_string("u", "MiXed ü");
  set_string("l", "MiXed");
  set_string("c", "hELLO world");
  set_string("s", " \t padded \n");
  set("arr", array_of({Value::string("a"), Value::integer(1)}));
  set("num", Value::integer(7));
  EXPECT_EQ(run(R"(
uppercase: [u, arr, num, absent]
lowercase: l
capitalize: [c]
strip: [s]
)"),
            R"({"u":"MIXED Ü","l":"mixed","c":"Hello world","s":"padded","arr":["A",1],"num":7})");
}

TEST_F(MutateTest, CaseChangesAreUnicodeWide) {
  set_string("u", "straße élan ğ");
  set_string("l", "ÉCOLE ΣΟΦΙΑ");
  set_string("c", "éCOLE");
  EXPECT_EQ(run("uppercase: [u]\nlowercase: [l]\ncapitalize: [c]"),
            R"({"u":"STRAßE ÉLAN Ğ","l":"école σοφια","c":"École"})");
}

TEST_F(MutateTest, MergeArraysScalarsAndMaps) {
  set("arr", array_of({Value::string("a")}));
  set_string("one", "b");
  set_string("s", "c");
  set("m1", Value::object(event().new_object()));
  event().set(FieldPath::parse("m1.x"), Value::integer(1));
  event().set(FieldPath::parse("m2.y"), Value::integer(2));
  EXPECT_EQ(run("merge: {arr: one, s: arr, m1: m2, fresh: one, one: m1}"),
            R"({"arr":["a","b"],"one":"b","s":["c","a","b"],"m1":{"x":1,"y":2},)"
            R"("m2":{"y":2},"fresh":["b"]})");
}

TEST_F(MutateTest, SplitAndJoin) {
  set_string("csv", "a,b,,c,,");
  set_string("words", "  one two\tthree ");
  set_string("chars", "hé");
  set("arr", array_of({Value::string("x"), Value::integer(1), Value::boolean(true)}));
  set_string("plain", "untouched");
  EXPECT_EQ(run(R"(
split: {csv: ",", words: " ", chars: ""}
join: {arr: " | ", plain: ","}
)"),
            R"({"csv":["a","b","","c"],"words":["one","two","three"],"chars":["h","é"],)"
            R"("arr":"x | 1 | true","plain":"untouched"})");
}

TEST_F(MutateTest, CopyIsDeep) {
  set_string("src.a", "1");
  auto m = build_transform<MutateTransform>(R"(
copy: {src: dst}
replace: {"[src][a]": "changed"}
)",
                                            metrics);
  // replace runs before copy (Logstash order), so both see "changed"; verify deepness with a
  // second mutate that changes the source after the copy.
  m->apply(batch);
  auto m2 = build_transform<MutateTransform>(R"(replace: {"[src][a]": "later"})", metrics);
  m2->apply(batch);
  EXPECT_EQ(to_json(batch.events()[0]), R"({"src":{"a":"later"},"dst":{"a":"changed"}})");
}

TEST_F(MutateTest, TagsAndRemoveField) {
  set_string("message", "m");
  set_string("env", "prod");
  set_string("drop_me", "x");
  set_string("tmp_prod", "x");
  EXPECT_EQ(run(R"(
add_tag: [first, "env_%{env}", first]
remove_tag: [gone]
remove_field: [drop_me, "tmp_%{env}", absent]
)"),
            R"({"message":"m","env":"prod","tags":["first","env_prod"]})");
}

TEST_F(MutateTest, TagsFromAScalarAndRemoval) {
  set_string("tags", "old");
  EXPECT_EQ(run("add_tag: [new]\nremove_tag: [old]"), R"({"tags":["new"]})");
}

TEST_F(MutateTest, LogstashOrderOfOperations) {
  // rename < update < replace < convert < gsub < uppercase < strip < split < join < copy
  //   < add_field < remove_field < add_tag < remove_tag, whatever the YAML order.
  set_string("raw", "5");
  EXPECT_EQ(run(R"(
remove_tag: [t1]
add_tag: [t1, t2]
remove_field: [value]
add_field: {value: "%{n}", added: "n=%{n}"}
copy: {n: n_copy}
strip: [n]
gsub: [[n, "^ ", "x"]]
replace: {n: "%{n}"}
update: {n: " a b "}
rename: {raw: n}
)"),
            // rename makes n, so update applies; replace re-renders it; gsub sees the leading
            // blank before strip removes the trailing one; copy and add_field see the result;
            // value is added then removed; t1 is added then removed.
            R"({"n":"xa b","n_copy":"xa b","added":"n=xa b","tags":["t2"]})");
}

TEST_F(MutateTest, ConstantValuesOutliveTheTransform) {
  set_string("message", "m");
  {
    auto m = build_transform<MutateTransform>("add_field: {k: constant text}", metrics);
    m->apply(batch);
  }  // the transform is gone (a reload); the batch still refers to its constant
  EXPECT_EQ(to_json(batch.events()[0]), R"({"message":"m","k":"constant text"})");
}

TEST_F(MutateTest, ConfigErrors) {
  std::string p = option_problems<MutateTransform>(R"(
convert: {a: number}
gsub: [[a, "(", x], [b, "%{c}", y]]
add_field: {"x%{+qq}": v}
)");
  EXPECT_NE(p.find("convert: 'a': unknown type 'number'"), std::string::npos) << p;
  EXPECT_NE(p.find("gsub: '(': invalid regex: missing closing parenthesis at offset 1"), std::string::npos) << p;
  EXPECT_NE(p.find("gsub: '%{c}': templates in gsub regexes are not supported"), std::string::npos) << p;
  EXPECT_NE(p.find("add_field: 'x%{+qq}'"), std::string::npos) << p;
  EXPECT_NE(option_problems<MutateTransform>("gsub: [a, b]").find("not a multiple of 3"),
            std::string::npos);
  EXPECT_NE(option_problems<MutateTransform>("rename: [a, b]").find("rename: must be a map"),
            std::string::npos);
}

}  // namespace
}  // namespace logferry::transforms
