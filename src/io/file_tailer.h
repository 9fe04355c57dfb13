// FileTailer: reads one file by offset (pread), so a caller can process whole lines from a
// shared buffer and come back for the rest later. Knows the file's identity (device + inode),
// notices copytruncate (the file got shorter than the offset) and deletion (no links left),
// and can give up its descriptor while idle and take it back by path.
#pragma once

#include <sys/types.h>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"

namespace logferry::io {

struct FileId {
  uint64_t dev = 0;
  uint64_t ino = 0;
  auto operator<=>(const FileId&) const = default;
};

// Identity of the file a path leads to (following symlinks); nullopt if it is not a regular file.
std::optional<FileId> file_id_of(const std::string& path, uint64_t* size = nullptr);

// A hash of the first `len` bytes, to tell a reused inode from the file a checkpoint was
// taken of. nullopt if the file is shorter than `len` or unreadable.
std::optional<uint64_t> fingerprint_fd(int fd, uint32_t len);

class FileTailer {
 public:
  // Opens `path` (following symlinks); reading starts at `offset`.
  static Result<FileTailer> open(const std::string& path, uint64_t offset);
  FileTailer(FileTailer&& other) noexcept;
  FileTailer& operator=(FileTailer&& other) noexcept;
  FileTailer(const FileTailer&) = delete;
  FileTailer& operator=(const FileTailer&) = delete;
  ~FileTailer();

  struct ReadResult {
    std::size_t bytes = 0;   // read into the buffer, starting at offset()
    bool truncated = false;  // the file shrank below offset(): offset() is now 0
    bool error = false;
  };
  // Reads up to `cap` bytes at offset() without advancing; call consume() for what was used.
  ReadResult read(char* buf, std::size_t cap);
  void consume(std::size_t n) { offset_ += n; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset) { offset_ = offset; }

  const FileId& id() const { return id_; }
  int fd() const { return fd_; }
  bool is_open() const { return fd_ >= 0; }
  // Current size and link count of the open file.
  bool stat(uint64_t& size, uint64_t& links) const;
  // Releases the descriptor (idle file); reopen() takes it back if `path` still leads to the
  // same inode.
  void close();
  bool reopen(const std::string& path);
  // Hash of the first min(size, kFingerprintBytes) bytes and that length.
  static constexpr uint32_t kFingerprintBytes = 256;
  std::pair<uint32_t, uint64_t> fingerprint() const;

 private:
  FileTailer(int fd, FileId id, uint64_t offset) : fd_(fd), id_(id), offset_(offset) {}
  int fd_ = -1;
  FileId id_;
  uint64_t offset_ = 0;
};

}  // namespace logferry::io
