#include "sources/stdin/stdin_source.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace logferry::sources {

void StdinSource::describe(config::Schema<Options>& s) {
  s.field("max_line_bytes", &Options::max_line_bytes).range(1, 1 << 30)
      .doc("Longer lines are cut and counted.");
}

Result<std::unique_ptr<Source>> StdinSource::build(const Options& options, BuildContext& ctx) {
  return std::unique_ptr<Source>(std::make_unique<StdinSource>(
      options, STDIN_FILENO, ctx.node_name,
      ctx.metrics.counter("logferry_source_lines_truncated_total",
                          "Lines cut at max_line_bytes", ctx.labels())));
}

void StdinSource::emit_line(EventBatch& batch, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > static_cast<std::size_t>(options_.max_line_bytes)) {
    line = line.substr(0, static_cast<std::size_t>(options_.max_line_bytes));
    truncated_.add();
  }
  Event& e = batch.add();
  e.append("message", e.string_value(line));
  e.append("host", Value::string(host_));
}

void StdinSource::run(SourceContext& ctx) {
  std::vector<char> buf(256 * 1024);
  std::string pending;
  bool eof = false;
  while (!ctx.stop.stop_requested() && !eof) {
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, 200);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      break;
    }
    BatchPtr batch = ctx.out.new_batch();
    if (n == 0) {
      eof = true;
      if (!pending.empty()) emit_line(*batch, pending);
      pending.clear();
    } else {
      std::string_view data(buf.data(), static_cast<std::size_t>(n));
      while (!data.empty()) {
        auto nl = data.find('\n');
        if (nl == std::string_view::npos) {
          pending.append(data);
          break;
        }
        if (pending.empty()) {
          emit_line(*batch, data.substr(0, nl));
        } else {
          pending.append(data.substr(0, nl));
          emit_line(*batch, pending);
          pending.clear();
        }
        data.remove_prefix(nl + 1);
      }
    }
    if (!batch->empty() && !ctx.out.send(std::move(batch))) break;
  }
}

}  // namespace logferry::sources
