#include "config/logstash/conf_to_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>
#include <fstream>
#include <set>
#include <sstream>

#include "config/logstash/conf_grammar.h"
#include "config/logstash/plugin_adapters.h"

namespace logferry::config::logstash {

namespace {

// Global line of the concatenated text -> FILE:LINE.
class SourceMap {
 public:
  void add(int first_line, std::filesystem::path file) { parts_.push_back({first_line, std::move(file)}); }
  std::pair<std::string, int> resolve(int line) const {
    for (auto it = parts_.rbegin(); it != parts_.rend(); ++it)
      if (line >= it->first_line) return {it->file.string(), line - it->first_line + 1};
    return {parts_.empty() ? "" : parts_.front().file.string(), line};
  }

 private:
  struct Part {
    int first_line;
    std::filesystem::path file;
  };
  std::vector<Part> parts_;
};

std::string yaml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A plugin's adapted settings as YAML for the native schema, remembering which .conf line
// each YAML line came from so the schema's errors point into the .conf.
struct YamlDoc {
  std::string text;
  std::vector<int> lines;  // YAML line i+1 -> global .conf line
  void add(int conf_line, int indent, const std::string& s) {
    text.append(static_cast<std::size_t>(indent), ' ');
    text += s;
    text += '\n';
    lines.push_back(conf_line);
  }
  int conf_line(int yaml_line, int fallback) const {
    return yaml_line >= 1 && yaml_line <= static_cast<int>(lines.size()) ? lines[static_cast<std::size_t>(yaml_line - 1)]
                                                                          : fallback;
  }
};

bool emit(YamlDoc& doc, int indent, const std::string& head, const ConfValue& v) {
  switch (v.kind) {
    case ConfValue::Kind::kPlugin: return false;
    case ConfValue::Kind::kArray:
      if (v.items.empty()) {
        doc.add(v.line, indent, head + " []");
        return true;
      }
      doc.add(v.line, indent, head);
      for (const auto& item : v.items)
        if (!emit(doc, indent + 2, "-", item)) return false;
      return true;
    case ConfValue::Kind::kHash:
      if (v.entries.empty()) {
        doc.add(v.line, indent, head + " {}");
        return true;
      }
      doc.add(v.line, indent, head);
      for (const auto& [key, value] : v.entries)
        if (!emit(doc, indent + 2, yaml_quote(key.text) + ":", value)) return false;
      return true;
    default:
      doc.add(v.line, indent, head + " " + yaml_quote(v.text));
      return true;
  }
}

ConfValue string_value(std::string text, int line) {
  ConfValue v;
  v.text = std::move(text);
  v.line = line;
  return v;
}

template <class Base>
const ComponentType<Base>* find_kind(const Registry& r, std::string_view type);
template <>
const ComponentType<Source>* find_kind<Source>(const Registry& r, std::string_view type) { return r.find_source(type); }
template <>
const ComponentType<Transform>* find_kind<Transform>(const Registry& r, std::string_view type) {
  return r.find_transform(type);
}
template <>
const ComponentType<Sink>* find_kind<Sink>(const Registry& r, std::string_view type) { return r.find_sink(type); }

template <class Base>
SectionKind section_of();
template <> SectionKind section_of<Source>() { return SectionKind::kInput; }
template <> SectionKind section_of<Transform>() { return SectionKind::kFilter; }
template <> SectionKind section_of<Sink>() { return SectionKind::kOutput; }

template <class Base>
struct Bound {
  std::string name;
  std::string type;
  int line = 0;
  Builder<Base> build;
};

class Mapper {
 public:
  Mapper(const Registry& registry, std::vector<ConfError>& errors) : registry_(registry), errors_(errors) {}

