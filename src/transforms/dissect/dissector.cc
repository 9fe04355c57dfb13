#include "transforms/dissect/dissector.h"

#include <algorithm>
#include <tuple>

namespace logferry::transforms::dissect {

namespace {

Unexpected<Error> invalid(std::string message) {
  return unexpected(ErrorCode::kInvalidArgument, std::move(message));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The suffixes the plugin knows: /N, /NN, ->, and both in either order.
bool is_suffix(std::string_view s) {
  auto ordinal = [](std::string_view t) {
    return (t.size() == 2 || t.size() == 3) && t[0] == '/' && is_digit(t[1]) &&
           (t.size() == 2 || is_digit(t[2]));
  };
  if (s.empty() || s == "->" || ordinal(s)) return true;
  if (s.size() > 2 && s.substr(s.size() - 2) == "->" && ordinal(s.substr(0, s.size() - 2))) return true;
  return s.size() > 2 && s.substr(0, 2) == "->" && ordinal(s.substr(2));
}

// Field.extractNameSuffix: the shortest name whose remainder is a suffix.
std::pair<std::string, std::string> name_and_suffix(std::string_view s) {
  if (is_suffix(s)) return {"", std::string(s)};
  for (std::size_t k = 1; k <= s.size(); ++k)
    if (is_suffix(s.substr(k))) return {std::string(s.substr(0, k)), std::string(s.substr(k))};
  return {std::string(s), ""};
}

int ordinal_number(std::string_view suffix) {
  std::size_t at = suffix.find_first_of("0123456789");
  if (at == std::string_view::npos) return 0;
  int n = 0;
  while (at < suffix.size() && is_digit(suffix[at])) n = n * 10 + (suffix[at++] - '0');
  return n;
}

// FieldFactory.create. `*name` is Elasticsearch's reference key: a named skip here.
Result<DissectField> make_field(std::string_view text, bool& greedy) {
  DissectField f;
  std::string suffix;
  if (text.empty() || text[0] == '?' || text[0] == '*') {
    std::tie(f.name, suffix) = name_and_suffix(text.empty() ? text : text.substr(1));
    f.kind = DissectField::Kind::kSkip;
    f.ordinal = 0;
  } else if (text.substr(0, 2) == "+&" || text.substr(0, 2) == "&+") {
    return invalid("Field cannot prefix with both Append and Indirect Prefix (" +
                   std::string(text.substr(0, 2)) + "): " + std::string(text));
  } else if (text[0] == '+' || text[0] == '&') {
    if (text.size() == 1) return invalid("Field cannot be a prefix on its own without further text");
    std::tie(f.name, suffix) = name_and_suffix(text.substr(1));
    if (f.name.empty()) return invalid("Field cannot be a prefix and a suffix without a name section");
    bool append = text[0] == '+';
    f.kind = append ? DissectField::Kind::kAppend : DissectField::Kind::kIndirect;
    f.ordinal = append ? 100 + ordinal_number(suffix) : 1000;
  } else {
    std::tie(f.name, suffix) = name_and_suffix(text);
    f.kind = DissectField::Kind::kNormal;
    f.ordinal = 1;
  }
  greedy = suffix.find("->") != std::string::npos;
  return f;
}

}  // namespace

Result<Dissector> Dissector::compile(std::string_view mapping) {
  Dissector d;
  d.mapping_ = std::string(mapping);
  std::vector<std::string> names;
  std::size_t pos = 0;
  while (true) {  // Java: (.*?)%\{([^}]*?)} repeatedly
    std::size_t open = mapping.find("%{", pos);
    if (open == std::string_view::npos) break;
    std::size_t close = mapping.find('}', open + 2);
    if (close == std::string_view::npos) break;
    d.delimiters_.push_back({std::string(mapping.substr(pos, open - pos)), false});
    names.emplace_back(mapping.substr(open + 2, close - open - 2));
    pos = close + 1;
  }
  if (names.empty()) return invalid("the mapping '" + std::string(mapping) + "' has no %{field}");
  // Java: [^}]+$ -- text after the mapping's last '}' is a final delimiter, then a skip.
  std::size_t last_brace = mapping.rfind('}');
  std::string_view tail = mapping.substr(last_brace + 1);
  if (!tail.empty()) {
    d.delimiters_.push_back({std::string(tail), false});
    names.emplace_back("?auto_added_skip");
  }
  d.first_offset_ = d.delimiters_[0].text.size();
  for (std::size_t i = 0; i < names.size(); ++i) {
    bool greedy = false;
    auto f = make_field(names[i], greedy);
    if (!f) return unexpected(f.error());
    f->id = static_cast<int>(i);
    const std::string& previous = d.delimiters_[i].text;
    f->join = previous.empty() ? " " : previous;
    int next = i + 1 < names.size() ? static_cast<int>(i + 1) : -1;
    if (next >= 0) d.delimiters_[next].greedy = greedy;
    d.around_.emplace_back(static_cast<int>(i), next);
    d.fields_.push_back(std::move(*f));
  }
  for (const auto& f : d.fields_)
    if (f.kind != DissectField::Kind::kSkip) d.write_order_.push_back(f.id);
  std::stable_sort(d.write_order_.begin(), d.write_order_.end(),
                   [&d](int a, int b) { return d.fields_[a].ordinal < d.fields_[b].ordinal; });
  return d;
}

std::size_t Dissector::find(int delimiter, std::string_view source, std::size_t from) const {
  const std::string& text = delimiters_[delimiter].text;
  if (text.empty()) return std::string_view::npos;  // Java's ZeroByteLocator finds nothing
  return source.find(text, from);
}

// Dissector.dissectValues with its Position, step for step.
bool Dissector::dissect(std::string_view source, std::vector<std::string_view>& values) const {
  if (fields_.empty() || source.empty()) return false;
  values.assign(fields_.size(), std::string_view());
  std::size_t left = 0, start = 0;
  auto skip_previous = [&](int prev) -> bool {
    const Delimiter& d = delimiters_[prev];
    if (d.greedy) {  // `->`: move past every further copy of the delimiter
      while (!d.text.empty() && source.substr(left).starts_with(d.text)) left += d.text.size();
    } else if (left == 0 && first_offset_ > 0) {  // the mapping starts with a delimiter
      if (find(prev, source, 0) != 0) return false;
      left = d.text.size();
    }
    start = left;
    return true;
  };
  const std::size_t last = fields_.size() - 1;
  for (std::size_t i = 0; i < last; ++i) {
    auto [prev, next] = around_[i];
    if (!skip_previous(prev)) return false;
    std::size_t at = find(next, source, left);
    if (at == std::string_view::npos) return false;
    std::size_t length = 0;
    if (at > 0) {  // Java leaves a field found at offset 0 empty and does not advance
      length = at - left;
      left = at + delimiters_[next].text.size();
    }
    values[fields_[i].id] = source.substr(start, length);
  }
  if (!skip_previous(around_[last].first)) return false;
  values[fields_[last].id] = source.substr(start);
  return true;
}

std::string_view Dissector::other_by_name(std::string_view name, int not_id,
                                          const std::vector<std::string_view>& values) const {
  for (const auto& f : fields_)
    if (f.id != not_id && f.name == name) return values[f.id];
  return {};
}

}  // namespace logferry::transforms::dissect
