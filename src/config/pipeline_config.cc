#include "config/pipeline_config.h"

#include "config/logstash/conf_to_pipeline.h"

#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace logferry::config {

namespace {

struct BufferOptions {
  std::string type = "memory";
  ByteSize max_bytes{0};  // 0: the type's default
  bool sync = true;
  std::string when_full = "block";
  static void describe(Schema<BufferOptions>& s) {
    s.field("type", &BufferOptions::type).one_of({"memory", "disk"})
        .doc("memory (default) or disk: events survive restarts and kill -9 while the peer is down.");
    s.field("max_bytes", &BufferOptions::max_bytes)
        .doc("Bytes of events held before the inputs are made to wait (memory 2MiB, disk 256MiB).");
    s.field("sync", &BufferOptions::sync)
        .doc("disk: fdatasync each batch before its source may advance (default true; false "
             "survives a crash of logferry but not of the machine).");
    s.field("when_full", &BufferOptions::when_full).one_of({"block", "drop_newest"})
        .doc("block (default: the inputs wait) or drop_newest (new events are dropped and counted).");
  }
};

struct ApiOptions {
  std::string address;
  Duration ready_timeout = std::chrono::seconds(30);
  static void describe(Schema<ApiOptions>& s) {
    s.field("address", &ApiOptions::address).doc("HOST:PORT for /metrics, /healthz, /readyz.");
    s.field("ready_timeout", &ApiOptions::ready_timeout)
        .doc("/readyz fails once a sink has held events it cannot deliver for this long.");
    s.check([](const ApiOptions& o, CheckContext& ctx) {
      if (o.ready_timeout.count() < 0) ctx.error("ready_timeout", "must not be negative");
    });
  }
};

bool is_map(const YAML::Node& n) { return n && n.IsMap(); }

void read_inputs(const YAML::Node& node, const std::string& where, ComponentConfig& c,
                 Diagnostics& diags) {
  YAML::Node in = node["inputs"];
  if (!in) {
    diags.error(line_of(node), where + ": missing required key 'inputs'");
    return;
  }
  auto err = decode(in, c.inputs);
  if (!err.empty()) diags.error(line_of(in), where + ".inputs: " + err);
  if (err.empty() && c.inputs.empty()) diags.error(line_of(in), where + ".inputs: must not be empty");
  // Graph errors point at the item that is wrong: `- [a, b]` on one line, or one item a line.
  for (std::size_t i = 0; i < c.inputs.size(); ++i)
    c.input_lines.push_back(in.IsSequence() && i < in.size() ? line_of(in[i]) : line_of(in));
}

template <class Base, class Out, class Find>
void read_stage(const YAML::Node& root, const char* stage, bool has_inputs, Find find,
                std::vector<Out>& out, Diagnostics& diags, const std::set<std::string>& extra) {
  YAML::Node section = root[stage];
  if (!section || section.IsNull()) return;
  if (!section.IsMap()) {
    diags.error(line_of(section), std::string(stage) + ": must be a map of NAME: {type: ...}");
    return;
  }
  for (const MapEntry& entry : map_entries(section)) {
    const std::string& name = entry.key;
    const YAML::Node& node = entry.value;
    std::string where = std::string(stage) + "." + name;
    if (!node.IsMap()) {
      diags.error(entry.line, where + ": must be a map with a 'type'");
      continue;
    }
    Out c;
    c.name = name;
    c.line = entry.line;
    YAML::Node type = node["type"];
    if (!type || !type.IsScalar()) {
      diags.error(line_of(node), where + ": missing required key 'type'");
      continue;
    }
    c.type = type.Scalar();
    if (has_inputs) read_inputs(node, where, c, diags);
    const ComponentType<Base>* kind = find(c.type);
    if (kind == nullptr) {
      diags.error(line_of(type), where + ".type: unknown " + std::string(stage, std::strlen(stage) - 1) +
                                     " type '" + c.type + "'");
      continue;
    }
    std::set<std::string> reserved = {"type"};
    if (has_inputs) reserved.insert("inputs");
    for (const auto& k : extra) reserved.insert(k);
    c.build = kind->parse(node, diags, where + ": ", reserved);
    out.push_back(std::move(c));
  }
}

void check_graph(PipelineConfig& cfg, Diagnostics& diags) {
  std::map<std::string, char> kind_of;  // 's' source, 't' transform, 'k' sink
  auto claim = [&](const ComponentConfig& c, char kind) {
    if (!kind_of.emplace(c.name, kind).second)
      diags.error(c.line, "component name '" + c.name + "' is used more than once");
  };
  for (auto& c : cfg.sources) claim(c, 's');
  for (auto& c : cfg.transforms) claim(c, 't');
  for (auto& c : cfg.sinks) claim(c, 'k');
  auto check_inputs = [&](const ComponentConfig& c, const char* stage) {
    std::string where = std::string(stage) + "." + c.name + ".inputs: ";
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
      const std::string& in = c.inputs[i];
      auto it = kind_of.find(in);
      if (it == kind_of.end()) {
        diags.error(c.input_line(i), where + "unknown input '" + in + "'");
      } else if (it->second == 'k') {
        diags.error(c.input_line(i), where + "'" + in + "' is a sink; only sources and transforms can be inputs");
      } else if (in == c.name) {
        diags.error(c.input_line(i), where + "a component cannot read its own output");
      }
    }
  };
  for (auto& c : cfg.transforms) check_inputs(c, "transforms");
  for (auto& c : cfg.sinks) check_inputs(c, "sinks");

