#include "template/ruby_regex.h"

#include <algorithm>

namespace logferry {

namespace {

Unexpected<Error> invalid(std::string message) {
  return unexpected(ErrorCode::kInvalidArgument, std::move(message));
}

// One left-to-right pass of the Oniguruma -> PCRE2 rewrite. `known` are the group labels found
// by a first pass, so back-references may point forward.
class Translator {
 public:
  Translator(std::string_view in, const std::vector<std::string>* known) : in_(in), known_(known) {}

  Result<TranslatedRegex> run() {
    while (i_ < in_.size()) {
      char c = in_[i_];
      Result<void> r;
      if (c == '\\') {
        r = escape(false);
      } else if (c == '[') {
        r = char_class();
      } else if (c == '(' && peek(1) == '?') {
        r = group();
      } else {
        out_.regex += c;
        ++i_;
      }
      if (!r) return unexpected(r.error());
    }
    return std::move(out_);
  }

 private:
  char peek(std::size_t ahead) const { return i_ + ahead < in_.size() ? in_[i_ + ahead] : '\0'; }

  int label_index(std::string_view name) const {
    const auto& labels = known_ != nullptr ? *known_ : out_.labels;
    for (std::size_t k = 0; k < labels.size(); ++k)
      if (labels[k] == name) return static_cast<int>(k) + 1;
    return 0;
  }

  Result<void> escape(bool in_class) {
    char n = peek(1);
    if (n == '\0') {
      out_.regex += '\\';
      ++i_;
      return {};
    }
    if (n == 'h' || n == 'H') {  // Ruby: hex digit (PCRE2: horizontal space)
      if (in_class) {
        if (n == 'H') return invalid("\\H inside a character class is not supported");
        out_.regex += "0-9a-fA-F";
      } else {
        out_.regex += n == 'h' ? "[0-9a-fA-F]" : "[^0-9a-fA-F]";
      }
      i_ += 2;
      return {};
    }
    if (!in_class && (n == 'k' || n == 'g') && (peek(2) == '<' || peek(2) == '\'')) {
      char close = peek(2) == '<' ? '>' : '\'';
      std::size_t end = in_.find(close, i_ + 3);
      if (end != std::string_view::npos) {
        std::string_view name = in_.substr(i_ + 3, end - i_ - 3);
        int index = label_index(name);
        out_.regex += '\\';
        out_.regex += n;
        out_.regex += '<';
        out_.regex += index > 0 ? "g" + std::to_string(index) : std::string(name);
        out_.regex += '>';
        i_ = end + 1;
        return {};
      }
    }
    if (n == 'Q') {  // quoted run: copy verbatim through \E
      std::size_t end = in_.find("\\E", i_ + 2);
      std::size_t stop = end == std::string_view::npos ? in_.size() : end + 2;
      out_.regex.append(in_.substr(i_, stop - i_));
      i_ = stop;
      return {};
    }
    out_.regex += '\\';
    out_.regex += n;
    i_ += 2;
    return {};
  }

  // Oniguruma allows nested sets ([a[bc]] = [abc]); PCRE2 does not, so positive nested sets
  // are flattened. Negated nested sets and && intersections have no flat form.
  Result<void> char_class() {
    out_.regex += '[';
    ++i_;
    if (peek(0) == '^') {
      out_.regex += '^';
      ++i_;
    }
    if (peek(0) == ']') {  // a leading ']' is a literal
      out_.regex += ']';
      ++i_;
    }
    int depth = 0;
    while (i_ < in_.size()) {
      char c = in_[i_];
      if (c == '\\') {
        if (auto r = escape(true); !r) return r;
        continue;
      }
      if (c == '[' && peek(1) == ':') {  // POSIX [:alpha:]
        std::size_t end = in_.find(":]", i_ + 2);
        if (end != std::string_view::npos) {
          out_.regex.append(in_.substr(i_, end + 2 - i_));
          i_ = end + 2;
          continue;
        }
      }
      if (c == '[') {
        if (peek(1) == '^') return invalid("negated nested character classes are not supported");
        ++depth;
        ++i_;
        continue;
      }
      if (c == '&' && peek(1) == '&') return invalid("character class intersection (&&) is not supported");
      if (c == ']') {
        ++i_;
        if (depth == 0) {
          out_.regex += ']';
          return {};
        }
        --depth;
        continue;
      }
      out_.regex += c;
      ++i_;
    }
    return {};  // unterminated: PCRE2 reports it
  }

