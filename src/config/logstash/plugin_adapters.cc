#include "config/logstash/plugin_adapters.h"

#include <algorithm>
#include <cmath>

namespace logferry::config::logstash {

namespace {

ConfValue scalar_value(std::string text, int line) {
  ConfValue v;
  v.kind = ConfValue::Kind::kString;
  v.text = std::move(text);
  v.line = line;
  return v;
}

bool same(const ConfValue& a, const ConfValue& b) {
  if (a.kind != b.kind || a.text != b.text || a.items.size() != b.items.size() ||
      a.entries.size() != b.entries.size())
    return false;
  for (std::size_t i = 0; i < a.items.size(); ++i)
    if (!same(a.items[i], b.items[i])) return false;
  for (std::size_t i = 0; i < a.entries.size(); ++i)
    if (!same(a.entries[i].first, b.entries[i].first) || !same(a.entries[i].second, b.entries[i].second))
      return false;
  return true;
}

bool contains(const std::vector<ConfValue>& items, const ConfValue& v) {
  return std::any_of(items.begin(), items.end(), [&](const ConfValue& i) { return same(i, v); });
}

// LogStash::Util.hash_merge: nested hashes merge, arrays union, a scalar replaces a scalar.
void hash_merge(ConfValue& dst, const ConfValue& src) {
  for (const auto& entry : src.entries) {
    const ConfValue& key = entry.first;
    const ConfValue& svalue = entry.second;
    auto it = std::find_if(dst.entries.begin(), dst.entries.end(),
                           [&](const auto& e) { return e.first.text == key.text; });
    if (it == dst.entries.end()) {
      dst.entries.push_back({key, svalue});
      continue;
    }
    ConfValue& dvalue = it->second;
    if (dvalue.kind == ConfValue::Kind::kHash && svalue.kind == ConfValue::Kind::kHash) {
      hash_merge(dvalue, svalue);
    } else if (svalue.kind == ConfValue::Kind::kArray) {
      if (dvalue.kind != ConfValue::Kind::kArray) {
        ConfValue wrapped;
        wrapped.kind = ConfValue::Kind::kArray;
        wrapped.line = dvalue.line;
        wrapped.items.push_back(dvalue);
        dvalue = std::move(wrapped);
      }
      for (const auto& item : svalue.items)
        if (!contains(dvalue.items, item)) dvalue.items.push_back(item);
    } else if (dvalue.kind == ConfValue::Kind::kArray) {
      if (!contains(dvalue.items, svalue)) dvalue.items.push_back(svalue);
    } else {
      dvalue = svalue;
    }
  }
}

// ---- codecs ----
struct Codec {
  std::string name;
  int line = 0;
  std::vector<Attribute> settings;
};

std::optional<Codec> take_codec(AdaptContext& ctx) {
  auto a = ctx.take("codec");
  if (!a) return std::nullopt;
  Codec c;
  c.line = a->line;
  if (a->value.kind == ConfValue::Kind::kPlugin) {
    c.name = a->value.plugin->name;
    c.settings = merge_repeated(a->value.plugin->attributes);
  } else if (auto text = ctx.scalar(*a)) {
    c.name = *text;
  } else {
    return std::nullopt;
  }
  return c;
}

// Inputs here read lines, which is what the `line` and `plain` codecs give.
void line_codec_only(AdaptContext& ctx) {
  auto c = take_codec(ctx);
  if (!c) return;
  if (c->name != "line" && c->name != "plain") {
    ctx.error(c->line, "codec '" + c->name + "' is not supported on this input yet (line and plain are)");
    return;
  }
  for (const auto& s : c->settings)
    ctx.error(s.line, "codec " + c->name + ": setting '" + s.name + "' is not supported");
}

void plain_codec_only(AdaptContext& ctx) {
  auto c = take_codec(ctx);
  if (!c) return;
  if (c->name != "plain" || !c->settings.empty())
    ctx.error(c->line, "only the default codec (plain, no settings) is supported on this output");
}

// `format` of the line/plain codecs -> the native `format` template.
bool codec_format(AdaptContext& ctx, const Codec& c, std::string default_format) {
  std::string format = std::move(default_format);
  int line = c.line;
  bool ok = true;
  for (const auto& s : c.settings) {
    if (s.name == "format") {
      if (auto text = ctx.scalar(s)) format = *text;
      line = s.line;
    } else {
      ctx.error(s.line, "codec " + c.name + ": setting '" + s.name + "' is not supported");
      ok = false;
    }
  }
  ctx.primary().settings.push_back({"format", line, scalar_value(format, line)});
  return ok;
}

// `host` + `port` -> `address` (IPv6 hosts bracketed).
std::optional<std::string> listen_address(AdaptContext& ctx, const char* default_host,
                                          std::optional<std::string> default_port, int& line) {
  std::string host = default_host;
  line = ctx.plugin().line;
  if (auto h = ctx.take("host")) {
    if (auto t = ctx.scalar(*h)) host = *t;
    line = h->line;
  }
  std::optional<std::string> port = default_port;
  if (auto p = ctx.take("port")) {
    port = ctx.scalar(*p);
    line = p->line;
  }
  if (!port) {
    ctx.error(ctx.plugin().line, "setting 'port' is required");
    return std::nullopt;
  }
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return host + ":" + *port;
}

// ---- adapters ----
void adapt_beats(AdaptContext& ctx) {
  plain_codec_only(ctx);
  // Logstash before 8.x spells it `ssl`; the native source uses 8.x's `ssl_enabled`.
  if (auto ssl = ctx.take("ssl")) ctx.primary().settings.push_back({"ssl_enabled", ssl->line, ssl->value});
  if (ctx.native_has("host")) return;  // the native source speaks host/port itself
  int line = 0;
  if (auto address = listen_address(ctx, "0.0.0.0", std::nullopt, line))
    ctx.primary().settings.push_back({"address", line, scalar_value(*address, line)});
}

// Logstash's syslog input listens on UDP and TCP on the same port: two native sources.
void adapt_syslog_input(AdaptContext& ctx) {
  plain_codec_only(ctx);
  if (auto ecs = ctx.take("ecs_compatibility")) {
    if (ctx.scalar(*ecs) != std::optional<std::string>("disabled"))
      ctx.error(ecs->line, "ecs_compatibility: only 'disabled' is supported (field names are "
                           "the native syslog source's, see docs/logstash.md)");
  }
  auto proxy = ctx.take("proxy_protocol");  // PROXY headers come on TCP only
  int line = 0;
  auto address = listen_address(ctx, "0.0.0.0", "514", line);
  if (!address) return;
  ctx.primary().suffix = "_udp";
  ctx.primary().settings.push_back({"address", line, scalar_value(*address, line)});
  ctx.primary().settings.push_back({"mode", line, scalar_value("udp", line)});
  NativeComponent tcp{ctx.primary().type, "_tcp", {}};
  tcp.settings.push_back({"address", line, scalar_value(*address, line)});
  tcp.settings.push_back({"mode", line, scalar_value("tcp", line)});
  if (proxy) tcp.settings.push_back({"proxy_protocol", proxy->line, proxy->value});
  ctx.components.push_back(std::move(tcp));
}

void adapt_stdin(AdaptContext& ctx) { line_codec_only(ctx); }

// ---- tcp and udp: the native socket source ----

// The line codecs' delimiter: a newline, written as one or (without config.support_escapes)
// as the two characters backslash-n, which is what such configs mean.
void newline_delimiter_only(AdaptContext& ctx, const std::string& codec, const Attribute& s) {
  auto text = ctx.scalar(s);
  if (text && *text != "\n" && *text != "\\n")
    ctx.error(s.line, "codec " + codec + ": delimiter: only a newline is supported");
}

// A codec -> the socket source's framing and decoding. `plain` on a stream reads lines (as
// senders mean it: Logstash's plain cuts wherever a read ends); on UDP a datagram is an event.
void socket_codec(AdaptContext& ctx, const char* default_codec, bool datagrams) {
  auto c = take_codec(ctx);
  std::string name = c ? c->name : default_codec;
  int line = c ? c->line : ctx.plugin().line;
  bool lines = name == "line" || name == "json_lines" || (name == "plain" && !datagrams);
  if (name != "line" && name != "plain" && name != "json" && name != "json_lines") {
    ctx.error(line, "codec '" + name + "' is not supported on this input (plain, line, json, json_lines are)");
    return;
  }
  for (const auto& s : c ? c->settings : std::vector<Attribute>{}) {
    if (s.name == "delimiter" && (name == "line" || name == "json_lines")) {
      newline_delimiter_only(ctx, name, s);
    } else if (s.name == "charset") {
      auto text = ctx.scalar(s);
      if (text && *text != "UTF-8" && *text != "utf-8")
        ctx.error(s.line, "codec " + name + ": charset: only UTF-8 is supported");
    } else {
      ctx.error(s.line, "codec " + name + ": setting '" + s.name + "' is not supported");
    }
  }
  ctx.primary().settings.push_back({"framing", line, scalar_value(lines ? "newline" : "none", line)});
  bool json = name == "json" || name == "json_lines";
  ctx.primary().settings.push_back({"decoding", line, scalar_value(json ? "json" : "text", line)});
}

void disabled_ecs_only(AdaptContext& ctx) {
  if (auto ecs = ctx.take("ecs_compatibility")) {
    if (ctx.scalar(*ecs) != std::optional<std::string>("disabled"))
      ctx.error(ecs->line, "ecs_compatibility: only 'disabled' is supported (host, port and message "
                           "as Logstash 5-7 name them)");
  }
}

// Settings that are accepted with nothing to map (documented in the plugin's table).
void accept(AdaptContext& ctx, std::initializer_list<const char*> names) {
  for (const char* n : names) (void)ctx.take(n);
}

void socket_address(AdaptContext& ctx, const char* mode) {
  int line = 0;
  if (auto address = listen_address(ctx, "0.0.0.0", std::nullopt, line))
    ctx.primary().settings.push_back({"address", line, scalar_value(*address, line)});
  ctx.primary().settings.push_back({"mode", ctx.plugin().line, scalar_value(mode, ctx.plugin().line)});
}

// ssl_* -> the socket source's `tls` map.
void tcp_tls(AdaptContext& ctx) {
  ConfValue tls;
  tls.kind = ConfValue::Kind::kHash;
  tls.line = ctx.plugin().line;
  auto put = [&](const char* key, const ConfValue& v) { tls.entries.push_back({scalar_value(key, v.line), v}); };
  auto rename = [&](const char* from, const char* to) {
    if (auto a = ctx.take(from)) put(to, a->value);
  };
  rename("ssl_enable", "enabled");
  rename("ssl_cert", "cert_file");
  rename("ssl_key", "key_file");
  rename("ssl_key_passphrase", "key_passphrase");
  rename("ssl_supported_protocols", "protocols");
  rename("ssl_cipher_suites", "ciphers");
  rename("ssl_extra_chain_certs", "extra_chain_certs");
  bool has_ca = false;
  if (auto ca = ctx.take("ssl_certificate_authorities")) {
    const ConfValue* one = &ca->value;
    if (ca->value.kind == ConfValue::Kind::kArray) {
      if (ca->value.items.size() != 1) ctx.error(ca->line, "ssl_certificate_authorities: give one PEM file (it may hold several CAs)");
      one = ca->value.items.empty() ? nullptr : &ca->value.items.front();
    }
    if (one) put("ca_file", *one);
    has_ca = one != nullptr;
  }
  // Logstash's ssl_verify defaults to true, checking clients against the given CAs.
  if (auto verify = ctx.take("ssl_verify")) {
    put("verify_client", verify->value);
  } else if (has_ca) {
    put("verify_client", scalar_value("true", tls.line));
  }
  if (!tls.entries.empty()) ctx.primary().settings.push_back({"tls", tls.line, tls});
}

void adapt_tcp(AdaptContext& ctx) {
  socket_codec(ctx, "line", false);
  disabled_ecs_only(ctx);
  if (auto mode = ctx.take("mode")) {
    if (ctx.scalar(*mode) != std::optional<std::string>("server"))
      ctx.error(mode->line, "mode: only 'server' is supported (logferry listens; point the sender at it)");
  }
  accept(ctx, {"tcp_keep_alive"});
  if (auto proxy = ctx.take("proxy_protocol")) ctx.primary().settings.push_back({"proxy_protocol", proxy->line, proxy->value});
  socket_address(ctx, "tcp");
  tcp_tls(ctx);
}

void adapt_udp(AdaptContext& ctx) {
  socket_codec(ctx, "plain", true);
  disabled_ecs_only(ctx);
  accept(ctx, {"workers", "queue_size"});
  if (auto b = ctx.take("buffer_size")) ctx.primary().settings.push_back({"max_frame_bytes", b->line, b->value});
  if (auto r = ctx.take("receive_buffer_bytes"))
    ctx.primary().settings.push_back({"receive_buffer_bytes", r->line, r->value});
  socket_address(ctx, "udp");
}

// ---- file input (tail mode) ----
// A string or an array of strings as a list; nullopt (and an error) otherwise.
std::optional<ConfValue> string_list(AdaptContext& ctx, const Attribute& a) {
  ConfValue list;
  list.kind = ConfValue::Kind::kArray;
  list.line = a.line;
  if (a.value.kind != ConfValue::Kind::kArray) {
    if (!ctx.scalar(a)) return std::nullopt;
    list.items.push_back(scalar_value(a.value.text, a.line));
    return list;
  }
  for (const auto& item : a.value.items) {
    if (!item.is_scalar()) {
      ctx.error(item.line, a.name + ": must be a string or an array of strings");
      return std::nullopt;
    }
    list.items.push_back(scalar_value(item.text, item.line));
  }
  return list;
}

// Logstash's FriendlyDurations: a number of seconds, or "<number> <unit>" (us, ms, s, m, h,
// d, w and their long names) -> our "<n>ms".
std::optional<std::string> friendly_duration(AdaptContext& ctx, const Attribute& a) {
  auto text = ctx.scalar(a);
  if (!text) return std::nullopt;
  static const std::vector<std::pair<std::vector<std::string_view>, double>> kUnits = {
      {{"us", "usec", "usecs", "microsecond", "microseconds"}, 0.001},
      {{"ms", "msec", "msecs", "millisecond", "milliseconds"}, 1},
      {{"", "s", "sec", "secs", "second", "seconds"}, 1000},
      {{"m", "min", "mins", "minute", "minutes"}, 60e3},
      {{"h", "hr", "hrs", "hour", "hours"}, 3600e3},
      {{"d", "day", "days"}, 86400e3},
      {{"w", "wk", "wks", "week", "weeks"}, 604800e3}};
  std::size_t end = 0;
  double number = 0;
  try {
    number = std::stod(*text, &end);
  } catch (...) {
    end = 0;
  }
  std::string unit = text->substr(end);
  unit.erase(0, unit.find_first_not_of(' '));
  for (const auto& [names, ms] : kUnits) {
    if (end == 0 || number < 0 || std::find(names.begin(), names.end(), unit) == names.end())
      continue;
    return std::to_string(static_cast<int64_t>(std::ceil(number * ms))) + "ms";
  }
  ctx.error(a.line, a.name + ": '" + *text + "' is not a duration (seconds, or e.g. \"5 seconds\", \"1 hour\")");
  return std::nullopt;
}

void file_input_paths(AdaptContext& ctx) {
  auto path = ctx.take("path");
  if (!path) {
    ctx.error(ctx.plugin().line, "setting 'path' is required");
    return;
  }
  auto list = string_list(ctx, *path);
  if (!list) return;
  for (const auto& item : list->items) {
    if (item.text.empty() || item.text.front() != '/')
      ctx.error(item.line, "path: '" + item.text + "' must be absolute, as Logstash requires");
    // Ruby's Dir.glob has these; glob(3) would read them differently.
    if (item.text.find("**") != std::string::npos)
      ctx.error(item.line, "path: '" + item.text + "': recursive '**' is not supported (write each level, e.g. /var/log/*/*.log)");
    if (item.text.find('{') != std::string::npos)
      ctx.error(item.line, "path: '" + item.text + "': '{a,b}' alternatives are not supported (list the paths in an array)");
  }
  ctx.primary().settings.push_back({"include", path->line, *list});
  // Logstash matches exclude against the file name; the native source does that for patterns
  // without '/' (exclude_names).
  if (auto exclude = ctx.take("exclude"))
    if (auto e = string_list(ctx, *exclude)) ctx.primary().settings.push_back({"exclude", exclude->line, *e});
}

void adapt_file_input(AdaptContext& ctx) {
  line_codec_only(ctx);
  file_input_paths(ctx);
  auto& out = ctx.primary().settings;
  // Logstash treats files as live streams unless told otherwise: its default is end.
  std::string start = "end";
  int start_line = ctx.plugin().line;
  if (auto a = ctx.take("start_position")) {
    start = ctx.scalar(*a).value_or("end");
    start_line = a->line;
    if (start != "beginning" && start != "end") {
      ctx.error(a->line, "start_position: '" + start + "' is not beginning or end");
      start = "end";
    }
  }
  out.push_back({"read_from", start_line, scalar_value(start, start_line)});
  if (auto a = ctx.take("mode"); a && ctx.scalar(*a) != std::optional<std::string>("tail"))
    ctx.error(a->line, "mode: only 'tail' is supported (read mode, which reads whole files once "
                       "and then deletes or logs them, is not)");
  if (auto a = ctx.take("delimiter")) {
    auto text = ctx.scalar(*a);  // a real newline, or "\n" as written without config.support_escapes
    if (text && *text != "\n" && *text != "\\n")
      ctx.error(a->line, "delimiter: only \"\\n\" is supported");
  }
  if (auto a = ctx.take("ecs_compatibility"); a && ctx.scalar(*a) != std::optional<std::string>("disabled"))
    ctx.error(a->line, "ecs_compatibility: only 'disabled' is supported (fields message, path, host)");
  if (auto a = ctx.take("sincedb_path"))
    if (auto text = ctx.scalar(*a)) out.push_back({"checkpoint_file", a->line, scalar_value(*text, a->line)});
  if (auto a = ctx.take("max_open_files"))
    if (auto text = ctx.scalar(*a)) out.push_back({"max_open_files", a->line, scalar_value(*text, a->line)});
  if (auto a = ctx.take("discover_interval")) {
    auto text = ctx.scalar(*a);
    if (text && (text->empty() || text->find_first_not_of("0123456789") != std::string::npos || *text == "0"))
      ctx.error(a->line, "discover_interval: must be a positive whole number");
  }
  static const std::pair<const char*, const char*> kDurations[] = {
      {"stat_interval", "glob_interval"},
      {"close_older", "close_idle_after"},
      {"ignore_older", "ignore_older"},
      {"sincedb_write_interval", "checkpoint_interval"}};
  for (const auto& [logstash, native] : kDurations)
    if (auto a = ctx.take(logstash))
      if (auto d = friendly_duration(ctx, *a)) out.push_back({native, a->line, scalar_value(*d, a->line)});
}

// stdout's default codec is rubydebug (a Ruby hash dump for humans); we print JSON lines.
void adapt_stdout(AdaptContext& ctx) {
  auto c = take_codec(ctx);
  std::string name = c ? c->name : "rubydebug";
  int line = c ? c->line : ctx.plugin().line;
  if (name == "rubydebug" || name == "json" || name == "json_lines") {
    for (const auto& s : c ? c->settings : std::vector<Attribute>{})
      ctx.error(s.line, "codec " + name + ": setting '" + s.name + "' is not supported");
    ctx.primary().settings.push_back({"encoding", line, scalar_value("json", line)});
  } else if (name == "line" || name == "plain") {
    ctx.primary().settings.push_back({"encoding", line, scalar_value("text", line)});
    codec_format(ctx, *c, "%{@timestamp} %{host} %{message}");
  } else {
    ctx.error(line, "codec '" + name + "' is not supported on stdout (rubydebug, json, json_lines, "
                    "line and plain are)");
  }
}

// The file output writes json_lines by default.
void adapt_file_output(AdaptContext& ctx) {
  auto c = take_codec(ctx);
  std::string name = c ? c->name : "json_lines";
  int line = c ? c->line : ctx.plugin().line;
  if (name == "line" || name == "plain") {
    codec_format(ctx, *c, "%{@timestamp} %{host} %{message}");
  } else if (name == "json_lines" || name == "json") {
    // Both write one JSON document per line (Logstash's json codec writes no newline).
    for (const auto& s : c ? c->settings : std::vector<Attribute>{})
      ctx.error(s.line, "codec " + name + ": setting '" + s.name + "' is not supported");
    ctx.primary().settings.push_back({"encoding", line, scalar_value("json", line)});
  } else {
    ctx.error(line, "codec '" + name + "' is not supported on the file output (json_lines, json, line, plain)");
  }
  // Logstash's -1 means "the default"; other modes are octal numbers such as 0640.
  for (const char* key : {"file_mode", "dir_mode"}) {
    auto a = ctx.take(key);
    if (!a) continue;
    auto text = ctx.scalar(*a);
    if (!text || *text == "-1") continue;
    ctx.primary().settings.push_back({key, a->line, scalar_value(*text, a->line)});
  }
}

void adapt_syslog_output(AdaptContext& ctx) { plain_codec_only(ctx); }

void adapt_elasticsearch(AdaptContext& ctx) {
  if (auto c = take_codec(ctx)) ctx.error(c->line, "codec is not supported on the elasticsearch output");
}

}  // namespace

std::optional<Attribute> AdaptContext::take(std::string_view name) {
  auto it = std::find_if(attributes_.begin(), attributes_.end(),
                         [&](const Attribute& a) { return a.name == name; });
  if (it == attributes_.end()) return std::nullopt;
  Attribute a = std::move(*it);
  attributes_.erase(it);
  return a;
}

bool AdaptContext::has(std::string_view name) const {
  return std::any_of(attributes_.begin(), attributes_.end(),
                     [&](const Attribute& a) { return a.name == name; });
}

void AdaptContext::error(int line, const std::string& message) {
  errors_.push_back({line, std::string(section_name(section_)) + " plugin '" + plugin_.name + "': " + message});
}

std::optional<std::string> AdaptContext::scalar(const Attribute& a) {
  if (a.value.is_scalar()) return a.value.text;
  error(a.line, a.name + ": must be a string or number");
  return std::nullopt;
}

std::vector<Attribute> merge_repeated(const std::vector<Attribute>& attributes) {
  std::vector<Attribute> out;
  for (const auto& a : attributes) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Attribute& o) { return o.name == a.name; });
    if (it == out.end()) {
      out.push_back(a);
      continue;
    }
    ConfValue& existing = it->value;
    if (existing.kind == ConfValue::Kind::kHash && a.value.kind == ConfValue::Kind::kHash) {
      hash_merge(existing, a.value);
    } else if (existing.kind == ConfValue::Kind::kArray) {
      if (a.value.kind == ConfValue::Kind::kArray) {
        existing.items.insert(existing.items.end(), a.value.items.begin(), a.value.items.end());
      } else {
        existing.items.push_back(a.value);
      }
    } else if (!same(existing, a.value)) {
      ConfValue pair;
      pair.kind = ConfValue::Kind::kArray;
      pair.line = existing.line;
      pair.items = {existing, a.value};
      existing = std::move(pair);
    }
  }
  return out;
}