  void map(const ConfPipeline& conf, PipelineConfig& cfg) {
    std::vector<const Statement*> inputs, filters, outputs;
    for (const auto& section : conf.sections) {
      auto& list = section.kind == SectionKind::kInput ? inputs
                   : section.kind == SectionKind::kFilter ? filters : outputs;
      for (const auto& st : section.body) list.push_back(&st);
    }
    std::vector<std::string> ends;
    for (const Statement* st : inputs) {
      if (!st->is_plugin) {
        error(st->conditional.line, "conditionals are not allowed in the input section");
        continue;
      }
      std::vector<std::string> names;
      for (auto& b : plugin<Source>(st->plugin)) {
        names.push_back(b.name);
        SourceConfig sc;
        sc.name = b.name;
        sc.type = b.type;
        sc.line = b.line;
        sc.build = std::move(b.build);
        cfg.sources.push_back(std::move(sc));
      }
      if (auto d = decorate(st->plugin, names)) {
        add_transform(cfg, std::move(*d), names);
        names = {cfg.transforms.back().name};
      }
      ends.insert(ends.end(), names.begin(), names.end());
    }
    for (const Statement* st : filters) {
      std::optional<Bound<Transform>> t = st->is_plugin ? single_transform(st->plugin)
                                                        : conditional(st->conditional, true);
      if (!t) continue;
      add_transform(cfg, std::move(*t), ends);
      ends = {cfg.transforms.back().name};
    }
    std::vector<std::string> conditions;
    for (const Statement* st : outputs) output(*st, conditions, ends, cfg);
    if (cfg.sources.empty() && errors_.empty()) error(1, "no input plugin: a pipeline needs at least one input");
    if (cfg.sinks.empty() && errors_.empty()) error(1, "no output plugin: a pipeline needs at least one output");
  }

 private:
  void error(int line, std::string message) { errors_.push_back({line, std::move(message)}); }

  std::string claim(const std::string& name, int line) {
    if (!names_.insert(name).second) error(line, "plugin id '" + name + "' is used more than once");
    return name;
  }

  std::string generated(SectionKind s, const std::string& what) {
    return fmt::format("{}_{}_{}", section_name(s), ++counters_[static_cast<int>(s)], what);
  }

  static void add_transform(PipelineConfig& cfg, Bound<Transform> t, const std::vector<std::string>& inputs) {
    TransformConfig tc;
    tc.name = std::move(t.name);
    tc.type = std::move(t.type);
    tc.line = t.line;
    tc.inputs = inputs;
    tc.build = std::move(t.build);
    cfg.transforms.push_back(std::move(tc));
  }

  // One plugin -> its native component(s), settings adapted and bound.
  template <class Base>
  std::vector<Bound<Base>> plugin(const Plugin& p) {
    SectionKind section = section_of<Base>();
    std::string where = std::string(section_name(section)) + " plugin '" + p.name + "'";
    const PluginSpec* spec = find_spec(section, p.name);
    std::string name = generated(section, p.name);
    if (spec == nullptr) {
      std::string known;
      for (const auto& s : plugin_specs())
        if (s.section == section) known += (known.empty() ? "" : ", ") + std::string(s.name);
      error(p.line, "unknown " + std::string(section_name(section)) + " plugin '" + p.name +
                        "' (supported: " + known + ")");
      return {};
    }
    if (*spec->native == '\0') {
      error(p.line, where + " is not supported yet");
      return {};
    }
    const ComponentType<Base>* kind = find_kind<Base>(registry_, spec->native);
    if (kind == nullptr) {
      error(p.line, where + " needs the native '" + spec->native + "' component, which this build does not have");
      return {};
    }
    auto native_has = [kind](std::string_view key) {
      return std::any_of(kind->fields.begin(), kind->fields.end(),
                         [&](const FieldDoc& f) { return f.name == key; });
    };
    AdaptContext ctx(p, section, merge_repeated(p.attributes), native_has, errors_);
    ctx.components.push_back({spec->native, "", {}});
    if (auto id = ctx.take("id")) {
      if (auto text = ctx.scalar(*id)) name = *text;
      if (native_has("id")) ctx.primary().settings.push_back({"id", id->line, id->value});
    }
    name = claim(name, p.line);
    if (section == SectionKind::kInput) {
      decoration_.clear();
      for (const char* key : {"type", "tags", "add_field"})
        if (auto a = ctx.take(key)) decoration_.push_back(std::move(*a));
    }
    const CommonSettings& common = common_settings(section);
    for (const auto& h : common.handled)
      if (std::string_view(h.name) != "id") (void)ctx.take(h.name);
    for (const auto& u : common.unsupported)
      if (auto a = ctx.take(u.name)) ctx.error(a->line, "setting '" + a->name + "': " + u.why);
    if (spec->adapt != nullptr) spec->adapt(ctx);
    if (auto codec = ctx.take("codec")) ctx.error(codec->line, "setting 'codec' is not supported on this plugin");
    for (auto& a : ctx.remaining()) {
      auto unsupported = std::find_if(spec->unsupported.begin(), spec->unsupported.end(),
                                      [&](const UnsupportedSetting& u) { return a.name == u.name; });
      if (unsupported != spec->unsupported.end()) {
        ctx.error(a.line, "setting '" + a.name + "' is " + unsupported->why);
      } else if (spec->passthrough && native_has(a.name)) {
        ctx.primary().settings.push_back({a.name, a.line, a.value});
      } else {
        ctx.error(a.line, "unknown setting '" + a.name + "' (known: " + known_settings(*spec, *kind) + ")");
      }
    }
    std::vector<Bound<Base>> out;
    for (const auto& c : ctx.components) {
      auto build = bind<Base>(*kind, c, p.line, where);
      if (build) out.push_back({name + c.suffix, c.type, p.line, std::move(*build)});
    }
    return out;
  }

