#include "sinks/elasticsearch/dead_letter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/json.h"
#include "core/time_util.h"

namespace logferry::sinks::elasticsearch {

DeadLetterFile::DeadLetterFile(std::filesystem::path path, uint64_t max_bytes, std::string plugin_id,
                               const Clock& clock)
    : path_(std::move(path)), max_bytes_(max_bytes), plugin_id_(std::move(plugin_id)), clock_(clock) {}

DeadLetterFile::~DeadLetterFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<bool> DeadLetterFile::open() {
  if (fd_ >= 0) return true;
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) return unexpected(ErrorCode::kUnavailable, path_.parent_path().string() + ": " + ec.message());
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) return unexpected(ErrorCode::kUnavailable, path_.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) == 0) size_ = static_cast<uint64_t>(st.st_size);
  return true;
}

bool DeadLetterFile::add(int status, std::string_view reason, std::string_view action_line,
                         std::string_view document, std::string_view error_json) {
  if (!open()) return false;  // counted by the caller; the next add() tries to open again
  std::size_t start = pending_.size();
  pending_ += "{\"@timestamp\":\"";
  append_iso8601_millis(pending_, clock_.now());
  pending_ += "\",\"plugin_type\":\"elasticsearch\",\"plugin_id\":";
  append_json_string(pending_, plugin_id_);
  pending_ += ",\"status\":";
  pending_ += std::to_string(status);
  pending_ += ",\"reason\":";
  append_json_string(pending_, reason);
  pending_ += ",\"action\":";
  pending_.append(action_line.empty() ? std::string_view("null") : action_line);
  if (!error_json.empty()) {
    pending_ += ",\"error\":";
    pending_.append(error_json);
  }
  pending_ += ",\"event\":";
  pending_.append(document.empty() ? std::string_view("null") : document);
  pending_ += "}\n";
  if (size_ + pending_.size() > max_bytes_) {
    pending_.resize(start);
    return false;
  }
  return true;
}

Result<bool> DeadLetterFile::commit() {
  if (pending_.empty()) return true;
  if (auto r = open(); !r) return r;
  std::size_t done = 0;
  while (done < pending_.size()) {
    ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      pending_.erase(0, done);
      size_ += done;
      return unexpected(ErrorCode::kUnavailable, path_.string() + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += done;
  pending_.clear();
  if (::fdatasync(fd_) != 0)
    return unexpected(ErrorCode::kUnavailable, path_.string() + ": fdatasync: " + std::strerror(errno));
  return true;
}

}  // namespace logferry::sinks::elasticsearch
