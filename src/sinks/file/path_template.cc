#include "sinks/file/path_template.h"

namespace logferry::sinks {

namespace {

// Splits at '/' outside %{...} and %{{...}} placeholders.
std::vector<std::string_view> split_segments(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0, i = 0;
  while (i < text.size()) {
    if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == '{') {
      bool java = i + 2 < text.size() && text[i + 2] == '{';
      std::size_t close = text.find(java ? "}}" : "}", i + 2);
      if (close != std::string_view::npos) {  // unclosed: literal text, split as usual
        i = close + (java ? 2 : 1);
        continue;
      }
    }
    if (text[i] == '/') {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
    ++i;
  }
  out.push_back(text.substr(start));
  return out;
}

// Splits a segment into literal text and whole placeholders.
std::vector<std::string_view> split_placeholders(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0, i = 0;
  while (i < text.size()) {
    if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == '{') {
      bool java = i + 2 < text.size() && text[i + 2] == '{';
      std::size_t close = text.find(java ? "}}" : "}", i + 2);
      if (close != std::string_view::npos) {
        if (i > start) out.push_back(text.substr(start, i - start));
        std::size_t end = close + (java ? 2 : 1);
        out.push_back(text.substr(i, end - i));
        start = i = end;
        continue;
      }
    }
    ++i;
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

}  // namespace

Result<PathTemplate> PathTemplate::compile(std::string_view text, const std::filesystem::path& base_dir) {
  if (text.empty()) return unexpected(ErrorCode::kInvalidArgument, "path is empty");
  if (text.back() == '/') return unexpected(ErrorCode::kInvalidArgument, "path names a directory");
  PathTemplate t;
  std::string full;
  if (text.front() != '/') {
    full = base_dir.empty() ? std::string(".") : base_dir.string();
    if (full.back() != '/') full += '/';
  }
  full += text;
  t.absolute_ = full.front() == '/';
  for (std::string_view seg : split_segments(full)) {
    Segment s;
    s.literal = std::string(seg);
    auto compiled = Template::compile(seg);  // checks the whole segment's syntax
    if (!compiled) return unexpected(compiled.error());
    if (!compiled->is_constant()) {
      s.templated = true;
      for (std::string_view piece : split_placeholders(seg)) {
        Piece p;
        if (piece.size() > 2 && piece.substr(0, 2) == "%{") {
          auto value = Template::compile(piece);
          if (!value) return unexpected(value.error());
          if (!value->is_constant()) {
            p.value = std::move(*value);
            s.pieces.push_back(std::move(p));
            continue;
          }
        }
        p.literal = std::string(piece);
        s.pieces.push_back(std::move(p));
      }
    }
    if (s.templated) {
      t.constant_ = false;
    }
    t.segments_.push_back(std::move(s));
  }
  // Everything up to the last fixed directory.
  std::size_t fixed_dirs = 0;
  while (fixed_dirs + 1 < t.segments_.size() && !t.segments_[fixed_dirs].templated) ++fixed_dirs;
  for (std::size_t i = 0; i < fixed_dirs; ++i) {
    t.fixed_prefix_ += t.segments_[i].literal;
    t.fixed_prefix_ += '/';
  }
  return t;
}

void PathTemplate::sanitize_value(std::string& s, std::size_t from) {
  for (std::size_t i = from; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '/' || c < 0x20 || c == 0x7f) s[i] = '_';
  }
  if (s.size() - from > kMaxValueBytes) {
    // Cut on a UTF-8 boundary so the name stays valid text.
    std::size_t cut = from + kMaxValueBytes;
    while (cut > from && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
  }
}

void PathTemplate::sanitize_component(std::string& s, std::size_t from) {
  std::string_view seg(s.data() + from, s.size() - from);
  if (seg.empty() || seg == "." || seg == "..") {
    s.resize(from);
    s += '_';
  }
}

void PathTemplate::render(const Event& event, std::string& out) const {
  out.clear();
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (i > 0) out += '/';
    const Segment& s = segments_[i];
    if (!s.templated) {
      out += s.literal;
      continue;
    }
    std::size_t start = out.size();
    for (const Piece& p : s.pieces) {
      if (p.value.empty()) {
        out += p.literal;
        continue;
      }
      std::size_t from = out.size();
      p.value.render(event, out);
      sanitize_value(out, from);
    }
    sanitize_component(out, start);
  }
}

}  // namespace logferry::sinks
