// Fuzzes the syslog sink's encoder and its RFC 5424 structured-data parser with arbitrary field
// values and checks the frame invariants the sink promises a receiver: no LF inside a frame,
// header fields of allowed characters and lengths, valid structured data, and UTF-8-safe
// truncation.
// Input: byte 0 picks the options, the rest is split at NUL into host, app, procid, msgid,
// structured_data, message.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_batch.h"
#include "core/utf8.h"
#include "sinks/syslog/syslog_encoder.h"

using namespace logferry;
using namespace logferry::sinks::syslog;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool printusascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 33 || static_cast<unsigned char>(c) > 126) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string_view> parts;
  while (parts.size() < 5) {
    auto nul = rest.find('\0');
    if (nul == std::string_view::npos) break;
    parts.push_back(rest.substr(0, nul));
    rest.remove_prefix(nul + 1);
  }
  parts.resize(5);
  std::string_view message = rest;

  (void)is_valid_structured_data(parts[4]);

  EncoderConfig c;
  c.rfc = (flags & 1) ? Rfc::k5424 : Rfc::k3164;
  c.use_labels = (flags & 2) == 0;
  c.facility = Template::compile("%{f}").value();
  c.severity = Template::compile("%{s}").value();
  c.priority = Template::compile("%{p}").value();
  c.sourcehost = Template::compile("%{h}").value();
  c.appname = Template::compile("%{a}").value();
  c.procid = Template::compile("%{i}").value();
  c.msgid = Template::compile("%{m}").value();
  c.message = Template::compile("%{message}").value();
  if (c.rfc == Rfc::k5424) {
    c.structured_data = Template::compile("%{sd}").value();
    if (flags & 4) {
      c.sd_id = "k@32473";
      c.sd_params = {{"v", Template::compile("%{message}").value()}};
    }
  }
  FakeClock clock;
  SyslogEncoder enc(std::move(c), clock);
  EventBatch batch;
  Event& e = batch.add();
  e.append("h", e.string_value(parts[0]));
  e.append("a", e.string_value(parts[1]));
  e.append("i", e.string_value(parts[2]));
  e.append("m", e.string_value(parts[3]));
  e.append("sd", e.string_value(parts[4]));
  e.append("f", e.string_value(parts[1]));
  e.append("s", e.string_value(parts[2]));
  e.append("p", e.string_value(parts[3]));
  e.append("message", e.string_value(message));
  std::string out;
  enc.encode(e, out);

  check(out.find('\n') == std::string::npos);
  check(out.size() > 3 && out[0] == '<');
  auto close = out.find('>');
  check(close != std::string::npos && close >= 2 && close <= 4);
  int pri = std::atoi(out.substr(1, close - 1).c_str());
  check(pri >= 0 && pri <= 191);
  std::string_view frame(out);
  frame.remove_prefix(close + 1);
  auto token = [&]() {
    auto sp = frame.find(' ');
    check(sp != std::string_view::npos);
    std::string_view t = frame.substr(0, sp);
    frame.remove_prefix(sp + 1);
    return t;
  };
  if (flags & 1) {
    check(token() == "1");
    token();  // timestamp
    std::string_view host = token(), app = token(), procid = token(), msgid = token();
    check(printusascii(host) && !host.empty() && host.size() <= 255);
    check(printusascii(app) && !app.empty() && app.size() <= 48);
    check(printusascii(procid) && !procid.empty() && procid.size() <= 128);
    check(printusascii(msgid) && !msgid.empty() && msgid.size() <= 32);
    // SD is either "-" or elements up to the "] " before MSG: some prefix must be valid SD.
    if (frame.substr(0, 2) == "- ") {
      // nil SD
    } else {
      bool found = false;
      for (std::size_t i = 0; i < frame.size() && !found; ++i)
        if (frame[i] == ']' && (i + 1 == frame.size() || frame[i + 1] == ' '))
          found = is_valid_structured_data(frame.substr(0, i + 1));
      check(found);
    }
  } else {
    token();  // MMM
    token();  // dd
    token();  // HH:mm:ss
    std::string_view host = token();
    check(!host.empty());
    for (char ch : host) {
      auto u = static_cast<unsigned char>(ch);
      check((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || ch == '.' ||
            ch == '-' || ch == '_');
    }
    auto last = static_cast<unsigned char>(host.back());
    check((last >= '0' && last <= '9') || (last >= 'a' && last <= 'z') || (last >= 'A' && last <= 'Z'));
  }
  // Truncation never splits a valid UTF-8 sequence.
  if (is_valid_utf8(out)) {
    for (std::size_t max : {480u, 500u, 1000u}) {
      std::size_t n = utf8_truncated_size(out, max);
      check(n <= max || n == out.size());
      check(is_valid_utf8(std::string_view(out).substr(0, n)));
    }
  }
  return 0;
}