const CommonSettings& common_settings(SectionKind section) {
  static const CommonSettings kInput{
      {{"id", "the component's name"}, {"enable_metric", "accepted; metrics are always on"},
       {"type", "a `decorate` transform after the input: set unless the event has a type"},
       {"tags", "`decorate` `add_tag`: appended to the event's tags (templates)"},
       {"add_field", "`decorate` `add_field` (templates; an existing field becomes an array)"}},
      {}};
  static const CommonSettings kFilter{
      {{"id", "the component's name"}, {"enable_metric", "accepted; metrics are always on"},
       {"periodic_flush", "accepted; no mapped filter buffers events"}},
      {}};
  static const CommonSettings kOutput{
      {{"id", "the component's name"}, {"enable_metric", "accepted; metrics are always on"}},
      {{"workers", "one thread per output; not configurable"}}};
  switch (section) {
    case SectionKind::kInput: return kInput;
    case SectionKind::kFilter: return kFilter;
    default: return kOutput;
  }
}

const std::vector<PluginSpec>& plugin_specs() {
  using S = SectionKind;
  static const std::vector<PluginSpec> kSpecs = {
      {S::kInput, "beats", "beats", "Lumberjack v2 server (Filebeat).", true,
       {{"host", "`address` host (default 0.0.0.0), unless the native source has `host`"},
        {"port", "`address` port (required, as in Logstash)"},
        {"ssl", "`ssl_enabled` (the name before Logstash 8)"},
        {"codec", "plain only"}},
       {},
       adapt_beats},
      {S::kInput, "syslog", "syslog",
       "Syslog on UDP and TCP on one port, as Logstash's input: two native syslog sources "
       "(NAME_udp, NAME_tcp).",
       false,
       {{"host", "`address` host of both (default 0.0.0.0)"},
        {"port", "`address` port of both (default 514)"},
        {"ecs_compatibility", "`disabled` only"},
        {"codec", "plain only"},
        {"proxy_protocol", "`proxy_protocol` of NAME_tcp: a PROXY v1 or v2 header; its client is "
                           "`source_ip`, and `host` when the message has no hostname"}},
       {{"timezone", "not supported: RFC 3164 stamps without a zone are read as UTC"},
        {"locale", "not supported (English month names)"},
        {"use_labels", "not supported: facility and severity are the native source's fields"},
        {"facility_labels", "not supported"},
        {"severity_labels", "not supported"},
        {"syslog_field", "not supported"},
        {"grok_pattern", "not supported: the native parser reads RFC 3164 and RFC 5424"},
        {"service_type", "not supported"}},
       adapt_syslog_input},
      {S::kInput, "stdin", "stdin", "Lines of standard input.", true, {{"codec", "line or plain"}}, {},
       adapt_stdin},
      {S::kInput, "tcp", "socket",
       "Lines or JSON over TCP or TLS (mode tcp of the native socket source): `host` and `port` "
       "of the peer on each event.",
       false,
       {{"host", "`address` host (default 0.0.0.0)"},
        {"port", "`address` port (required)"},
        {"mode", "`server` only; `client` is an error"},
        {"codec", "line (default) and plain: one event per line; json_lines; json: one per read; "
                  "line/json_lines `delimiter`: newline only; `charset`: UTF-8 only"},
        {"ssl_enable", "`tls.enabled`"},
        {"ssl_cert", "`tls.cert_file`"},
        {"ssl_key", "`tls.key_file`"},
        {"ssl_key_passphrase", "`tls.key_passphrase` (a wrong one is an error at start)"},
        {"ssl_supported_protocols", "`tls.protocols`: TLSv1.1, TLSv1.2, TLSv1.3, consecutive "
                                    "(default TLSv1.2 and TLSv1.3)"},
        {"ssl_cipher_suites", "`tls.ciphers`: IANA names as Logstash's (OpenSSL names too)"},
        {"ssl_extra_chain_certs", "`tls.extra_chain_certs`"},
        {"ssl_certificate_authorities", "`tls.ca_file` (one file)"},
        {"ssl_verify", "`tls.verify_client` (default: true when CAs are given)"},
        {"tcp_keep_alive", "accepted; keep-alive is always on"},
        {"proxy_protocol", "`proxy_protocol`: PROXY v1 or v2 header; its client is `host` and `port`, "
                           "the address it reached `proxy_host` and `proxy_port`; with TLS, before the handshake"},
        {"ecs_compatibility", "`disabled` only"}},
       {{"dns_reverse_lookup_enabled", "not supported: `host` is the peer's IP address"}},
       adapt_tcp},
      {S::kInput, "udp", "socket",
       "Datagrams (mode udp of the native socket source): `host` of the sender on each event.",
       false,
       {{"host", "`address` host (default 0.0.0.0)"},
        {"port", "`address` port (required)"},
        {"buffer_size", "`max_frame_bytes` (longer datagrams are cut and marked truncated)"},
        {"receive_buffer_bytes", "`receive_buffer_bytes`"},
        {"codec", "plain (default) and json: one event per datagram; line, json_lines: per line; "
                  "`charset`: UTF-8 only"},
        {"workers", "accepted: one thread reads; filters run on pipeline.workers"},
        {"queue_size", "accepted: the pipeline's byte-bounded buffer holds unprocessed events"},
        {"ecs_compatibility", "`disabled` only"}},
       {{"source_ip_fieldname", "not supported: the sender is `host`"}},
       adapt_udp},
      {S::kInput, "file", "file",
       "Tails files in tail mode, as Logstash's file input: one event per line with `message`, "
       "`path`, `host`, `@timestamp` (see docs/file_source.md).",
       false,
       {{"path", "`include` (string or array; absolute paths, glob(3) globs: `**` and `{a,b}` are errors)"},
        {"exclude", "`exclude`; a pattern without `/` matches the file name, as in Logstash"},
        {"start_position", "`read_from` (beginning, end); Logstash's default `end` is kept"},
        {"mode", "`tail` only"},
        {"sincedb_path", "`checkpoint_file` (our format, not sincedb's; `/dev/null` = not kept)"},
        {"stat_interval", "`glob_interval` (seconds or e.g. \"1 second\")"},
        {"discover_interval", "accepted: discovery runs every stat_interval, and at once with inotify"},
        {"close_older", "`close_idle_after`"},
        {"ignore_older", "`ignore_older`: old files are read from their end"},
        {"sincedb_write_interval", "`checkpoint_interval`"},
        {"max_open_files", "`max_open_files`"},
        {"delimiter", "\"\\n\" only"},
        {"ecs_compatibility", "`disabled` only"},
        {"codec", "line or plain"}},
       {{"file_completed_action", "not supported: read mode only, and only tail mode is"},
        {"file_completed_log_path", "not supported: read mode only, and only tail mode is"},
        {"exit_after_read", "not supported: read mode only, and only tail mode is"},
        {"file_chunk_size", "not supported: files are read 1 MiB at a time (`read_buffer`)"},
        {"file_chunk_count", "not supported: each file is read up to 8 MiB per turn"},
        {"file_sort_by", "not supported: files are read in the order they are found"},
        {"file_sort_direction", "not supported: files are read in the order they are found"},
        {"check_archive_validity", "not supported: read mode only"},
        {"sincedb_clean_after", "not supported: positions of files gone are dropped once delivered"}},
       adapt_file_input},
      {S::kFilter, "mutate", "mutate", "Logstash mutate.", true, {}, {}, nullptr},
      {S::kFilter, "grok", "grok", "Logstash grok.", true, {}, {}, nullptr},
      {S::kFilter, "dissect", "dissect", "Logstash dissect.", true, {}, {}, nullptr},
      {S::kFilter, "date", "date", "Logstash date.", true, {}, {}, nullptr},
      {S::kFilter, "json", "parse_json", "Logstash json filter.", true, {}, {}, nullptr},
      {S::kFilter, "drop", "drop",
       "Drops the event. `if COND { drop {} }` (no settings, no else) becomes a native `filter` "
       "keeping `!(COND)`.",
       true, {}, {}, nullptr},
      {S::kOutput, "elasticsearch", "elasticsearch", "Elasticsearch _bulk.", true,
       {{"codec", "not supported"}}, {}, adapt_elasticsearch},
      {S::kOutput, "syslog", "syslog", "logstash-output-syslog; the native options have its names.",
       true, {{"codec", "plain only"}}, {}, adapt_syslog_output},
      {S::kOutput, "file", "file", "Lines to files by path template.", true,
       {{"codec", "json_lines (default) and json -> `encoding: json` (one document per line); "
                  "line/plain `format` -> `format`"},
        {"file_mode", "octal such as 0640; -1 = default"},
        {"dir_mode", "octal such as 0750; -1 = default"}},
       {{"gzip", "not supported: rotated files are compressed with `compress`"},
        {"flush_interval", "not supported: lines are written per batch"},
        {"create_if_deleted", "not supported: always recreated"},
        {"filename_failure", "not supported"},
        {"write_behavior", "not supported: always appends"}},
       adapt_file_output},
      {S::kOutput, "stdout", "console", "Events to standard output.", false,
       {{"codec", "rubydebug (default), json, json_lines -> JSON lines; line/plain `format` -> text"}},
       {},
       adapt_stdout},
  };
  return kSpecs;
}

const PluginSpec* find_spec(SectionKind section, std::string_view name) {
  for (const auto& s : plugin_specs())
    if (s.section == section && name == s.name) return &s;
  return nullptr;
}

}  // namespace logferry::config::logstash
