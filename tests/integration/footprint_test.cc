// What a process maps is what its config uses (issue 9): libcurl, and the ~25 libraries it links,
// are loaded only when an HTTP sink (elasticsearch, alert webhook) is configured. Runs the real
// binary and reads its /proc/<pid>/maps; EsTestServer stands in for Elasticsearch.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/child_process.h"
#include "support/es_test_server.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

using namespace std::chrono_literals;

std::string maps_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool healthy(uint16_t api_port) {
  return http_exchange(api_port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
             .starts_with("HTTP/1.1 200");
}

TEST(FootprintTest, LibcurlIsLoadedOnlyWhenAnHttpSinkIsConfigured) {
  TempDir dir;
  uint16_t api = free_tcp_port();
  auto plain = dir.write("plain.yaml", "data_dir: data\napi: {address: 127.0.0.1:" + std::to_string(api) +
                                           "}\nsources: {in: {type: stdin}}\n"
                                           "sinks: {out: {type: blackhole, inputs: [in]}}\n");
  {
    ChildProcess p({{logferry_binary().string(), "run", "-c", plain.string()}, {}, dir.path(), "plain", true});
    ASSERT_TRUE(wait_until([&] { return healthy(api); }, 10s, "the API answers")) << p.err();
    std::string maps = maps_of(p.pid());
    EXPECT_NE(maps.find("libyaml-cpp"), std::string::npos) << "the maps of the right process";
    EXPECT_EQ(maps.find("libcurl"), std::string::npos) << maps;
  }

  EsTestServer es(EsTestServer::Options{});
  ASSERT_TRUE(es.start());
  uint16_t api2 = free_tcp_port();
  auto with_es = dir.write("es.yaml", "data_dir: data2\napi: {address: 127.0.0.1:" + std::to_string(api2) +
                                          "}\nsources: {in: {type: stdin}}\n"
                                          "sinks: {out: {type: elasticsearch, inputs: [in], hosts: [\"" +
                                          es.url() + "\"]}}\n");
  ChildProcess p({{logferry_binary().string(), "run", "-c", with_es.string()}, {}, dir.path(), "es", true});
  p.write_stdin("one line\n");
  EXPECT_TRUE(wait_until([&] { return es.documents().size() == 1; }, 15s, "the document")) << p.err();
  EXPECT_NE(maps_of(p.pid()).find("libcurl.so.4"), std::string::npos);
}

}  // namespace
}  // namespace logferry::testing
