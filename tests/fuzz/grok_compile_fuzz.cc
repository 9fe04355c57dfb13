// Fuzzes grok pattern compilation (%{} expansion, the Oniguruma -> PCRE2 rewrite, PCRE2 + JIT)
// and one match. Input: line 1 the pattern, line 2 the subject, further lines a patterns file
// (`NAME regex`) added over the built-in set. Anything may fail to compile; nothing may crash,
// hang or leak, errors always say something, and captures stay inside the subject.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transforms/grok/grok_compiler.h"

using namespace logferry::transforms::grok;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nl = input.find('\n');
  std::string_view pattern = input.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  auto nl2 = rest.find('\n');
  std::string_view subject = rest.substr(0, nl2);
  std::string_view file = nl2 == std::string_view::npos ? std::string_view() : rest.substr(nl2 + 1);

  PatternLibrary extra;
  const PatternLibrary* library = &PatternLibrary::builtin();
  if (!file.empty()) {
    extra = PatternLibrary::builtin();
    extra.add_file_text(file);
    library = &extra;
  }
  CompileOptions options;
  options.named_captures_only = size % 2 == 0;
  auto re = CompiledPattern::compile(pattern, *library, options);
  if (!re) {
    if (re.error().message.empty()) std::abort();
    return 0;
  }
  Matcher matcher(re->capture_count(), 100'000);
  if (matcher.match(*re, subject) != Matcher::MatchResult::kMatch) return 0;
  for (const auto& c : re->captures()) {
    if (c.group <= 0 || static_cast<uint32_t>(c.group) > re->capture_count()) std::abort();
    std::string_view s;
    if (matcher.group(c.group, subject, s) &&
        (s.data() < subject.data() || s.data() + s.size() > subject.data() + subject.size()))
      std::abort();
  }
  return 0;
}
