// Fuzzes the condition parser (both entry points) and evaluator: the first line is the condition, the rest becomes
// the event's `message`. Anything may fail to compile; nothing may crash, hang or leak, and a
// compiled condition must evaluate the same way twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/event.h"
#include "core/time_util.h"
#include "template/condition.h"

using namespace logferry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nl = input.find('\n');
  std::string_view text = input.substr(0, nl);
  std::string_view message = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

  // The .conf form stops at a '{'; what it consumed must be inside the text.
  std::size_t consumed = 0;
  if (auto prefix = Condition::compile_prefix(text, consumed)) {
    if (consumed > text.size() || (consumed < text.size() && text[consumed] != '{')) std::abort();
  }

  auto condition = Condition::compile(text);
  if (!condition) {
    if (condition.error().message.rfind("at column ", 0) != 0) std::abort();  // always located
    return 0;
  }
  Arena arena;
  Event event(arena);
  event.set(FieldPath::parse("message"), event.string_value(message));
  event.set(FieldPath::parse("status"), Value::string("500"));
  event.set(FieldPath::parse("code"), Value::integer(404));
  event.set(FieldPath::parse("ratio"), Value::number(0.5));
  event.set(FieldPath::parse("flag"), Value::boolean(true));
  event.set(FieldPath::parse("kubernetes.namespace"), Value::string("prod"));
  event.set(FieldPath::parse("@timestamp"), Value::timestamp(Timestamp{1'700'000'000'000'000'000}));
  Array* tags = event.new_array();
  tags->items.push_back(Value::string("a"));
  tags->items.push_back(Value::integer(1));
  event.set(FieldPath::parse("tags"), Value::array(tags));
  bool first = condition->matches(event);
  if (condition->matches(event) != first) std::abort();
  return 0;
}
