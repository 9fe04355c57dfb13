// A watch event's object as the API server (or anything pretending to be one) sends it:
// decode_pod / decode_namespace on arbitrary JSON never crash, a derived owner is a prefix of
// the controller's name, and the decoded pods go through the cache (put, delete, expire).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simdjson.h>

#include "kubernetes/api_objects.h"
#include "kubernetes/metadata_cache.h"

using namespace logferry::k8s;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(reinterpret_cast<const char*>(data), size).get(e) != simdjson::SUCCESS) return 0;
  auto pod = decode_pod(e);
  auto ns = decode_namespace(e);
  simdjson::dom::array owners;
  if (!pod->owner_kind.empty() && e.at_pointer("/metadata/ownerReferences").get(owners) == simdjson::SUCCESS) {
    bool prefix_of_some = false;
    for (simdjson::dom::element o : owners) {
      std::string_view name;
      if (o["name"].get(name) == simdjson::SUCCESS) prefix_of_some |= name.starts_with(pod->owner_name);
    }
    if (!prefix_of_some) std::abort();
  }
  MetadataCache cache({.max_pods = 2, .delete_grace = std::chrono::seconds(1)});
  auto now = MetadataCache::Clock::now();
  cache.put_pod(pod);
  if (cache.pod(pod->ns, pod->name) != pod) std::abort();
  cache.put_namespace(ns);
  cache.delete_pod(pod->ns, pod->name, now);
  cache.expire(now + std::chrono::seconds(2));
  if (cache.pod(pod->ns, pod->name) != nullptr) std::abort();
  (void)annotated_true(*pod, "logferry.io/exclude");
  return 0;
}
