// es_test_server: EsTestServer (a stand-in for Elasticsearch, see es_test_server.h) as a
// process, for integration tests and the benchmark. Prints "port N" once it listens and
// serves until SIGTERM/SIGINT. GET /_test/stats answers {"items":N,"requests":M}.
//
//   es_test_server [--port N] [--version 7.17.9] [--fast] [--tls-cert F --tls-key F]
//                  [--item-fault MARKER:STATUS:TIMES] [--fail-requests COUNT:STATUS] [--delay-ms N]
#include <cstdio>
#include <string>
#include <vector>

#include "support/es_test_server.h"
#include "support/stand_in_main.h"

int main(int argc, char** argv) {
  logferry::testing::EsTestServer::Options o;
  std::vector<logferry::testing::EsTestServer::ItemFault> faults;
  std::pair<int, int> fail{0, 0};
  int delay = 0;
  logferry::testing::CliArgs args(argc, argv);
  for (std::string a; args.next(a);) {
    if (a == "--port") o.port = static_cast<uint16_t>(args.int_value());
    else if (a == "--version") o.version = args.value();
    else if (a == "--fast") o.fast = true;
    else if (a == "--tls-cert") o.tls_cert_file = args.value();
    else if (a == "--tls-key") o.tls_key_file = args.value();
    else if (a == "--delay-ms") delay = args.int_value();
    else if (a == "--item-fault") {
      std::string v = args.value();
      auto c1 = v.rfind(':'), c0 = v.rfind(':', c1 - 1);
      faults.push_back({v.substr(0, c0), std::stoi(v.substr(c0 + 1, c1 - c0 - 1)), std::stoi(v.substr(c1 + 1))});
    } else if (a == "--fail-requests") {
      fail = args.int_pair();
    } else {
      args.unknown();
    }
  }
  logferry::testing::EsTestServer server(o);
  for (auto& f : faults) server.add_item_fault(f);
  if (fail.first) server.fail_requests(fail.first, fail.second);
  if (delay) server.set_delay_ms(delay);
  if (!server.start()) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%u\n", o.port);
    return 1;
  }
  logferry::testing::serve_until_signal(server.port());
  std::printf("items %llu requests %llu\n", static_cast<unsigned long long>(server.items_seen()),
              static_cast<unsigned long long>(server.bulk_requests()));
  server.stop();
  return 0;
}
