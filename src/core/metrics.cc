#include "core/metrics.h"

#include <fmt/format.h>

#include <map>

namespace logferry {

Metrics::Entry& Metrics::find_or_add(const std::string& name, const std::string& help,
                                     const Labels& labels, bool is_gauge) {
  std::lock_guard lock(mu_);
  for (auto& e : entries_)
    if (e.name == name && e.labels == labels) return e;
  auto& e = entries_.emplace_back();
  e.name = name;
  e.help = help;
  e.labels = labels;
  e.is_gauge = is_gauge;
  return e;
}

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
  return find_or_add(name, help, labels, false).counter;
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  return find_or_add(name, help, labels, true).gauge;
}

int64_t Metrics::value(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  for (const auto& e : entries_)
    if (e.name == name && e.labels == labels)
      return e.is_gauge ? e.gauge.value() : static_cast<int64_t>(e.counter.value());
  return 0;
}

namespace {
std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

std::string Metrics::render_prometheus() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::vector<const Entry*>> by_name;
  for (const auto& e : entries_) by_name[e.name].push_back(&e);
  std::string out;
  for (const auto& [name, entries] : by_name) {
    const Entry& first = *entries.front();
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, first.help, name,
                       first.is_gauge ? "gauge" : "counter");
    for (const Entry* e : entries) {
      out += name;
      if (!e->labels.empty()) {
        out += '{';
        for (std::size_t i = 0; i < e->labels.size(); ++i) {
          if (i) out += ',';
          out += fmt::format("{}=\"{}\"", e->labels[i].first, escape_label(e->labels[i].second));
        }
        out += '}';
      }
      out += fmt::format(" {}\n", e->is_gauge ? e->gauge.value()
                                              : static_cast<int64_t>(e->counter.value()));
    }
  }
  return out;
}

}  // namespace logferry
