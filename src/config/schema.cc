#include "config/schema.h"

#include <charconv>

namespace logferry::config {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
std::vector<MapEntry> map_entries(const YAML::Node& map) {
  std::vector<MapEntry> out;
  if (!map.IsMap()) return out;
  for (auto it = map.begin(); it != map.end(); ++it)
    out.push_back({it->first.as<std::string>(""), line_of(it->first), it->second});
  return out;
}
#pragma GCC diagnostic pop

namespace {
bool scalar(const YAML::Node& n) { return n.IsScalar(); }
}  // namespace

std::string decode(const YAML::Node& n, std::string& out) {
  if (!scalar(n)) return "must be a string";
  out = n.Scalar();
  return {};
}

std::string decode(const YAML::Node& n, bool& out) {
  if (!scalar(n)) return "must be true or false";
  const std::string& s = n.Scalar();
  if (s == "true" || s == "yes" || s == "on") {
    out = true;
  } else if (s == "false" || s == "no" || s == "off") {
    out = false;
  } else {
    return "must be true or false, not '" + s + "'";
  }
  return {};
}

std::string decode(const YAML::Node& n, int64_t& out) {
  if (!scalar(n)) return "must be an integer";
  const std::string& s = n.Scalar();
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return "must be an integer, not '" + s + "'";
  return {};
}

std::string decode(const YAML::Node& n, double& out) {
  if (!scalar(n)) return "must be a number";
  const std::string& s = n.Scalar();
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return "must be a number, not '" + s + "'";
  return {};
}

std::string decode(const YAML::Node& n, ByteSize& out) {
  if (!scalar(n)) return "must be a size such as 10MiB";
  auto v = parse_byte_size(n.Scalar());
  if (!v) return "must be a size such as 512KiB or 10MiB, not '" + n.Scalar() + "'";
  out.bytes = *v;
  return {};
}

std::string decode(const YAML::Node& n, Duration& out) {
  if (!scalar(n)) return "must be a duration such as 5s";
  auto v = parse_duration(n.Scalar());
  if (!v) return "must be a duration such as 250ms, 5s, 1h or 7d, not '" + n.Scalar() + "'";
  out = *v;
  return {};
}

std::string decode(const YAML::Node& n, Template& out) {
  if (!scalar(n)) return "must be a template string";
  auto t = Template::compile(n.Scalar());
  if (!t) return t.error().message;
  out = std::move(*t);
  return {};
}

std::string decode(const YAML::Node& n, FieldPath& out) {
  if (!scalar(n) || n.Scalar().empty()) return "must be a field name such as message or a.b";
  out = FieldPath::parse(n.Scalar());
  return {};
}

std::string decode(const YAML::Node& n, std::vector<std::string>& out) {
  out.clear();
  if (scalar(n)) {
    out.push_back(n.Scalar());
    return {};
  }
  if (!n.IsSequence()) return "must be a string or a list of strings";
  for (const auto& item : n) {
    if (!scalar(item)) return "must be a list of strings";
    out.push_back(item.Scalar());
  }
  return {};
}

std::string decode(const YAML::Node& n, std::map<std::string, std::string>& out) {
  if (!n.IsMap()) return "must be a map of strings";
  out.clear();
  for (const auto& e : map_entries(n)) {
    if (!e.value.IsScalar()) return "values must be strings";
    out[e.key] = e.value.Scalar();
  }
  return {};
}

}  // namespace logferry::config
