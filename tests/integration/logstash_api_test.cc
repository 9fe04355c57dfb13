// Logstash's monitoring API (GET / and GET /_node/stats) as the tools that poll Logstash read
// it: valid JSON in Logstash's shape, with per-plugin event counts from the running pipeline.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

int64_t at(simdjson::dom::element root, std::string_view pointer) {
  int64_t v = -1;
  EXPECT_EQ(root.at_pointer(pointer).get(v), simdjson::SUCCESS) << pointer;
  return v;
}

TEST(LogstashApiTest, NodeInfoAndNodeStatsCountEventsPerPlugin) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  auto cfg = dir.write("pipe.yaml",
                       "data_dir: data\napi: {address: 127.0.0.1:" + std::to_string(port) +
                           "}\nworkers: 2\nsources: {in: {type: stdin}}\n"
                           "transforms: {keep: {type: filter, inputs: [in], condition: '[message] != \"skip\"'}}\n"
                           "sinks: {out: {type: console, inputs: [keep], encoding: text, format: 'got:%{message}'}}\n");
  ChildProcess p({{logferry_binary().string(), "run", "-c", cfg.string()}, {}, dir.path(), "logferry", true});
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); }, std::chrono::seconds(10), "api"));
  p.write_stdin("a\nskip\nb\nskip\nc\n");
  ASSERT_TRUE(wait_until([&] { return p.out().find("got:c") != std::string::npos; }));
  std::string base = "http://127.0.0.1:" + std::to_string(port);

  std::string info;
  ASSERT_EQ(run_command({"/usr/bin/curl", "-sf", base + "/"}, &info), 0);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(info).get(root), simdjson::SUCCESS) << info;
  EXPECT_EQ(at(root, "/pipeline/workers"), 2);
  std::string_view address;
  ASSERT_EQ(root["http_address"].get(address), simdjson::SUCCESS);
  EXPECT_EQ(address, "127.0.0.1:" + std::to_string(port));

  // Delivery is counted after the console write: wait for the stats to catch up.
  std::string stats;
  ASSERT_TRUE(wait_until([&] {
    run_command({"/usr/bin/curl", "-sf", base + "/_node/stats"}, &stats);
    return stats.find(R"("out":3,"duration_in_millis")") != std::string::npos;
  })) << stats;
  simdjson::dom::parser stats_parser;
  ASSERT_EQ(stats_parser.parse(stats).get(root), simdjson::SUCCESS) << stats;
  EXPECT_EQ(at(root, "/events/in"), 5);
  EXPECT_EQ(at(root, "/events/filtered"), 3);
  EXPECT_EQ(at(root, "/events/out"), 3);
  EXPECT_EQ(at(root, "/pipelines/main/plugins/inputs/0/events/out"), 5);
  EXPECT_EQ(at(root, "/pipelines/main/plugins/filters/0/events/in"), 5);
  EXPECT_EQ(at(root, "/pipelines/main/plugins/filters/0/events/out"), 3);
  EXPECT_EQ(at(root, "/pipelines/main/plugins/outputs/0/events/in"), 3);
  EXPECT_EQ(at(root, "/pipelines/main/plugins/outputs/0/events/out"), 3);
  std::string_view id;
  ASSERT_EQ(root.at_pointer("/pipelines/main/plugins/filters/0/id").get(id), simdjson::SUCCESS);
  EXPECT_EQ(id, "keep");
  EXPECT_GT(at(root, "/process/open_file_descriptors"), 0);
  EXPECT_EQ(p.stop(), 0);
}

}  // namespace
}  // namespace logferry::testing