  template <class Base>
  static std::string known_settings(const PluginSpec& spec, const ComponentType<Base>& kind) {
    std::set<std::string> names;
    for (const auto& h : common_settings(spec.section).handled) names.insert(h.name);
    for (const auto& h : spec.handled) names.insert(h.name);
    if (spec.passthrough)
      for (const auto& f : kind.fields) names.insert(f.name);
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  template <class Base>
  std::optional<Builder<Base>> bind(const ComponentType<Base>& kind, const NativeComponent& c, int line,
                                    const std::string& where) {
    YamlDoc doc;
    doc.add(line, 0, "__plugin: 1");  // the map's own line (missing keys) is the plugin's
    bool ok = true;
    for (const auto& s : c.settings) {
      if (!emit(doc, 0, yaml_quote(s.name) + ":", s.value)) {
        error(s.line, where + ": " + s.name + ": a plugin value is only allowed for 'codec'");
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    YAML::Node node;
    try {
      node = YAML::Load(doc.text);
    } catch (const YAML::Exception& e) {
      error(line, where + ": cannot represent the settings: " + e.msg);
      return std::nullopt;
    }
    Diagnostics local;
    Builder<Base> build = kind.parse(node, local, where + ": ", {"__plugin"});
    for (const auto& d : local.items()) error(doc.conf_line(d.line, line), d.message);
    return build;
  }

  // An input's type/tags/add_field -> a native `decorate` right after its source(s), so they
  // apply the same way whatever the input plugin (Logstash's inputs/base.rb decorate).
  std::optional<Bound<Transform>> decorate(const Plugin& p, const std::vector<std::string>& sources) {
    if (decoration_.empty() || sources.empty()) return std::nullopt;
    const ComponentType<Transform>* kind = registry_.find_transform("decorate");
    std::string where = "input plugin '" + p.name + "'";
    if (kind == nullptr) {
      error(p.line, where + ": type/tags/add_field need the decorate transform, which this build does not have");
      return std::nullopt;
    }
    NativeComponent c{"decorate", "", {}};
    for (auto& a : decoration_) c.settings.push_back({a.name == "tags" ? "add_tag" : a.name, a.line, a.value});
    auto build = bind<Transform>(*kind, c, p.line, where);
    if (!build) return std::nullopt;
    std::string name = claim(sources.front() + "_decorate", p.line);
    return Bound<Transform>{name, "decorate", p.line, std::move(*build)};
  }

  std::optional<Bound<Transform>> single_transform(const Plugin& p) {
    auto bound = plugin<Transform>(p);
    if (bound.empty()) return std::nullopt;
    return std::move(bound.front());
  }

  // A native `filter` keeping the events for which `condition` holds.
  std::optional<Bound<Transform>> filter(const std::string& name, const std::string& condition, int line) {
    const ComponentType<Transform>* kind = registry_.find_transform("filter");
    NativeComponent c{"filter", "", {{"condition", line, string_value(condition, line)}}};
    auto build = bind<Transform>(*kind, c, line, "condition");
    if (!build) return std::nullopt;
    return Bound<Transform>{name, "filter", line, std::move(*build)};
  }

  static bool is_drop_only(const Conditional& c) {
    if (c.branches.size() != 1 || c.branches[0].condition.empty() || c.branches[0].body.size() != 1) return false;
    const Statement& st = c.branches[0].body[0];
    return st.is_plugin && st.plugin.name == "drop" && st.plugin.attributes.empty();
  }

  // A conditional block -> one `conditional` transform (or, for `if C { drop {} }` at the
  // top of the chain, a `filter` keeping !(C): the same events, and no per-event chain).
  std::optional<Bound<Transform>> conditional(const Conditional& c, bool top_level) {
    if (top_level && is_drop_only(c)) {
      std::string name = claim(generated(SectionKind::kFilter, "drop"), c.branches[0].body[0].plugin.line);
      return filter(name, "!(" + c.branches[0].condition + ")", c.line);
    }
    std::string name = claim(generated(SectionKind::kFilter, "conditional"), c.line);
    std::vector<ConditionalBranch> branches;
    for (const auto& b : c.branches) {
      ConditionalBranch branch;
      branch.condition = b.condition;
      for (const auto& st : b.body) {
        auto t = st.is_plugin ? single_transform(st.plugin) : conditional(st.conditional, false);
        if (t) branch.chain.emplace_back(t->name, std::move(t->build));
      }
      branches.push_back(std::move(branch));
    }
    ConditionalBuilder factory = registry_.conditional();
    if (!factory) {
      error(c.line, "conditionals in the filter section need the conditional transform, which this build does not have");
      return std::nullopt;
    }
    Builder<Transform> build = [factory, branches = std::move(branches)](BuildContext& ctx) {
      return factory(branches, ctx);
    };
    return Bound<Transform>{name, "conditional", c.line, std::move(build)};
  }

  // Outputs under conditions: each sink gets a `filter` with the conjunction in front of it.
  void output(const Statement& st, std::vector<std::string>& conditions, const std::vector<std::string>& ends,
              PipelineConfig& cfg) {
    if (st.is_plugin) {
      for (auto& b : plugin<Sink>(st.plugin)) {
        SinkConfig sc;
        sc.name = b.name;
        sc.type = b.type;
        sc.line = b.line;
        sc.build = std::move(b.build);
        sc.inputs = ends;
        if (!conditions.empty()) {
          std::string joined;
          for (const auto& c : conditions) joined += (joined.empty() ? "" : " and ") + c;
          auto f = filter(claim(b.name + "_when", b.line), joined, b.line);
          if (!f) continue;
          add_transform(cfg, std::move(*f), ends);
          sc.inputs = {cfg.transforms.back().name};
        }
        cfg.sinks.push_back(std::move(sc));
      }
      return;
    }
    std::size_t depth = conditions.size();
    for (const auto& b : st.conditional.branches) {
      // Branch k holds when none before it did and its own condition does.
      if (!b.condition.empty()) conditions.push_back("(" + b.condition + ")");
      for (const auto& inner : b.body) output(inner, conditions, ends, cfg);
      if (!b.condition.empty()) conditions.back() = "!(" + b.condition + ")";
    }
    conditions.resize(depth);
  }

  const Registry& registry_;
  std::vector<ConfError>& errors_;
  std::set<std::string> names_;
  std::vector<Attribute> decoration_;  // the last input's type/tags/add_field
  int counters_[3] = {0, 0, 0};
};

std::string read_file(const std::filesystem::path& p, bool& ok) {
  std::ifstream in(p, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream text;
  if (ok) text << in.rdbuf();
  return text.str();
}

}  // namespace

std::vector<std::filesystem::path> conf_files(const std::filesystem::path& dir, Diagnostics& diags) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto& p = entry.path();
    std::string name = p.filename().string();
    if (name.empty() || name[0] == '.') continue;  // ConfigMap's ..data and ..2024_* entries
    std::string ext = p.extension().string();
    if (ext == ".yaml" || ext == ".yml") {
      diags.error_in(p.string(), 0, "a directory given to -c holds Logstash .conf files only; "
                                    "run a native YAML config with -c FILE");
    } else if (ext == ".conf" && std::filesystem::is_regular_file(p, ec)) {
      files.push_back(p);
    }
  }
  if (ec) diags.error(0, "cannot read the directory: " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  if (files.empty() && diags.ok()) diags.error(0, "no *.conf file in the directory");
  return files;
}

PipelineConfig load_conf(const std::filesystem::path& path, const Registry& registry, Diagnostics& diags,
                         const ConfDefaults& defaults) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    files = conf_files(path, diags);
  } else {
    files.push_back(path);
  }
  std::vector<ConfText> texts;
  for (const auto& f : files) {
    bool ok = false;
    std::string text = read_file(f, ok);
    if (!ok) diags.error_in(f.string(), 0, "cannot read the config file");
    texts.push_back({f, std::move(text)});
  }
  if (!diags.ok()) return {};
  PipelineConfig cfg = conf_to_pipeline(texts, registry, diags, defaults);
  cfg.file = path;
  return cfg;
}

PipelineConfig conf_to_pipeline(const std::vector<ConfText>& texts, const Registry& registry, Diagnostics& diags,
                                const ConfDefaults& defaults) {
  SourceMap map;
  std::string all;
  int lines = 0;
  for (const auto& t : texts) {
    map.add(lines + 1, t.file);
    all += t.text;
    if (!t.text.empty() && t.text.back() != '\n') all += '\n';
    lines += static_cast<int>(std::count(t.text.begin(), t.text.end(), '\n'));
    if (!t.text.empty() && t.text.back() != '\n') ++lines;
  }
  PipelineConfig cfg;
  std::error_code ec;
  cfg.config_dir = std::filesystem::current_path(ec);  // Logstash resolves relative paths there
  cfg.data_dir = defaults.data_dir.is_relative() ? cfg.config_dir / defaults.data_dir : defaults.data_dir;
  cfg.api_address = defaults.api_address;
  cfg.api_optional = !defaults.api_address_given;
  cfg.workers = defaults.workers > 0 ? defaults.workers
                                     : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 64u));

