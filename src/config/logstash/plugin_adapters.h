// Which native component each Logstash plugin becomes, and how its settings are renamed or
// converted on the way. One table (plugin_specs()) drives both the mapping and docs/logstash.md.
// A setting that is not handled here passes through unchanged when the native component has
// an option of the same name (most do: the native options follow the Logstash plugins');
// anything else is a validate error naming the plugin and the setting.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/logstash/conf_ast.h"
#include "config/logstash/conf_grammar.h"

namespace logferry::config::logstash {

struct NativeSetting {
  std::string name;
  int line = 0;
  ConfValue value;
};

// One native component a plugin becomes (the syslog input becomes two: UDP and TCP).
struct NativeComponent {
  std::string type;
  std::string suffix;  // appended to the plugin's name
  std::vector<NativeSetting> settings;
};

class AdaptContext {
 public:
  AdaptContext(const Plugin& plugin, SectionKind section, std::vector<Attribute> attributes,
               std::function<bool(std::string_view)> native_has, std::vector<ConfError>& errors)
      : plugin_(plugin), section_(section), attributes_(std::move(attributes)),
        native_has_(std::move(native_has)), errors_(errors) {}

  // Removes and returns the setting (merged when it was repeated).
  std::optional<Attribute> take(std::string_view name);
  bool has(std::string_view name) const;
  // Whether the native component has an option of that name.
  bool native_has(std::string_view name) const { return native_has_(name); }
  const Plugin& plugin() const { return plugin_; }
  SectionKind section() const { return section_; }
  std::vector<Attribute>& remaining() { return attributes_; }
  // "<section> plugin '<name>': message" at `line`.
  void error(int line, const std::string& message);
  // A setting's value as text, if it is a string, number or bareword (else an error).
  std::optional<std::string> scalar(const Attribute& a);

  std::vector<NativeComponent> components;  // [0] is the primary one (default settings land there)
  NativeComponent& primary() { return components.front(); }

 private:
  const Plugin& plugin_;
  SectionKind section_;
  std::vector<Attribute> attributes_;
  std::function<bool(std::string_view)> native_has_;
  std::vector<ConfError>& errors_;
};

struct HandledSetting {
  const char* name;
  const char* maps_to;  // what it becomes, for the docs
};
struct UnsupportedSetting {
  const char* name;
  const char* why;
};

struct PluginSpec {
  SectionKind section;
  const char* name;    // the Logstash plugin
  const char* native;  // the native type; "" when there is none yet
  const char* doc;
  bool passthrough = true;  // other settings named like a native option go through as they are
  std::vector<HandledSetting> handled;
  std::vector<UnsupportedSetting> unsupported;
  void (*adapt)(AdaptContext&) = nullptr;
};

const std::vector<PluginSpec>& plugin_specs();
const PluginSpec* find_spec(SectionKind section, std::string_view name);

// Settings every plugin of a section takes, handled before the plugin's own.
struct CommonSettings {
  std::vector<HandledSetting> handled;        // accepted: id, enable_metric, ...
  std::vector<UnsupportedSetting> unsupported;
};
const CommonSettings& common_settings(SectionKind section);

// Logstash's merge of a setting given more than once in one plugin block: hashes merged,
// arrays concatenated, two different scalars become an array (lscl.rb expr_attributes).
std::vector<Attribute> merge_repeated(const std::vector<Attribute>& attributes);

}  // namespace logferry::config::logstash