  // Cycles among transforms: depth-first search with colours.
  std::map<std::string, const TransformConfig*> transforms;
  for (auto& t : cfg.transforms) transforms[t.name] = &t;
  std::map<std::string, int> colour;  // 0 new, 1 on stack, 2 done
  std::function<bool(const std::string&)> visit = [&](const std::string& name) -> bool {
    colour[name] = 1;
    const TransformConfig& t = *transforms[name];
    for (std::size_t i = 0; i < t.inputs.size(); ++i) {
      const std::string& in = t.inputs[i];
      if (!transforms.count(in) || in == name) continue;
      if (colour[in] == 1) {
        diags.error(t.input_line(i), "transforms." + name + ".inputs: cycle through '" + in + "'");
        return true;
      }
      if (colour[in] == 0 && visit(in)) return true;
    }
    colour[name] = 2;
    return false;
  };
  for (auto& t : cfg.transforms)
    if (colour[t.name] == 0) visit(t.name);

  if (cfg.sources.empty() && diags.ok()) diags.error(1, "sources: at least one source is needed");
  if (cfg.sinks.empty() && diags.ok()) diags.error(1, "sinks: at least one sink is needed");
}

}  // namespace

PipelineConfig parse_pipeline(std::string_view yaml, const std::filesystem::path& config_dir,
                              const Registry& registry, Diagnostics& diags) {
  PipelineConfig cfg;
  cfg.config_dir = config_dir;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    diags.error(e.mark.line >= 0 ? e.mark.line + 1 : 0, "YAML syntax: " + e.msg);
    return cfg;
  }
  if (!is_map(root)) {
    diags.error(1, "the config must be a map with sources, transforms and sinks");
    return cfg;
  }
  static const std::set<std::string> kTopLevel = {"data_dir", "api", "workers", "sources",
                                                  "transforms", "sinks"};
  for (const MapEntry& entry : map_entries(root)) {
    const std::string& key = entry.key;
    if (!kTopLevel.count(key))
      diags.error(entry.line, "unknown top-level key '" + key +
                                          "' (known: data_dir, api, workers, sources, transforms, sinks)");
  }
  if (YAML::Node d = root["data_dir"]; d && !d.IsNull()) {
    std::string dir;
    if (auto err = decode(d, dir); !err.empty()) {
      diags.error(line_of(d), "data_dir: " + err);
    } else {
      cfg.data_dir = dir;
    }
  }
  if (cfg.data_dir.is_relative()) cfg.data_dir = config_dir / cfg.data_dir;
  if (YAML::Node w = root["workers"]; w && !w.IsNull()) {
    int64_t workers = 0;
    if (auto err = decode(w, workers); !err.empty()) {
      diags.error(line_of(w), "workers: " + err);
    } else if (workers < 1 || workers > 64) {
      diags.error(line_of(w), "workers: " + std::to_string(workers) + " is outside 1..64");
    } else {
      cfg.workers = static_cast<int>(workers);
    }
  }
  if (YAML::Node a = root["api"]; a && !a.IsNull()) {
    if (!a.IsMap()) {
      diags.error(line_of(a), "api: must be a map such as {address: 127.0.0.1:9880}");
    } else {
      ApiOptions api;
      Schema<ApiOptions> s;
      ApiOptions::describe(s);
      s.bind(a, api, diags, "api.");
      cfg.api_address = api.address;
      cfg.api_ready_timeout = api.ready_timeout;
    }
  }
  read_stage<Source>(root, "sources", false,
                     [&](const std::string& t) { return registry.find_source(t); }, cfg.sources,
                     diags, {});
  read_stage<Transform>(root, "transforms", true,
                        [&](const std::string& t) { return registry.find_transform(t); },
                        cfg.transforms, diags, {});
  read_stage<Sink>(root, "sinks", true, [&](const std::string& t) { return registry.find_sink(t); },
                   cfg.sinks, diags, {"buffer"});
  // Sink buffers are the runtime's, not the component's: bind them here.
  if (YAML::Node sinks = root["sinks"]; sinks && sinks.IsMap()) {
    for (auto& sink : cfg.sinks) {
      YAML::Node b = sinks[sink.name]["buffer"];
      if (!b || b.IsNull()) continue;
      if (!b.IsMap()) {
        diags.error(line_of(b), "sinks." + sink.name + ".buffer: must be a map such as {max_bytes: 64MiB}");
        continue;
      }
      BufferOptions opts;
      Schema<BufferOptions> s;
      BufferOptions::describe(s);
      s.bind(b, opts, diags, "sinks." + sink.name + ".buffer.");
      sink.buffer.type = opts.type;
      sink.buffer.max_bytes = opts.max_bytes.bytes ? opts.max_bytes.bytes
                              : opts.type == "disk" ? 256ull * 1024 * 1024
                                                    : sink.buffer.max_bytes;
      sink.buffer.sync = opts.sync;
      sink.buffer.when_full = opts.when_full;
      if (opts.when_full == "drop_newest" && opts.type != "disk")
        diags.error(line_of(b["when_full"]), "sinks." + sink.name +
                                                 ".buffer.when_full: drop_newest needs type: disk");
    }
  }
  check_graph(cfg, diags);
  return cfg;
}

PipelineConfig load_pipeline_file(const std::filesystem::path& file, const Registry& registry,
                                  Diagnostics& diags, const ConfDefaults& conf) {
  std::error_code ec;
  if (file.extension() == ".conf" || std::filesystem::is_directory(file, ec))
    return logstash::load_conf(file, registry, diags, conf);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    diags.error(0, "cannot read the config file");
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto ext = file.extension().string();
  if (ext != ".yaml" && ext != ".yml") {
    diags.error(0, "unknown config file type '" + ext + "': use .yaml/.yml (native) or .conf (Logstash)");
    return {};
  }
  auto dir = std::filesystem::absolute(file).parent_path();
  PipelineConfig cfg = parse_pipeline(text.str(), dir, registry, diags);
  cfg.file = file;
  return cfg;
}

}  // namespace logferry::config
