// Diagnostics: every config problem found, as "FILE:LINE: message", collected rather than
// stopping at the first (what `logferry validate` prints, exit 2).
#pragma once

#include <string>
#include <vector>

namespace logferry::config {

struct Diagnostic {
  int line = 0;  // 1-based; 0 when unknown
  std::string message;
  std::string file;  // empty: the Diagnostics' file (set when a config spans files: .conf DIR)
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file = "") : file_(std::move(file)) {}
  void error(int line, std::string message) { items_.push_back({line, std::move(message), {}}); }
  void error_in(std::string file, int line, std::string message) {
    items_.push_back({line, std::move(message), std::move(file)});
  }
  bool ok() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  const std::string& file() const { return file_; }
  // One "FILE:LINE: message" per line.
  std::string format() const;

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
};

}  // namespace logferry::config
