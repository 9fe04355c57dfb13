#include "config/diagnostics.h"

namespace logferry::config {

std::string Diagnostics::format() const {
  std::string out;
  for (const auto& d : items_) {
    out += d.file.empty() ? file_ : d.file;
    out += ':';
    out += std::to_string(d.line);
    out += ": ";
    out += d.message;
    out += '\n';
  }
  return out;
}

}  // namespace logferry::config
