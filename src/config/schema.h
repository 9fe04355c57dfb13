// Schema<Options>: binds a component's YAML options to a plain struct through member pointers,
// so the compiler checks types. One schema per component gives: unknown-key and wrong-type
// errors with line numbers (collected, not first-only), defaults (whatever the struct's member
// initialisers say), required keys, ranges, choices, and the reference docs.
//
// Example:
//   struct Options { std::string host; int port = 514; std::string mode = "udp"; };
//   static void describe(config::Schema<Options>& s) {
//     s.field("host", &Options::host).required().doc("Receiver host name or IP.");
//     s.field("port", &Options::port).range(1, 65535);
//     s.field("mode", &Options::mode).one_of({"udp", "tcp", "tls"});
//   }
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "config/diagnostics.h"
#include "config/values.h"
#include "core/field_path.h"
#include "template/template.h"

namespace logferry::config {

inline int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

// The entries of a YAML map in document order. Iterate through this rather than yaml-cpp's
// iterators: their proxies trip GCC 12's -Wmaybe-uninitialized in every template instance.
struct MapEntry {
  std::string key;
  int line;
  YAML::Node value;
};
std::vector<MapEntry> map_entries(const YAML::Node& map);

// Decoders: one overload per option type. Return an error message, or "" when fine.
std::string decode(const YAML::Node& n, std::string& out);
std::string decode(const YAML::Node& n, bool& out);
std::string decode(const YAML::Node& n, int64_t& out);
std::string decode(const YAML::Node& n, double& out);
std::string decode(const YAML::Node& n, ByteSize& out);
std::string decode(const YAML::Node& n, Duration& out);
std::string decode(const YAML::Node& n, Template& out);
std::string decode(const YAML::Node& n, FieldPath& out);
std::string decode(const YAML::Node& n, std::vector<std::string>& out);  // a string or a list
std::string decode(const YAML::Node& n, std::map<std::string, std::string>& out);

template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, int64_t>)
std::string decode(const YAML::Node& n, T& out) {
  int64_t v = 0;
  if (auto err = decode(n, v); !err.empty()) return err;
  if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
      static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max()))
    return "value " + std::to_string(v) + " is out of range";
  out = static_cast<T>(v);
  return {};
}

template <class T>
std::string decode(const YAML::Node& n, std::optional<T>& out) {
  T v{};
  if (auto err = decode(n, v); !err.empty()) return err;
  out = std::move(v);
  return {};
}

template <class O>
class Schema;

template <class T>
concept Described = requires(Schema<T>& s) { T::describe(s); };

// Docs of one option, for `logferry --help` style references and docs/.
struct FieldDoc {
  std::string name;
  std::string type;
  std::string doc;
  std::string default_value;  // as the user would write it; empty when there is none
  bool required = false;
};

// The default of an option as text, for the reference docs.
inline std::string default_text(const std::string& v) { return v.empty() ? "" : '"' + v + '"'; }
inline std::string default_text(bool v) { return v ? "true" : "false"; }
inline std::string default_text(double v) { return std::to_string(v); }
inline std::string default_text(const Template& v) { return default_text(v.text()); }
inline std::string default_text(const FieldPath& v) { return v.text(); }
inline std::string default_text(const ByteSize& v) { return v.bytes ? std::to_string(v.bytes) : ""; }
inline std::string default_text(const Duration& v) {
  return v.count() % 1000 == 0 ? std::to_string(v.count() / 1000) + "s" : std::to_string(v.count()) + "ms";
}
inline std::string default_text(const std::vector<std::string>& v) {
  if (v.empty()) return "";
  std::string out = "[";
  for (const auto& s : v) out += (out.size() > 1 ? ", " : "") + default_text(s);
  return out + "]";
}
template <class T>
  requires std::is_integral_v<T>
std::string default_text(T v) { return std::to_string(v); }
template <class T>
  requires(!std::is_integral_v<T>)