  Result<void> group() {
    char a = peek(2);
    bool angle_name = a == '<' && peek(3) != '=' && peek(3) != '!';
    bool python_name = a == 'P' && peek(3) == '<';
    if (angle_name || a == '\'' || python_name) {
      std::size_t name_start = i_ + (python_name ? 4 : 3);
      char close = a == '\'' ? '\'' : '>';
      std::size_t end = in_.find(close, name_start);
      if (end == std::string_view::npos) return invalid("unterminated group name");
      out_.labels.emplace_back(in_.substr(name_start, end - name_start));
      out_.regex += "(?<g" + std::to_string(out_.labels.size()) + ">";
      i_ = end + 1;
      return {};
    }
    // Inline options: Ruby's m is dot-all (PCRE2's s).
    std::size_t j = i_ + 2;
    while (j < in_.size() && (in_[j] == 'i' || in_[j] == 'm' || in_[j] == 'x' || in_[j] == '-')) ++j;
    if (j > i_ + 2 && j < in_.size() && (in_[j] == ')' || in_[j] == ':')) {
      out_.regex += "(?";
      for (std::size_t k = i_ + 2; k < j; ++k) out_.regex += in_[k] == 'm' ? 's' : in_[k];
      i_ = j;
      return {};
    }
    out_.regex += "(?";
    i_ += 2;
    return {};
  }

  std::string_view in_;
  const std::vector<std::string>* known_;
  std::size_t i_ = 0;
  TranslatedRegex out_;
};

// One match data per thread for kMaxGroups groups (PCRE2 records fewer groups than the pattern
// has when the data is smaller, which is all a search or a replacement needs).
pcre2_match_data* thread_match_data() {
  struct Holder {
    pcre2_match_data* data = pcre2_match_data_create(RubyRegex::kMaxGroups, nullptr);
    ~Holder() { pcre2_match_data_free(data); }
  };
  thread_local Holder holder;
  return holder.data;
}

}  // namespace

Result<TranslatedRegex> translate_ruby_regex(std::string_view onig) {
  auto first = Translator(onig, nullptr).run();
  if (!first) return first;
  return Translator(onig, &first->labels).run();
}

Result<pcre2_code*> compile_pcre2(std::string_view regex, uint32_t flags) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex.data()), regex.size(), flags,
                                 &code, &offset, nullptr);
  if (re != nullptr) return re;
  PCRE2_UCHAR message[256];
  pcre2_get_error_message(code, message, sizeof message);
  return invalid(std::string(reinterpret_cast<char*>(message)) + " at offset " + std::to_string(offset));
}

Result<RubyRegex> RubyRegex::compile(std::string_view pattern, Options options) {
  auto translated = translate_ruby_regex(pattern);
  if (!translated) return unexpected(translated.error());
  // Ruby strings are UTF-8, so `.` is one character; a subject that is not valid UTF-8 still
  // matches where it can instead of failing (PCRE2_MATCH_INVALID_UTF).
  uint32_t flags = PCRE2_MULTILINE | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
                   (options.dot_all ? PCRE2_DOTALL : 0);
  auto compiled = compile_pcre2(translated->regex, flags);
  if (!compiled) return unexpected(compiled.error());
  pcre2_code* re = *compiled;
  RubyRegex out;
  out.code_ = std::shared_ptr<pcre2_code>(re, Free{});
  out.jit_ = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
  pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &out.group_count_);
  return out;
}

int RubyRegex::match(std::string_view subject, std::size_t start, pcre2_match_data* data) const {
  auto s = reinterpret_cast<PCRE2_SPTR>(subject.data());
  return jit_ ? pcre2_jit_match(code_.get(), s, subject.size(), start, 0, data, nullptr)
              : pcre2_match(code_.get(), s, subject.size(), start, 0, data, nullptr);
}

bool RubyRegex::search(std::string_view subject) const {
  return match(subject, 0, thread_match_data()) >= 0;
}

bool RubyRegex::find(std::string_view subject, std::size_t start,
                     std::span<std::string_view> groups) const {
  pcre2_match_data* data = thread_match_data();
  if (match(subject, start, data) < 0) return false;
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data);
  std::size_t n = std::min<std::size_t>(groups.size(), pcre2_get_ovector_count(data));
  for (std::size_t g = 0; g < groups.size(); ++g) {
    bool took_part = g < n && ov[2 * g] != PCRE2_UNSET;
    groups[g] = took_part ? subject.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]) : std::string_view{};
  }
  return true;
}

}  // namespace logferry
