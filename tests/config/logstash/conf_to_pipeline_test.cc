#include "config/logstash/conf_to_pipeline.h"

#include <gtest/gtest.h>

#include "app/app.h"
#include "config/logstash/plugin_adapters.h"
#include "core/event_batch.h"
#include "support/temp_dir.h"

namespace logferry::config::logstash {
namespace {

struct Loaded {
  PipelineConfig cfg;
  std::string problems;
};

Loaded load(const std::string& text) {
  Diagnostics d("p.conf");
  Loaded l;
  l.cfg = conf_to_pipeline({{"p.conf", text}}, app::registry(), d, {});
  l.problems = d.format();
  return l;
}

const TransformConfig* transform(const PipelineConfig& cfg, const std::string& name) {
  for (const auto& t : cfg.transforms)
    if (t.name == name) return &t;
  return nullptr;
}

// One event with: s="hello world", n=5, f=2.5, t=true(bool), [nested][x]="in", list=["a","b",3],
// empty="", type="kube-logs".
void fill(Event& e) {
  e.append("s", e.string_value("hello world"));
  e.append("n", Value::integer(5));
  e.append("f", Value::number(2.5));
  e.append("t", Value::boolean(true));
  e.set(FieldPath::parse("[nested][x]"), e.string_value("in"));
  Array* list = e.new_array();
  list->items.push_back(e.string_value("a"));
  list->items.push_back(e.string_value("b"));
  list->items.push_back(Value::integer(3));
  e.append("list", Value::array(list));
  e.append("empty", e.string_value(""));
  e.append("type", e.string_value("kube-logs"));
}

// Whether `condition` holds on the event above, evaluated by what a .conf output conditional
// becomes (a filter transform in front of the sink).
bool holds(const std::string& condition) {
  auto l = load("input { stdin { } }\noutput { if " + condition + " { stdout { } } }");
  EXPECT_EQ(l.problems, "") << condition;
  const TransformConfig* t = transform(l.cfg, "output_1_stdout_when");
  if (t == nullptr) {
    ADD_FAILURE() << "no filter for " << condition;
    return false;
  }
  Metrics metrics;
  BuildContext ctx{"f", metrics, "/tmp/none", "/tmp", "node"};
  auto built = t->build(ctx);
  EXPECT_TRUE(built) << built.error().message;
  auto pool = BatchPool::create();
  auto batch = pool->acquire();
  fill(batch->add());
  (*built)->apply(*batch);
  return batch->size() == 1;
}

TEST(ConfToPipelineTest, EveryOperatorEvaluatedOnEvents) {
  EXPECT_TRUE(holds(R"([s] == "hello world")"));
  EXPECT_FALSE(holds(R"([s] == "hello")"));
  EXPECT_TRUE(holds(R"([s] != "hello")"));
  EXPECT_TRUE(holds("[n] == 5"));
  EXPECT_TRUE(holds("[n] < 6"));
  EXPECT_FALSE(holds("[n] < 5"));
  EXPECT_TRUE(holds("[n] <= 5"));
  EXPECT_TRUE(holds("[n] > 4"));
  EXPECT_TRUE(holds("[n] >= 5"));
  EXPECT_FALSE(holds("[n] >= 6"));
  EXPECT_TRUE(holds("[f] > 2"));
  EXPECT_TRUE(holds(R"([s] =~ /^hel+o\s/)"));
  EXPECT_FALSE(holds(R"([s] =~ /^world/)"));
  EXPECT_TRUE(holds(R"([s] !~ /^world/)"));
  EXPECT_TRUE(holds(R"([s] =~ "wor")"));
  EXPECT_TRUE(holds(R"("b" in [list])"));
  EXPECT_TRUE(holds(R"([type] in ["kube-logs", "other"])"));
  EXPECT_FALSE(holds(R"("z" in [list])"));
  EXPECT_TRUE(holds(R"("z" not in [list])"));
  EXPECT_TRUE(holds(R"("world" in [s])"));
  EXPECT_TRUE(holds(R"([nested][x] == "in")"));
  EXPECT_TRUE(holds("[t]"));
  EXPECT_FALSE(holds("[empty]"));
  EXPECT_FALSE(holds("[missing]"));
  EXPECT_TRUE(holds("![missing]"));
  EXPECT_TRUE(holds("[n] == 5 and [t]"));
  EXPECT_FALSE(holds("[n] == 5 and [missing]"));
  EXPECT_TRUE(holds("[missing] or [t]"));
  EXPECT_TRUE(holds("[t] xor [missing]"));
  EXPECT_FALSE(holds("[t] xor [n]"));
  EXPECT_TRUE(holds("[t] nand [missing]"));
  EXPECT_FALSE(holds("[t] nand [n]"));
}

TEST(ConfToPipelineTest, PrecedenceAndParentheses) {
  // and binds tighter than or: true or (false and false) = true.
  EXPECT_TRUE(holds("[t] or [missing] and [missing]"));
  // (true or false) and false = false.
  EXPECT_FALSE(holds("([t] or [missing]) and [missing]"));
  EXPECT_TRUE(holds("!([missing] or [empty])"));
  EXPECT_FALSE(holds("!([t] and ([n] > 1))"));
}

TEST(ConfToPipelineTest, ChainNamesAndWiring) {
  auto l = load(R"(input { stdin { id => "in" } stdin { } }
filter {
  mutate { id => "first" add_tag => ["a"] }
  if [x] =~ /^\s*$/ { drop { } }
  mutate { add_tag => ["b"] }
}
output { stdout { } if [x] { stdout { id => "maybe" } } else if [y] { stdout { } } else { stdout { } } })");
  ASSERT_EQ(l.problems, "");
  ASSERT_EQ(l.cfg.sources.size(), 2u);
  EXPECT_EQ(l.cfg.sources[0].name, "in");
  EXPECT_EQ(l.cfg.sources[1].name, "input_2_stdin");
  const TransformConfig* first = transform(l.cfg, "first");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->inputs, (std::vector<std::string>{"in", "input_2_stdin"}));
  const TransformConfig* drop = transform(l.cfg, "filter_2_drop");
  ASSERT_NE(drop, nullptr);
  EXPECT_EQ(drop->type, "filter");
  EXPECT_EQ(drop->inputs, std::vector<std::string>{"first"});
  const TransformConfig* last = transform(l.cfg, "filter_3_mutate");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->inputs, std::vector<std::string>{"filter_2_drop"});
  ASSERT_EQ(l.cfg.sinks.size(), 4u);
  EXPECT_EQ(l.cfg.sinks[0].inputs, std::vector<std::string>{"filter_3_mutate"});
  EXPECT_EQ(l.cfg.sinks[1].name, "maybe");
  EXPECT_EQ(l.cfg.sinks[1].inputs, std::vector<std::string>{"maybe_when"});
  EXPECT_EQ(transform(l.cfg, "maybe_when")->inputs, std::vector<std::string>{"filter_3_mutate"});
  EXPECT_EQ(l.cfg.sinks[2].inputs, std::vector<std::string>{"output_3_stdout_when"});
  EXPECT_EQ(l.cfg.sinks[3].inputs, std::vector<std::string>{"output_4_stdout_when"});
}