std::string default_text(const T&) { return ""; }

// Reports problems found by whole-struct checks, at the line of a key.
class CheckContext {
 public:
  CheckContext(const YAML::Node& map, Diagnostics& diags, std::string prefix)
      : map_(map), diags_(diags), prefix_(std::move(prefix)) {}
  void error(const std::string& key, const std::string& message) {
    YAML::Node n = map_[key];
    int line = n ? line_of(n) : line_of(map_);
    diags_.error(line, prefix_ + (key.empty() ? "" : key + ": ") + message);
  }

 private:
  const YAML::Node& map_;
  Diagnostics& diags_;
  std::string prefix_;
};

template <class O>
class Schema {
 public:
  class Field {
   public:
    Field& required() { doc_.required = true; return *this; }
    Field& doc(std::string text) { doc_.doc = std::move(text); return *this; }
    Field& alias(std::string name) { aliases_.push_back(std::move(name)); return *this; }
    Field& one_of(std::vector<std::string> choices) { choices_ = std::move(choices); return *this; }
    Field& range(double min, double max) { min_ = min; max_ = max; return *this; }

   private:
    friend class Schema;
    FieldDoc doc_;
    std::vector<std::string> aliases_;
    std::vector<std::string> choices_;
    std::optional<double> min_, max_;
    // Decodes into the struct; returns an error message or "".
    std::function<std::string(const YAML::Node&, O&, Diagnostics&, const std::string&)> bind_;
    std::function<std::optional<double>(const O&)> numeric_;
    std::function<std::string(const O&)> string_;
  };

  template <class T>
  Field& field(std::string name, T O::*member) {
    auto& f = add(std::move(name));
    f.doc_.type = type_name<T>();
    if constexpr (std::is_default_constructible_v<O>) {
      static const O defaults{};
      f.doc_.default_value = default_text(defaults.*member);
    }
    if constexpr (Described<T>) {
      f.bind_ = [member](const YAML::Node& n, O& o, Diagnostics& d, const std::string& prefix) {
        if (!n.IsMap()) return std::string("must be a map");
        Schema<T> sub;
        T::describe(sub);
        sub.bind(n, o.*member, d, prefix);
        return std::string();
      };
    } else if constexpr (is_vector_of_described<T>()) {
      f.bind_ = [member](const YAML::Node& n, O& o, Diagnostics& d, const std::string& prefix) {
        if (!n.IsSequence()) return std::string("must be a list");
        using Item = typename T::value_type;
        Schema<Item> sub;
        Item::describe(sub);
        (o.*member).clear();
        for (std::size_t i = 0; i < n.size(); ++i) {
          Item item{};
          if (!n[i].IsMap()) {
            d.error(line_of(n[i]), prefix.substr(0, prefix.size() - 2) + "[" + std::to_string(i) + "]: must be a map");
            continue;
          }
          sub.bind(n[i], item, d, prefix.substr(0, prefix.size() - 2) + "[" + std::to_string(i) + "]: ");
          (o.*member).push_back(std::move(item));
        }
        return std::string();
      };
    } else {
      f.bind_ = [member](const YAML::Node& n, O& o, Diagnostics&, const std::string&) {
        return decode(n, o.*member);
      };
      if constexpr (std::is_arithmetic_v<T>) {
        f.numeric_ = [member](const O& o) { return std::optional<double>(o.*member); };
      }
      if constexpr (std::is_same_v<T, std::string>) {
        f.string_ = [member](const O& o) { return o.*member; };
      }
    }
    return f;
  }

  // A whole-struct check run after binding (cross-field rules).
  void check(std::function<void(const O&, CheckContext&)> fn) { checks_.push_back(std::move(fn)); }