  ParseResult parsed = parse_conf(all, {defaults.support_escapes});
  std::vector<ConfError> errors = std::move(parsed.errors);
  bool syntax_ok = errors.empty() || parsed.pipeline.sections.size() > 0;
  if (syntax_ok) Mapper(registry, errors).map(parsed.pipeline, cfg);
  for (const auto& e : errors) {
    auto [file, line] = map.resolve(e.line);
    diags.error_in(file, line, e.message);
  }
  return cfg;
}

std::string reference_markdown(const Registry& registry) {
  std::string out;
  auto row = [&](const std::string& name, const std::string& maps, const std::string& doc) {
    std::string d = doc;
    for (auto& ch : d)
      if (ch == '|') ch = '/';
    out += fmt::format("| `{}` | {} | {} |\n", name, maps, d);
  };
  for (SectionKind section : {SectionKind::kInput, SectionKind::kFilter, SectionKind::kOutput}) {
    out += fmt::format("\n### {}s\n\nCommon settings:", section_name(section));
    for (const auto& h : common_settings(section).handled) out += fmt::format(" `{}` ({});", h.name, h.maps_to);
    for (const auto& u : common_settings(section).unsupported) out += fmt::format(" `{}`: {};", u.name, u.why);
    out += "\n";
    for (const auto& spec : plugin_specs()) {
      if (spec.section != section) continue;
      out += fmt::format("\n#### `{}` `{}`\n\n{}", section_name(section), spec.name, spec.doc);
      if (*spec.native == '\0') {
        out += " A validate error names it.\n";
        continue;
      }
      std::vector<FieldDoc> fields;
      bool known = false;
      if (section == SectionKind::kInput && registry.find_source(spec.native)) {
        fields = registry.find_source(spec.native)->fields;
        known = true;
      } else if (section == SectionKind::kFilter && registry.find_transform(spec.native)) {
        fields = registry.find_transform(spec.native)->fields;
        known = true;
      } else if (section == SectionKind::kOutput && registry.find_sink(spec.native)) {
        fields = registry.find_sink(spec.native)->fields;
        known = true;
      }
      out += fmt::format(" Native component: `{}`", spec.native);
      if (!known) {
        out += " (not in this build: using the plugin is a validate error).\n";
        continue;
      }
      out += ".\n\n| setting | becomes | description |\n|---|---|---|\n";
      std::set<std::string> listed;
      for (const auto& h : spec.handled) {
        row(h.name, "adapted", h.maps_to);
        listed.insert(h.name);
      }
      for (const auto& u : spec.unsupported) {
        row(u.name, "**error**", u.why);
        listed.insert(u.name);
      }
      if (spec.passthrough) {
        for (const auto& f : fields) {
          if (listed.count(f.name)) continue;
          std::string doc = f.type + (f.default_value.empty() ? "" : ", default `" + f.default_value + "`") +
                            (f.doc.empty() ? "" : ". " + f.doc);
          row(f.name, "same", doc);
        }
      }
    }
  }
  return out;
}

}  // namespace logferry::config::logstash
