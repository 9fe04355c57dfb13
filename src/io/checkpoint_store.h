// CheckpointStore: where each tailed file was read up to, persisted atomically (write temp,
// fsync, rename) so a crash leaves the previous or the new state. Files are keyed by device +
// inode, and carry a fingerprint of their first bytes so a reused inode is not mistaken for
// the file the checkpoint was taken of.
//
// Format (text, one file per line, tab-separated, paths last):
//   logferry-checkpoints 1
//   <dev> <ino> <offset> <fingerprint length> <fingerprint hash> <path as found> <resolved path>
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "io/file_tailer.h"

namespace logferry::io {

struct FileCheckpoint {
  FileId id;
  uint64_t offset = 0;
  uint32_t fingerprint_len = 0;
  uint64_t fingerprint = 0;
  std::string path;       // as matched by the globs (e.g. the /var/log/containers symlink)
  std::string real_path;  // the file it led to
};

class CheckpointStore {
 public:
  explicit CheckpointStore(std::filesystem::path file) : file_(std::move(file)) {}

  // Reads the file if it exists. A corrupt file is an error (the caller decides; the entries
  // read so far are kept).
  Result<void> load();
  // Writes all entries if anything changed since the last save.
  Result<void> save();

  const FileCheckpoint* find(const FileId& id) const;
  void put(const FileCheckpoint& cp);
  void erase(const FileId& id);
  std::vector<FileCheckpoint> entries() const;
  std::size_t size() const { return entries_.size(); }
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::map<FileId, FileCheckpoint> entries_;
  bool dirty_ = false;
};

}  // namespace logferry::io
