#include "io/checkpoint_store.h"

#include <charconv>
#include <string_view>

#include "io/atomic_file.h"

namespace logferry::io {

namespace {

constexpr std::string_view kHeader = "logferry-checkpoints 1";

template <class T>
bool parse_number(std::string_view s, T& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

Result<void> CheckpointStore::load() {
  auto content = read_small_file(file_);
  if (!content) return unexpected(content.error());
  entries_.clear();
  if (!content->has_value()) return {};
  std::string_view text = **content;
  bool first = true;
  int line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos)
      return unexpected(ErrorCode::kDataLoss, file_.string() + ": last line incomplete");
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++line_no;
    if (first) {
      first = false;
      if (line != kHeader)
        return unexpected(ErrorCode::kDataLoss, file_.string() + ": unknown format");
      continue;
    }
    std::string_view parts[7];
    std::size_t n = 0;
    while (n < 6) {
      auto tab = line.find('\t');
      if (tab == std::string_view::npos) break;
      parts[n++] = line.substr(0, tab);
      line.remove_prefix(tab + 1);
    }
    parts[n++] = line;
    FileCheckpoint cp;
    if (n != 7 || !parse_number(parts[0], cp.id.dev) || !parse_number(parts[1], cp.id.ino) ||
        !parse_number(parts[2], cp.offset) || !parse_number(parts[3], cp.fingerprint_len) ||
        !parse_number(parts[4], cp.fingerprint)) {
      return unexpected(ErrorCode::kDataLoss,
                        file_.string() + ":" + std::to_string(line_no) + ": malformed entry");
    }
    cp.path = parts[5];
    cp.real_path = parts[6];
    entries_[cp.id] = std::move(cp);
  }
  return {};
}

Result<void> CheckpointStore::save() {
  if (!dirty_) return {};
  std::string out;
  out.reserve(64 + entries_.size() * 160);
  out.append(kHeader);
  out += '\n';
  for (const auto& [id, cp] : entries_) {
    // Paths with a tab or newline cannot be written in this format; such files (never made by
    // kubelet) are re-read from their start after a restart rather than corrupting the file.
    if (cp.path.find_first_of("\t\n") != std::string::npos ||
        cp.real_path.find_first_of("\t\n") != std::string::npos)
      continue;
    out += std::to_string(id.dev);
    out += '\t';
    out += std::to_string(id.ino);
    out += '\t';
    out += std::to_string(cp.offset);
    out += '\t';
    out += std::to_string(cp.fingerprint_len);
    out += '\t';
    out += std::to_string(cp.fingerprint);
    out += '\t';
    out += cp.path;
    out += '\t';
    out += cp.real_path;
    out += '\n';
  }
  auto r = write_file_atomically(file_, out);
  if (r) dirty_ = false;
  return r;
}

const FileCheckpoint* CheckpointStore::find(const FileId& id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

void CheckpointStore::put(const FileCheckpoint& cp) {
  auto& slot = entries_[cp.id];
  if (slot.offset != cp.offset || slot.fingerprint_len != cp.fingerprint_len ||
      slot.fingerprint != cp.fingerprint || slot.path != cp.path || slot.real_path != cp.real_path ||
      !(slot.id == cp.id)) {
    slot = cp;
    dirty_ = true;
  }
}

void CheckpointStore::erase(const FileId& id) {
  if (entries_.erase(id) > 0) dirty_ = true;
}

std::vector<FileCheckpoint> CheckpointStore::entries() const {
  std::vector<FileCheckpoint> out;
  out.reserve(entries_.size());
  for (const auto& [id, cp] : entries_) out.push_back(cp);
  return out;
}

}  // namespace logferry::io