TEST(ConfToPipelineTest, ElseIfAndElseOutputsGetExclusiveConditions) {
  // The event has [n] == 5: only the second branch's output is fed.
  auto l = load(R"(input { stdin { } }
output {
  if [n] > 10 { stdout { id => "a" } }
  else if [n] == 5 { stdout { id => "b" } if [missing] { stdout { id => "b2" } } }
  else { stdout { id => "c" } }
})");
  ASSERT_EQ(l.problems, "");
  Metrics metrics;
  auto pool = BatchPool::create();
  auto passes = [&](const std::string& name) {
    BuildContext ctx{name, metrics, "/tmp/none", "/tmp", "node"};
    auto built = transform(l.cfg, name)->build(ctx);
    EXPECT_TRUE(built);
    auto batch = pool->acquire();
    fill(batch->add());
    (*built)->apply(*batch);
    return batch->size() == 1;
  };
  EXPECT_FALSE(passes("a_when"));
  EXPECT_TRUE(passes("b_when"));
  EXPECT_FALSE(passes("b2_when"));
  EXPECT_FALSE(passes("c_when"));
}

TEST(ConfToPipelineTest, UnknownPluginAndSettingAtTheirLines) {
  auto l = load(R"(input {
  stdin { }
  kafka { topics => ["x"] }
}
filter {
  mutate {
    rename => { "a" => "b" }
    bogus => 1
  }
}
output {
  stdout { codec => msgpack }
  syslog { host => "h" port => 99999 }
})");
  EXPECT_NE(l.problems.find("p.conf:3: unknown input plugin 'kafka'"), std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:8: filter plugin 'mutate': unknown setting 'bogus'"), std::string::npos)
      << l.problems;
  EXPECT_NE(l.problems.find("p.conf:12: output plugin 'stdout': codec 'msgpack' is not supported"),
            std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:13: output plugin 'syslog': port: 99999 is outside 1..65535"),
            std::string::npos) << l.problems;
}

