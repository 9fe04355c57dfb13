// Fuzzes dissect: line 1 is the mapping, the rest the `message` it is applied to, through the
// Dissector (values must be views inside the message) and the whole filter (appends, indirect
// keys, conversions, tags). Nothing may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/event_batch.h"
#include "core/metrics.h"
#include "transforms/dissect/dissect_transform.h"
#include "transforms/dissect/dissector.h"

using namespace logferry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nl = input.find('\n');
  std::string_view mapping = input.substr(0, nl);
  std::string_view message = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

  auto d = transforms::dissect::Dissector::compile(mapping);
  if (!d) {
    if (d.error().message.empty()) std::abort();
    return 0;
  }
  std::vector<std::string_view> values;
  if (d->dissect(message, values)) {
    if (values.size() != d->fields().size()) std::abort();
    for (auto v : values)
      if (!v.empty() && (v.data() < message.data() || v.data() + v.size() > message.data() + message.size()))
        std::abort();
  }

  transforms::DissectTransform::Options o;
  o.mapping.entries = {{"message", std::string(mapping)}};
  o.convert_datatype.entries = {{"a", "int"}, {"b", "float"}};
  Metrics metrics;
  BuildContext ctx{"fuzz", metrics, {}, {}, "node"};
  auto t = transforms::DissectTransform::build(o, ctx);
  if (!t) std::abort();  // compiled above, so it must build
  EventBatch batch;
  Event& e = batch.add();
  e.append("message", e.string_value(message));
  e.append("a", Value::string("7"));
  (*t)->apply(batch);
  return 0;
}
