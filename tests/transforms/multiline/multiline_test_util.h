// Lines in, texts out: the events the multiline tests feed and read back.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/event_batch.h"

namespace logferry::transforms::testing {

inline constexpr std::string_view kPodLog = "/var/log/pods/ns_pod_uid/app/0.log";

// A kubernetes_logs event: `log`, `stream` and the file in `source`.
inline void add_line(EventBatch& b, std::string_view text, std::string_view stream = "stdout",
                     std::string_view source = kPodLog) {
  Event& e = b.add();
  e.append("log", e.string_value(text));
  e.append("stream", e.string_value(stream));
  e.append("source", e.string_value(source));
}

inline void add_lines(EventBatch& b, const std::vector<std::string>& lines,
                      std::string_view stream = "stdout") {
  for (const auto& line : lines) add_line(b, line, stream);
}

inline std::vector<std::string> texts(const EventBatch& b, std::string_view field = "log") {
  std::vector<std::string> out;
  for (const auto& e : b.events()) out.emplace_back(e.find(FieldPath::parse(field))->as_string());
  return out;
}

}  // namespace logferry::transforms::testing