  // Binds `map` into `out`. Keys listed in `reserved` belong to the caller (type, inputs).
  void bind(const YAML::Node& map, O& out, Diagnostics& diags, const std::string& prefix = "",
            const std::set<std::string>& reserved = {}) const {
    std::set<std::string> seen;
    for (const MapEntry& entry : map_entries(map)) {
      const std::string& key = entry.key;
      if (reserved.count(key)) continue;
      const Field* f = find(key);
      if (f == nullptr) {
        diags.error(entry.line, prefix + "unknown key '" + key + "'" + suggestion(key));
        continue;
      }
      seen.insert(f->doc_.name);
      const YAML::Node& value = entry.value;
      if (value.IsNull()) continue;  // `key:` with nothing keeps the default
      std::string err = f->bind_(value, out, diags, prefix + f->doc_.name + ": ");
      if (!err.empty()) {
        diags.error(line_of(value), prefix + f->doc_.name + ": " + err);
        continue;
      }
      if (f->numeric_ && (f->min_ || f->max_)) {
        double v = *f->numeric_(out);
        if ((f->min_ && v < *f->min_) || (f->max_ && v > *f->max_))
          diags.error(line_of(value), prefix + f->doc_.name + ": " + format_number(v) +
                                          " is outside " + format_number(f->min_.value_or(v)) +
                                          ".." + format_number(f->max_.value_or(v)));
      }
      if (f->string_ && !f->choices_.empty()) {
        std::string v = f->string_(out);
        bool ok = false;
        for (const auto& c : f->choices_) ok = ok || c == v;
        if (!ok) diags.error(line_of(value), prefix + f->doc_.name + ": '" + v +
                                                 "' is not one of " + join(f->choices_));
      }
    }
    for (const auto& f : fields_) {
      if (f->doc_.required && !seen.count(f->doc_.name))
        diags.error(line_of(map), prefix + "missing required key '" + f->doc_.name + "'");
    }
    CheckContext ctx(map, diags, prefix);
    for (const auto& c : checks_) c(out, ctx);
  }

  std::vector<FieldDoc> docs() const {
    std::vector<FieldDoc> out;
    for (const auto& f : fields_) out.push_back(f->doc_);
    return out;
  }

 private:
  Field& add(std::string name) {
    auto f = std::make_unique<Field>();
    f->doc_.name = std::move(name);
    fields_.push_back(std::move(f));
    return *fields_.back();
  }
  const Field* find(const std::string& key) const {
    for (const auto& f : fields_) {
      if (f->doc_.name == key) return f.get();
      for (const auto& a : f->aliases_)
        if (a == key) return f.get();
    }
    return nullptr;
  }
  std::string suggestion(const std::string& key) const {
    std::string names;
    for (const auto& f : fields_) names += (names.empty() ? "" : ", ") + f->doc_.name;
    (void)key;
    return names.empty() ? " (this component takes no options)" : " (known: " + names + ")";
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  }
  static std::string format_number(double v) {
    std::string s = std::to_string(v);
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  }
  template <class T>
  static constexpr bool is_vector_of_described() {
    if constexpr (requires { typename T::value_type; typename T::allocator_type; }) {
      if constexpr (std::is_same_v<T, std::vector<typename T::value_type>>)
        return Described<typename T::value_type>;
    }
    return false;
  }
  template <class T>
  static std::string type_name() {
    if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::optional<bool>>) return "bool";
    else if constexpr (std::is_integral_v<T>) return "integer";
    else if constexpr (std::is_floating_point_v<T>) return "number";
    else if constexpr (std::is_same_v<T, Template>) return "template";
    else if constexpr (std::is_same_v<T, ByteSize>) return "size";
    else if constexpr (std::is_same_v<T, Duration>) return "duration";
    else if constexpr (std::is_same_v<T, std::vector<std::string>>) return "list of strings";
    else if constexpr (Described<T>) return "map";
    else if constexpr (is_vector_of_described<T>()) return "list of maps";
    else return "string";
  }

  std::vector<std::unique_ptr<Field>> fields_;
  std::vector<std::function<void(const O&, CheckContext&)>> checks_;
};

}  // namespace logferry::config
