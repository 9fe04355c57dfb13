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

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "support/kube_api_test_server.h"

namespace {

using logferry::testing::KubeApiTestServer;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

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
  int fail_count = 0, fail_status = 0, delay = 0;
  bool print_requests = false;
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
    else if (a == "--token") o.token = next();
    else if (a == "--state") state = next();
    else if (a == "--tls-cert") o.tls_cert_file = next();
    else if (a == "--tls-key") o.tls_key_file = next();
    else if (a == "--delay-ms") delay = std::stoi(next());
    else if (a == "--print-requests") print_requests = true;
    else if (a == "--fail-requests") {
      std::string v = next();
      auto c = v.find(':');
      fail_count = std::stoi(v.substr(0, c));
      fail_status = std::stoi(v.substr(c + 1));
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  KubeApiTestServer server(o);
  std::size_t loaded = 0;
  if (!state.empty() && !load_state(server, state, loaded)) {
    std::fprintf(stderr, "cannot read %s as JSON\n", state.c_str());
    return 1;
  }
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
  std::fprintf(stderr, "%zu objects loaded, resourceVersion %s\n", loaded, server.resource_version().c_str());
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto requests = server.requests();
  std::printf("requests %zu\n", requests.size());
  for (const auto& r : requests) {
    if (print_requests) std::printf("%s %s %d\n", r.method.c_str(), r.target.c_str(), r.status);
  }
  server.stop();
  return 0;
}
