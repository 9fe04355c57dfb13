#include "transforms/multiline/multiline_transform.h"

#include <algorithm>

namespace logferry::transforms {

namespace {

// A stream's text buffer above this is given back after its event leaves: one 10 MiB trace
// must not pin 10 MiB per stream for good.
constexpr std::size_t kKeepTextCapacity = 64 * 1024;
// Streams with nothing held and no line for this long are forgotten (rotated files, gone pods).
constexpr auto kIdleStream = std::chrono::minutes(5);
constexpr auto kSweepInterval = std::chrono::minutes(1);

std::string_view without_newline(std::string_view line) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

}  // namespace

struct MultilineTransform::Stream {
  Arena arena{2048};           // the first line's event, cloned out of its batch
  std::optional<Event> first;  // set while lines are held
  const FieldPath* field = nullptr;
  std::string text;            // the lines joined so far
  std::size_t lines = 0;
  uint8_t state = 0;           // the parser's
  bool touched = false;
  SteadyTime deadline{};
  SteadyTime last_seen{};
  // Finalizers of the batches the held lines came in: their positions wait for the event.
  std::vector<FinalizerPtr> holds;
  uint64_t held_batch = 0;  // batch_seq_ of the last batch whose finalizers are in holds
};

void MultilineTransform::describe(config::Schema<Options>& s) {
  s.field("field", &Options::field)
      .doc("Field holding the line; empty: `log` (kubernetes_logs), or `message` when the "
           "event has no `log` (the file source).");
  s.field("pattern", &Options::pattern)
      .doc("Regex (PCRE2; Filebeat's Go syntax works) a line is tested against.");
  s.field("negate", &Options::negate)
      .doc("A line continues the event when it does NOT match `pattern` (Filebeat's negate).");
  s.field("match", &Options::match)
      .one_of({"after", "before"})
      .doc("`after`: a continuing line joins the line before it; `before`: the line after it.");
  s.field("parser", &Options::parser)
      .one_of({"", "java", "python", "go", "ruby"})
      .doc("Built-in rules for the stack traces of java, python, go or ruby (instead of pattern).");
  s.field("max_lines", &Options::max_lines)
      .range(1, 1000000)
      .doc("Lines in one event at most; the next line starts a new event (counted).");
  s.field("max_bytes", &Options::max_bytes)
      .doc("Bytes of joined text in one event at most; the line that would pass it starts a "
           "new event (counted).");
  s.field("timeout", &Options::timeout)
      .doc("A held event goes out when its stream has had no line for this long.");
  s.check([](const Options& o, config::CheckContext& ctx) {
    if (o.pattern.empty() == o.parser.empty())
      ctx.error(o.parser.empty() ? "" : "parser", "set exactly one of pattern and parser");
    if (!o.parser.empty() && (o.negate || o.match != "after"))
      ctx.error("parser", "negate and match apply to pattern only");
    if (o.max_bytes.bytes == 0) ctx.error("max_bytes", "must be more than 0");
    if (o.timeout.count() <= 0) ctx.error("timeout", "must be more than 0");
  });
}

Result<std::unique_ptr<Transform>> MultilineTransform::build(const Options& options,
                                                             BuildContext& ctx) {
  auto rules = MultilineRules::compile(options.parser, options.pattern, options.negate,
                                       options.match == "before");
  if (!rules) return unexpected(rules.error());
  auto l = ctx.labels();
  Counters c{
      ctx.metrics.counter("logferry_multiline_lines_joined_total",
                          "Lines joined into the event before them (not counting first lines)", l),
      ctx.metrics.counter("logferry_multiline_max_lines_total",
                          "Events ended early by max_lines (the next line starts a new one)", l),
      ctx.metrics.counter("logferry_multiline_max_bytes_total",
                          "Events ended early by max_bytes (the next line starts a new one)", l),
      ctx.metrics.counter("logferry_multiline_timeouts_total",
                          "Held events sent because their stream was quiet for timeout", l)};
  return std::unique_ptr<Transform>(
      std::make_unique<MultilineTransform>(options, std::move(*rules), c));
}

MultilineTransform::MultilineTransform(const Options& options, MultilineRules rules,
                                       Counters counters)
    : field_(FieldPath::parse(options.field)),
      log_(FieldPath::parse("log")),
      message_(FieldPath::parse("message")),
      stream_(FieldPath::parse("stream")),
      file_fields_{FieldPath::parse("path"), FieldPath::parse("source"), FieldPath::parse("file")},
      auto_field_(options.field.empty()),
      rules_(std::move(rules)),
      max_lines_(static_cast<std::size_t>(options.max_lines)),
      max_bytes_(options.max_bytes.bytes),
      timeout_(options.timeout),
      counters_(counters) {}

MultilineTransform::~MultilineTransform() {
  // Held lines that never went out were not delivered: their positions must not be committed.
  for (auto& [key, s] : streams_)
    for (auto& f : s->holds) f->fail();
}

const Value* MultilineTransform::find_text(const Event& e, const FieldPath*& field) const {
  if (!auto_field_) {
    field = &field_;
    return e.find(field_);
  }
  if (const Value* v = e.find(log_)) {
    field = &log_;
    return v;
  }
  field = &message_;
  return e.find(message_);
}

MultilineTransform::Stream& MultilineTransform::stream_for(const Event& e) {
  key_.clear();
  for (const auto& path : file_fields_) {
    const Value* v = e.find(path);
    if (v && v->kind() == Value::Kind::kString) {
      key_.append(v->as_string());
      break;
    }
  }
  key_.push_back('\x1f');
  if (const Value* v = e.find(stream_); v && v->kind() == Value::Kind::kString)
    key_.append(v->as_string());
  auto it = streams_.find(key_);
  if (it == streams_.end()) it = streams_.emplace(key_, std::make_unique<Stream>()).first;
  return *it->second;
}

void MultilineTransform::apply(EventBatch& batch) {
  auto now = std::chrono::steady_clock::now();
  ++batch_seq_;
  // The batch's own finalizers come first; emit() appends those of the lines it sends out,
  // which the batch's delivery releases: held lines must not hold them again.
  const std::size_t own_finalizers = batch.finalizers().size();
  Events& in = batch.events();
  Events out(&batch.arena());
  out.reserve(in.size());
  for (Event& e : in) {
    const FieldPath* field = nullptr;
    const Value* v = find_text(e, field);
    if (v == nullptr || v->kind() != Value::Kind::kString) {
      out.push_back(std::move(e));  // nothing to join: passes as it is
      continue;
    }
    Stream& s = stream_for(e);
    s.last_seen = now;
    if (!s.touched) {
      s.touched = true;
      touched_.push_back(&s);
    }
    on_line(s, e, *field, without_newline(v->as_string()), batch, out, now);
  }
  in.swap(out);
  for (Stream* s : touched_) {
    s->touched = false;
    if (!s->first || s->held_batch == batch_seq_) continue;
    const auto& f = batch.finalizers();
    s->holds.insert(s->holds.end(), f.begin(), f.begin() + std::ptrdiff_t(own_finalizers));
    s->held_batch = batch_seq_;
  }
  touched_.clear();
  if (joined_in_batch_) counters_.joined_lines.add(std::exchange(joined_in_batch_, 0));
}

void MultilineTransform::on_line(Stream& s, Event& e, const FieldPath& field,
                                 std::string_view line, EventBatch& batch, Events& out,
                                 SteadyTime now) {
  bool continues = rules_.continues(line, s.state);
  bool joins = s.first && (continues || rules_.match_before());
  if (joins) {
    bool lines_ok = s.lines < max_lines_;
    bool bytes_ok = s.text.size() + 1 + line.size() <= max_bytes_;
    if (lines_ok && bytes_ok) {
      append(s, line);
    } else {
      (lines_ok ? counters_.max_bytes_hits : counters_.max_lines_hits).add();
      emit(s, batch, out);
      start(s, e, field, line);
    }
  } else {
    if (s.first) emit(s, batch, out);
    if (rules_.match_before() && !continues) {
      out.push_back(std::move(e));  // a line on its own: no copy
      return;
    }
    start(s, e, field, line);
  }
  if (rules_.match_before() && !continues) {
    emit(s, batch, out);  // the line that ends a `before` group
    return;
  }
  s.deadline = now + timeout_;
}

void MultilineTransform::start(Stream& s, const Event& e, const FieldPath& field,
                               std::string_view line) {
  s.first.emplace(e.clone_into(s.arena));
  s.field = &field;
  s.text.assign(line);
  s.lines = 1;
}

void MultilineTransform::append(Stream& s, std::string_view line) {
  s.text.push_back('\n');
  s.text.append(line);
  ++s.lines;
  ++joined_in_batch_;
}

void MultilineTransform::emit(Stream& s, EventBatch& batch, Events& out) {
  std::string_view text = s.text;
  if (rules_.trims_trailing_blank_lines()) {
    auto end = text.find_last_not_of(" \t\r\n");
    if (end != std::string_view::npos) text = text.substr(0, end + 1);
  }
  Event& ev = out.emplace_back(s.first->clone_into(batch.arena()));
  ev.set(*s.field, Value::string(batch.arena().copy(text)));
  for (auto& f : s.holds) batch.add_finalizer(std::move(f));
  s.holds.clear();
  s.held_batch = 0;
  s.first.reset();
  s.arena.reset();
  s.text.clear();
  if (s.text.capacity() > kKeepTextCapacity) s.text.shrink_to_fit();
  s.lines = 0;
}

std::optional<Transform::SteadyTime> MultilineTransform::flush_due(SteadyTime now,
                                                                   EventBatch& out) {
  std::optional<SteadyTime> next;
  for (auto& [key, sp] : streams_) {
    Stream& s = *sp;
    if (!s.first) continue;
    if (s.deadline <= now) {
      if (now != SteadyTime::max()) counters_.timeouts.add();
      emit(s, out, out.events());
    } else if (!next || s.deadline < *next) {
      next = s.deadline;
    }
  }
  if (now != SteadyTime::max()) sweep_idle(now);
  return next;
}

void MultilineTransform::sweep_idle(SteadyTime now) {
  if (now < next_sweep_) return;
  next_sweep_ = now + kSweepInterval;
  std::erase_if(streams_, [&](const auto& kv) {
    return !kv.second->first && now - kv.second->last_seen >= kIdleStream;
  });
}

}  // namespace logferry::transforms