TEST(ConfToPipelineTest, UnsupportedSettingsAreErrorsNeverIgnored) {
  auto l = load("input {\n  stdin { type => \"x\" }\n  syslog { timezone => \"UTC\" }\n  tcp { port => 1 }\n}\n"
                "output { file { path => \"/tmp/x\" gzip => true codec => line } }");
  EXPECT_NE(l.problems.find("p.conf:2: input plugin 'stdin': setting 'type'"), std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:3: input plugin 'syslog': setting 'timezone' is not supported"),
            std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:4: input plugin 'tcp' is not supported yet"), std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:6: output plugin 'file': setting 'gzip' is not supported"),
            std::string::npos) << l.problems;
}

TEST(ConfToPipelineTest, SyslogInputListensOnUdpAndTcp) {
  auto l = load("input { syslog { port => 5514 id => \"sys\" } }\noutput { stdout { } }");
  ASSERT_EQ(l.problems, "");
  ASSERT_EQ(l.cfg.sources.size(), 2u);
  EXPECT_EQ(l.cfg.sources[0].name, "sys_udp");
  EXPECT_EQ(l.cfg.sources[1].name, "sys_tcp");
}

TEST(ConfToPipelineTest, RepeatedSettingsMerge) {
  auto r = parse_conf(R"(filter { x {
    h => { "a" => "1" }
    h => { "b" => "2" }
    l => ["a"]
    l => ["b", "c"]
    s => "one"
    s => "two"
    same => "v"
    same => "v"
} })", {});
  ASSERT_TRUE(r.errors.empty());
  auto merged = merge_repeated(r.pipeline.sections[0].body[0].plugin.attributes);
  ASSERT_EQ(merged.size(), 4u);
  EXPECT_EQ(merged[0].value.entries.size(), 2u);
  EXPECT_EQ(merged[0].value.entries[1].first.text, "b");
  ASSERT_EQ(merged[1].value.items.size(), 3u);
  EXPECT_EQ(merged[1].value.items[2].text, "c");
  ASSERT_EQ(merged[2].value.kind, ConfValue::Kind::kArray);
  EXPECT_EQ(merged[2].value.items[1].text, "two");
  EXPECT_EQ(merged[3].value.kind, ConfValue::Kind::kString);
  // And through a native schema: mutate's two add_tag settings become one list.
  auto l = load("input { stdin { } }\nfilter { mutate { add_tag => [\"a\"] add_tag => [\"b\"] bogus => 1 bogus => 2 } }\n"
                "output { stdout { } }");
  // The repeated unknown setting is one setting, reported once; add_tag binds as one list.
  std::size_t first = l.problems.find("unknown setting 'bogus'");
  ASSERT_NE(first, std::string::npos) << l.problems;
  EXPECT_EQ(l.problems.find("unknown setting 'bogus'", first + 1), std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:2: filter plugin 'mutate': unknown setting 'bogus'"), std::string::npos);
}

TEST(ConfToPipelineTest, DuplicateIdsAndMissingSections) {
  auto l = load("input { stdin { id => \"x\" } }\noutput { stdout { id => \"x\" } }");
  EXPECT_NE(l.problems.find("p.conf:2: plugin id 'x' is used more than once"), std::string::npos) << l.problems;
  l = load("input { stdin { } }");
  EXPECT_NE(l.problems.find("no output plugin"), std::string::npos) << l.problems;
  l = load("input { stdin { } }\nfilter { if [a] { mutate { } } }\noutput { stdout { } }");
  EXPECT_EQ(l.problems, "");
  l = load("input { if [a] { stdin { } } }\noutput { stdout { } }");
  EXPECT_NE(l.problems.find("p.conf:1: conditionals are not allowed in the input section"), std::string::npos);
}

