// es_test_server: EsTestServer (a stand-in for Elasticsearch, see es_test_server.h) as a
// process, for integration tests and the benchmark. Prints "port N" once it listens and
// serves until SIGTERM/SIGINT. GET /_test/stats answers {"items":N,"requests":M}.
//
//   es_test_server [--port N] [--version 7.17.9] [--fast] [--tls-cert F --tls-key F]
//                  [--item-fault MARKER:STATUS:TIMES] [--fail-requests COUNT:STATUS] [--delay-ms N]
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "support/es_test_server.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  logferry::testing::EsTestServer::Options o;
  std::vector<logferry::testing::EsTestServer::ItemFault> faults;
  int fail_count = 0, fail_status = 0, delay = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--port") o.port = static_cast<uint16_t>(std::stoi(next()));
    else if (a == "--version") o.version = next();
    else if (a == "--fast") o.fast = true;
    else if (a == "--tls-cert") o.tls_cert_file = next();
    else if (a == "--tls-key") o.tls_key_file = next();
    else if (a == "--delay-ms") delay = std::stoi(next());
    else if (a == "--item-fault") {
      std::string v = next();
      auto c1 = v.rfind(':'), c0 = v.rfind(':', c1 - 1);
      faults.push_back({v.substr(0, c0), std::stoi(v.substr(c0 + 1, c1 - c0 - 1)), std::stoi(v.substr(c1 + 1))});
    } else if (a == "--fail-requests") {
      std::string v = next();
      auto c = v.find(':');
      fail_count = std::stoi(v.substr(0, c));
      fail_status = std::stoi(v.substr(c + 1));
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  logferry::testing::EsTestServer server(o);
  for (auto& f : faults) server.add_item_fault(f);
  if (fail_count) server.fail_requests(fail_count, fail_status);
  if (delay) server.set_delay_ms(delay);
  if (!server.start()) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%u\n", o.port);
    return 1;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::printf("port %u\n", server.port());
  std::fflush(stdout);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::printf("items %llu requests %llu\n", static_cast<unsigned long long>(server.items_seen()),
              static_cast<unsigned long long>(server.bulk_requests()));
  server.stop();
  return 0;
}
