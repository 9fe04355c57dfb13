// The file sink's promises about values from the outside: a rendered path never leaves its base
// directory (no added or climbing components, no NUL), and a default-format line is one line.
// Input: field values separated by 0xFF.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_batch.h"
#include "sinks/file/path_template.h"
#include "sinks/file/traditional_format.h"

using namespace logferry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sinks::PathTemplate path =
      sinks::PathTemplate::compile("/base/%{a}/%{b}x%{c}.log", "/").value();
  static const sinks::TraditionalFormat format("node");
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> values;
  while (values.size() < 5) {
    auto sep = in.find('\xff');
    values.push_back(in.substr(0, sep));
    if (sep == std::string_view::npos) break;
    in.remove_prefix(sep + 1);
  }
  values.resize(5);
  static const char* const keys[] = {"a", "b", "c", "appname", "message"};
  EventBatch batch;
  Event& e = batch.add();
  for (std::size_t i = 0; i < values.size(); ++i) e.append(keys[i], e.string_value(values[i]));
  e.append("host", e.string_value(values[0]));

  std::string out;
  path.render(e, out);
  if (out.find('\0') != std::string::npos) std::abort();
  if (out.rfind("/base/", 0) != 0) std::abort();
  std::vector<std::string_view> parts;
  std::string_view rest(out);
  rest.remove_prefix(1);
  while (true) {
    auto slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (parts.size() != 3) std::abort();
  for (auto p : parts)
    if (p.empty() || p == "." || p == "..") std::abort();  // too long is dropped, not unsafe

  std::string line;
  format.render(e, Timestamp{0}, line);
  if (line.find('\n') != std::string::npos || line.find('\r') != std::string::npos) std::abort();
  return 0;
}
