#include "sources/kubernetes_logs/docker_parser.h"

namespace logferry::sources::k8s {

bool DockerLineParser::parse(std::string_view line, bool padded, LogLine& out) {
  const char* data = line.data();
  if (!padded) {
    padded_.assign(line);
    padded_.append(simdjson::SIMDJSON_PADDING, '\0');
    data = padded_.data();
  }
  // The DOM parser dispatches at run time to the CPU's best kernel (the header-only On-Demand
  // API would be compiled for the baseline target).
  simdjson::dom::object obj;
  if (parser_.parse(data, line.size(), /*realloc_if_needed=*/false).get(obj)) return false;
  bool have_log = false, have_time = false;
  out.stream = StreamKind::kStdout;
  for (auto [key, value] : obj) {
    if (key == "log") {
      if (value.get_string().get(out.content)) return false;
      have_log = true;
    } else if (key == "stream") {
      std::string_view v;
      if (value.get_string().get(v)) return false;
      out.stream = v == "stderr" ? StreamKind::kStderr : StreamKind::kStdout;
    } else if (key == "time") {
      std::string_view v;
      if (value.get_string().get(v)) return false;
      auto t = timestamps_.parse(v);
      if (!t) return false;
      out.time = *t;
      have_time = true;
    }
    // Other keys (attrs from --log-opt labels) are ignored.
  }
  if (!have_log || !have_time) return false;
  out.partial = out.content.empty() || out.content.back() != '\n';
  if (!out.partial) out.content.remove_suffix(1);
  return true;
}

}  // namespace logferry::sources::k8s
