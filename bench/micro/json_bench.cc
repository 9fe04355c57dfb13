// JSON in and out of events, the two ends of the Logstash path (Beats windows are JSON, and
// every Elasticsearch document is an event written back as JSON): ns per event, no I/O.
// Run: build-bench/bench/json_bench (cmake --preset bench && cmake --build --preset bench).
#include <benchmark/benchmark.h>

#include <array>
#include <string>
#include <string_view>

#include "core/event_batch.h"
#include "core/json.h"
#include "core/json_reader.h"

namespace logferry {
namespace {

// Filebeat 5 events as ICP's chart sends them (bench/tools/beats_client --shape icp).
constexpr std::array<std::string_view, 3> kBeatsEvents = {
    R"({"@timestamp":"2018-04-07T12:00:01.000Z","@metadata":{"beat":"filebeat","type":"kube-logs"},"log":"GET /api/v1/namespaces/default/pods?limit=500 200 12ms 0","stream":"stdout","time":"2018-04-07T12:00:01.000000000Z","source":"/var/log/containers/web-7d9f8_default_nginx-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log","offset":0,"type":"kube-logs","beat":{"name":"worker-3","hostname":"worker-3","version":"5.6.3"},"input_type":"log"})",
    R"({"@timestamp":"2018-04-07T12:00:01.001Z","@metadata":{"beat":"filebeat","type":"kube-logs"},"log":"level=info ts=2018-04-07T12:00:01.123Z caller=main.go:212 msg=\"reconcile finished\" controller=deployment key=default/web duration=3.2ms 1","stream":"stdout","time":"2018-04-07T12:00:01.000000001Z","source":"/var/log/containers/web-7d9f8_default_nginx-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log","offset":211,"type":"kube-logs","beat":{"name":"worker-3","hostname":"worker-3","version":"5.6.3"},"input_type":"log"})",
    R"({"@timestamp":"2018-04-07T12:00:01.002Z","@metadata":{"beat":"filebeat","type":"kube-logs"},"log":"{\"level\":\"warn\",\"msg\":\"slow query\",\"query\":\"SELECT * FROM orders WHERE id = ?\",\"elapsed_ms\":812,\"n\":2}","stream":"stdout","time":"2018-04-07T12:00:01.000000002Z","source":"/var/log/containers/web-7d9f8_default_nginx-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log","offset":422,"type":"kube-logs","beat":{"name":"worker-3","hostname":"worker-3","version":"5.6.3"},"input_type":"log"})",
};

// The same events after ICP's k8s.conf, as they are written to Elasticsearch.
constexpr std::string_view kFilteredEvent =
    R"({"@timestamp":"2018-04-07T12:00:01.000Z","@metadata":{"beat":"filebeat","type":"kube-logs"},"stream":"stdout","time":"2018-04-07T12:00:01.000000000Z","source":"/var/log/containers/web-7d9f8_default_nginx-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log","offset":0,"type":"kube-logs","beat":{"name":"worker-3","hostname":"worker-3","version":"5.6.3"},"input_type":"log","log":"level=info ts=2018-04-07T12:00:01.123Z caller=main.go:212 msg=\"reconcile finished\" controller=deployment key=default/web duration=3.2ms 1","kubernetes.pod":"web-7d9f8","kubernetes.namespace":"default","kubernetes.container_name":"nginx","kubernetes.container_id":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","@version":"1"})";

void BM_ReadBeatsEvent(benchmark::State& state) {
  EventBatch batch;
  JsonReader reader;
  std::size_t n = 0;
  for (auto _ : state) {
    if (batch.size() == 1024) batch.clear();
    Event& e = batch.add();
    benchmark::DoNotOptimize(reader.read_object_into(kBeatsEvents[n++ % kBeatsEvents.size()], e, e.root(), 8));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadBeatsEvent);

void BM_WriteLogstashDocument(benchmark::State& state) {
  EventBatch batch;
  JsonReader reader;
  Event& e = batch.add();
  if (!reader.read_object_into(kFilteredEvent, e, e.root(), 0)) state.SkipWithError("bad event");
  std::string out;
  for (auto _ : state) {
    if (out.size() > (1 << 20)) out.clear();
    append_json(out, e, kLogstashDocument);
    out += '\n';
  }
  benchmark::DoNotOptimize(out.data());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WriteLogstashDocument);

}  // namespace
}  // namespace logferry

BENCHMARK_MAIN();