TEST(ConfToPipelineTest, DirectoryInNameOrderWithFileLines) {
  testing::TempDir dir;
  dir.write("20-filter.conf", "filter {\n  mutate { nope => 1 }\n}\n");
  dir.write("10-input.conf", "input { stdin { } }");  // no trailing newline
  dir.write("30-output.conf", "\n\noutput { stdout { } }\n");
  dir.write("README.txt", "not a pipeline");
  Diagnostics d(dir.path().string());
  auto cfg = load_conf(dir.path(), app::registry(), d, {});
  std::string p = d.format();
  EXPECT_NE(p.find((dir / "20-filter.conf").string() + ":2: filter plugin 'mutate': unknown setting 'nope'"),
            std::string::npos) << p;
  std::filesystem::remove(dir / "20-filter.conf");
  dir.write("20-filter.conf", "filter {\n  mutate { add_tag => [\"x\"] }\n}\n");
  Diagnostics ok(dir.path().string());
  cfg = load_conf(dir.path(), app::registry(), ok, {});
  EXPECT_EQ(ok.format(), "");
  ASSERT_EQ(cfg.sources.size(), 1u);
  EXPECT_EQ(cfg.transforms.at(0).inputs, std::vector<std::string>{"input_1_stdin"});
  EXPECT_EQ(cfg.sinks.at(0).inputs, std::vector<std::string>{"filter_1_mutate"});
  // A split across files is one text, as Logstash concatenates them.
  testing::TempDir split;
  split.write("a.conf", "input { stdin { }");
  split.write("b.conf", "}\noutput {\n  stdout { bad => 1 }\n}");
  Diagnostics s(split.path().string());
  (void)load_conf(split.path(), app::registry(), s, {});
  EXPECT_NE(s.format().find((split / "b.conf").string() + ":3: output plugin 'stdout': unknown setting 'bad'"),
            std::string::npos) << s.format();
}

TEST(ConfToPipelineTest, DirectoryWithYamlIsAnError) {
  testing::TempDir dir;
  dir.write("a.conf", "input { stdin { } } output { stdout { } }");
  dir.write("b.yaml", "sources: {}");
  Diagnostics d(dir.path().string());
  (void)load_conf(dir.path(), app::registry(), d, {});
  EXPECT_NE(d.format().find("b.yaml:0: a directory given to -c holds Logstash .conf files only"),
            std::string::npos) << d.format();
}

TEST(ConfToPipelineTest, SyntaxErrorInSecondFileNamesIt) {
  testing::TempDir dir;
  dir.write("a.conf", "input { stdin { } }\n");
  dir.write("b.conf", "output {\n  stdout {\n    codec =>\n  }\n}\n");
  Diagnostics d(dir.path().string());
  (void)load_conf(dir.path(), app::registry(), d, {});
  EXPECT_NE(d.format().find((dir / "b.conf").string() + ":4: expected a value"), std::string::npos) << d.format();
}

}  // namespace
}  // namespace logferry::config::logstash

namespace logferry::config::logstash {
namespace {

TEST(ConfToPipelineTest, FileInputBecomesTheFileSource) {
  auto l = load(R"(input {
  file {
    path => ["/var/log/*.log", "/srv/app/*.txt"]
    exclude => "*.gz"
    start_position => "beginning"
    sincedb_path => "/dev/null"
    stat_interval => "500 ms"
    discover_interval => 5
    close_older => "1 hour"
    ignore_older => 86400
    sincedb_write_interval => 15
    max_open_files => 100
    mode => "tail"
    delimiter => "\n"
    codec => plain
  }
  file { path => "/var/log/syslog" }
}
output { stdout { } })");
  ASSERT_EQ(l.problems, "");
  ASSERT_EQ(l.cfg.sources.size(), 2u);
  EXPECT_EQ(l.cfg.sources[0].type, "file");
  EXPECT_EQ(l.cfg.sources[1].name, "input_2_file");
}

TEST(ConfToPipelineTest, FileInputProblemsAreErrorsAtTheirLines) {
  auto l = load(R"(input {
  file {
    path => "relative/*.log"
    mode => "read"
    stat_interval => "soon"
    file_completed_action => "delete"
    codec => json
    delimiter => ";"
    start_position => "middle"
    bogus => 1
  }
  file { }
  file { path => ["/var/log/**/*.log", "/var/log/{a,b}.log"] }
}
output { stdout { } })");
  for (const char* want : {
           "p.conf:3: input plugin 'file': path: 'relative/*.log' must be absolute",
           "p.conf:4: input plugin 'file': mode: only 'tail' is supported",
           "p.conf:5: input plugin 'file': stat_interval: 'soon' is not a duration",
           "p.conf:6: input plugin 'file': setting 'file_completed_action' is not supported",
           "p.conf:7: input plugin 'file': codec 'json' is not supported",
           "p.conf:8: input plugin 'file': delimiter: only",
           "p.conf:9: input plugin 'file': start_position: 'middle' is not beginning or end",
           "p.conf:10: input plugin 'file': unknown setting 'bogus'",
           "p.conf:12: input plugin 'file': setting 'path' is required",
           "p.conf:13: input plugin 'file': path: '/var/log/**/*.log': recursive '**' is not supported",
           "p.conf:13: input plugin 'file': path: '/var/log/{a,b}.log': '{a,b}' alternatives"})
    EXPECT_NE(l.problems.find(want), std::string::npos) << want << "\n" << l.problems;
}

}  // namespace
}  // namespace logferry::config::logstash
