// Metrics: counters and gauges registered once at build time and bumped lock-free on the hot
// path (per batch, not per event where avoidable). Rendered as Prometheus text on /metrics.
//
// Example:
//   Counter& dropped = metrics.counter("logferry_udp_dropped_total", "Datagrams dropped", {{"component", name}});
//   dropped.add(n);
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace logferry {

class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Same name and labels return the same counter (a reload keeps counting).
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  std::string render_prometheus() const;
  // Value of a counter or gauge, for tests and the demo summary; 0 if absent.
  int64_t value(const std::string& name, const Labels& labels = {}) const;

 private:
  struct Entry {
    std::string name, help;
    Labels labels;
    bool is_gauge = false;
    Counter counter;
    Gauge gauge;
  };
  Entry& find_or_add(const std::string& name, const std::string& help, const Labels& labels,
                     bool is_gauge);
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // deque: stable addresses
};

}  // namespace logferry
