// kube_api_test_server: KubeApiTestServer (a stand-in for the Kubernetes API server, see
// kube_api_test_server.h) as a process, for benchmarks and for rsyslog's mmkubernetes. Loads
// pods and namespaces from a JSON file, prints "port N" once it listens and serves until
// SIGTERM/SIGINT.
//
//   kube_api_test_server [--port N] [--token T] [--state FILE] [--tls-cert F --tls-key F]
//                        [--delay-ms N] [--fail-requests COUNT:STATUS] [--print-requests]
//
// --print-requests writes every request seen ("GET TARGET STATUS") to stdout when it stops.
// FILE is {"namespaces":[Namespace...],"pods":[Pod...]} or a v1 List {"items":[...]} whose items
// are told apart by their kind (v1 JSON, as `kubectl get pods,namespaces -A -o json` writes).
#include <simdjson.h>

#include <cstdio>
#include <string>

#include "support/kube_api_test_server.h"
#include "support/stand_in_main.h"

namespace {

using logferry::testing::KubeApiTestServer;

void put_object(KubeApiTestServer& server, simdjson::dom::element object, bool is_namespace) {
  std::string json = simdjson::minify(object);
  if (is_namespace) server.put_namespace(json);
  else server.put_pod(json);
}

// Namespaces first, so that a pod's namespace exists when it is announced.
bool load_state(KubeApiTestServer& server, const std::string& file, std::size_t& loaded) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.load(file).get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::array list;
  for (const char* key : {"namespaces", "pods"}) {
    if (root[key].get(list) != simdjson::SUCCESS) continue;
    for (auto object : list) put_object(server, object, std::string_view(key) == "namespaces"), ++loaded;
  }
  if (root["items"].get(list) != simdjson::SUCCESS) return true;
  for (bool namespaces : {true, false}) {
    for (auto object : list) {
      std::string_view kind;
      bool is_namespace = object["kind"].get(kind) == simdjson::SUCCESS && kind == "Namespace";
      if (is_namespace == namespaces) put_object(server, object, is_namespace), ++loaded;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  KubeApiTestServer::Options o;
  std::string state;
  std::pair<int, int> fail{0, 0};
  int delay = 0;
  bool print_requests = false;
  logferry::testing::CliArgs args(argc, argv);
  for (std::string a; args.next(a);) {
    if (a == "--port") o.port = static_cast<uint16_t>(args.int_value());
    else if (a == "--token") o.token = args.value();
    else if (a == "--state") state = args.value();
    else if (a == "--tls-cert") o.tls_cert_file = args.value();
    else if (a == "--tls-key") o.tls_key_file = args.value();
    else if (a == "--delay-ms") delay = args.int_value();
    else if (a == "--fail-requests") fail = args.int_pair();
    else if (a == "--print-requests") print_requests = true;
    else args.unknown();
  }
  KubeApiTestServer server(o);
  std::size_t loaded = 0;
  if (!state.empty() && !load_state(server, state, loaded)) {
    std::fprintf(stderr, "cannot read %s as JSON\n", state.c_str());
    return 1;
  }
  if (fail.first) server.fail_requests(fail.first, fail.second);
  if (delay) server.set_delay_ms(delay);
  if (!server.start()) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%u\n", o.port);
    return 1;
  }
  std::fprintf(stderr, "%zu objects loaded, resourceVersion %s\n", loaded, server.resource_version().c_str());
  logferry::testing::serve_until_signal(server.port());
  auto requests = server.requests();
  std::printf("requests %zu\n", requests.size());
  for (const auto& r : requests) {
    if (print_requests) std::printf("%s %s %d\n", r.method.c_str(), r.target.c_str(), r.status);
  }
  server.stop();
  return 0;
}
