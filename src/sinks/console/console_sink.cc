#include "sinks/console/console_sink.h"

#include <unistd.h>

#include <cerrno>

#include "core/json.h"

namespace logferry::sinks {

void ConsoleSink::describe(config::Schema<Options>& s) {
  s.field("encoding", &Options::encoding).one_of({"json", "text"})
      .doc("json: the whole event; text: the `format` template (default %{message}).");
  s.field("format", &Options::format).doc("Line template for encoding: text.");
}

Result<std::unique_ptr<Sink>> ConsoleSink::build(const Options& options, BuildContext&) {
  Options o = options;
  if (o.encoding == "text" && o.format.empty()) o.format = Template::compile("%{message}").value();
  return std::unique_ptr<Sink>(std::make_unique<ConsoleSink>(std::move(o), STDOUT_FILENO));
}

Delivery ConsoleSink::send(const EventBatch& batch, const std::stop_token&) {
  buffer_.clear();
  for (const Event& e : batch.events()) {
    if (options_.encoding == "json") {
      append_json(buffer_, e);
    } else {
      options_.format.render(e, buffer_);
    }
    buffer_ += '\n';
  }
  std::size_t off = 0;
  while (off < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EPIPE ? Delivery::kRejected : Delivery::kRetry;
    }
    off += static_cast<std::size_t>(n);
  }
  return Delivery::kDelivered;
}

}  // namespace logferry::sinks
