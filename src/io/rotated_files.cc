#include "io/rotated_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "core/time_util.h"

namespace logferry::io {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kStampLength = 16;  // 20261125T150102Z
constexpr std::string_view kTempSuffix = ".tmp";

template <typename Int>
bool parse_digits(std::string_view s, Int& out) {
  out = 0;
  if (s.empty() || s.size() > 18) return false;  // 18 digits fit any index without overflow
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = static_cast<Int>(out * 10 + (c - '0'));
  }
  return true;
}

struct RotationSuffix {
  Timestamp time;
  uint64_t index = 0;
  int sequence = 0;
};

// "20261125T150102Z.<index>", or the older "20261125T150102Z[-N]".
std::optional<RotationSuffix> parse_rotation_suffix(std::string_view s) {
  if (s.size() < kStampLength || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  int y, mo, d, h, mi, sec;
  if (!parse_digits(s.substr(0, 4), y) || !parse_digits(s.substr(4, 2), mo) ||
      !parse_digits(s.substr(6, 2), d) || !parse_digits(s.substr(9, 2), h) ||
      !parse_digits(s.substr(11, 2), mi) || !parse_digits(s.substr(13, 2), sec))
    return std::nullopt;
  RotationSuffix out;
  out.time = from_civil(y, mo, d, h, mi, sec, 0);
  std::string_view rest = s.substr(kStampLength);
  if (rest.empty()) return out;
  if (rest[0] == '.') {
    if (!parse_digits(rest.substr(1), out.index) || out.index == 0) return std::nullopt;
    return out;
  }
  if (rest[0] != '-' || !parse_digits(rest.substr(1), out.sequence)) return std::nullopt;
  return out;
}

std::string stamp(Timestamp t) {
  CivilTime c = to_civil(t);
  std::string out;
  append_padded(out, c.year, 4);
  append_padded(out, c.month, 2);
  append_padded(out, c.day, 2);
  out += 'T';
  append_padded(out, c.hour, 2);
  append_padded(out, c.minute, 2);
  append_padded(out, c.second, 2);
  out += 'Z';
  return out;
}

bool exists_any_form(const std::string& name) {
  std::error_code ec;
  for (auto suffix : {"", ".gz", ".zst"})
    if (fs::exists(name + suffix, ec)) return true;
  return false;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Error errno_error(const std::string& what) {
  return Error{ErrorCode::kUnavailable, what + ": " + std::strerror(errno)};
}

bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Streams src into the already opened tmp file descriptor. Returns "" or an error text.
std::string gzip_stream(int in, int out) {
  z_stream z{};
  // windowBits 15 + 16: gzip wrapper, what `gzip -d` and `zcat` read.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "deflateInit2";
  std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&z, &deflateEnd);
  std::vector<unsigned char> ibuf(256 * 1024), obuf(256 * 1024);
  bool eof = false;
  while (!eof) {
    ssize_t n = ::read(in, ibuf.data(), ibuf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::string("read: ") + std::strerror(errno);
    }
    eof = n == 0;
    z.next_in = ibuf.data();
    z.avail_in = static_cast<uInt>(n);
    int flush = eof ? Z_FINISH : Z_NO_FLUSH;
    int rc;
    do {
      z.next_out = obuf.data();
      z.avail_out = static_cast<uInt>(obuf.size());
      rc = deflate(&z, flush);
      if (rc == Z_STREAM_ERROR) return "deflate";
      std::size_t have = obuf.size() - z.avail_out;
      if (!write_all(out, reinterpret_cast<char*>(obuf.data()), have))
        return std::string("write: ") + std::strerror(errno);
    } while (z.avail_out == 0);
    if (eof && rc != Z_STREAM_END) return "deflate did not finish";
  }
  return {};
}

std::string zstd_stream(int in, int out) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), &ZSTD_freeCCtx);
  if (!cctx) return "ZSTD_createCCtx";
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  std::vector<char> ibuf(ZSTD_CStreamInSize()), obuf(ZSTD_CStreamOutSize());
  bool eof = false;
  while (!eof) {
    ssize_t n = ::read(in, ibuf.data(), ibuf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::string("read: ") + std::strerror(errno);
    }
    eof = n == 0;
    ZSTD_inBuffer input{ibuf.data(), static_cast<std::size_t>(n), 0};
    ZSTD_EndDirective mode = eof ? ZSTD_e_end : ZSTD_e_continue;
    bool done = false;
    while (!done) {
      ZSTD_outBuffer output{obuf.data(), obuf.size(), 0};
      std::size_t remaining = ZSTD_compressStream2(cctx.get(), &output, &input, mode);
      if (ZSTD_isError(remaining)) return ZSTD_getErrorName(remaining);
      if (!write_all(out, obuf.data(), output.pos)) return std::string("write: ") + std::strerror(errno);
      done = eof ? remaining == 0 : input.pos == input.size;
    }
  }
  return {};
}

}  // namespace

std::optional<Compression> parse_compression(std::string_view name) {
  if (name == "none" || name.empty()) return Compression::kNone;
  if (name == "gzip") return Compression::kGzip;
  if (name == "zstd") return Compression::kZstd;
  return std::nullopt;
}

std::string_view compression_suffix(Compression c) {
  switch (c) {
    case Compression::kGzip: return ".gz";
    case Compression::kZstd: return ".zst";
    case Compression::kNone: break;
  }
  return "";
}

std::vector<RotatedFile> list_rotated(const fs::path& base) {
  std::vector<RotatedFile> out;
  std::string prefix = base.filename().string() + ".";
  fs::path dir = base.parent_path();
  std::error_code ec;
  fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string_view rest = std::string_view(name).substr(prefix.size());
    RotatedFile f;
    for (auto suffix : {std::string_view(".gz"), std::string_view(".zst")}) {
      if (rest.size() > suffix.size() && rest.substr(rest.size() - suffix.size()) == suffix) {
        rest.remove_suffix(suffix.size());
        f.compressed = true;
        break;
      }
    }
    auto parsed = parse_rotation_suffix(rest);
    if (!parsed) continue;  // includes ".tmp" files of a compression in progress
    f.path = it->path();
    f.rotated_at = parsed->time;
    f.index = parsed->index;
    f.sequence = parsed->sequence;
    out.push_back(std::move(f));
  }
  // The index alone orders indexed files: their times may repeat or even go back (clock steps).
  std::sort(out.begin(), out.end(), [](const RotatedFile& a, const RotatedFile& b) {
    if (a.index != b.index) return a.index < b.index;
    if (a.rotated_at.ns != b.rotated_at.ns) return a.rotated_at.ns < b.rotated_at.ns;
    if (a.sequence != b.sequence) return a.sequence < b.sequence;
    return a.compressed < b.compressed;
  });
  return out;
}

uint64_t next_rotation_index(const fs::path& base) {
  uint64_t largest = 0;
  for (const RotatedFile& f : list_rotated(base)) largest = std::max(largest, f.index);
  return largest + 1;
}

RotatedName rotated_name(const fs::path& base, Timestamp now, uint64_t index) {
  std::string prefix = base.string() + "." + stamp(now) + ".";
  if (index == 0) index = 1;
  while (exists_any_form(prefix + std::to_string(index))) ++index;
  return {prefix + std::to_string(index), index};
}

Result<fs::path> compress_file(const fs::path& src, Compression c) {
  if (c == Compression::kNone) return src;
  fs::path dst = src.string() + std::string(compression_suffix(c));
  fs::path tmp = dst.string() + std::string(kTempSuffix);
  Fd in{::open(src.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) return unexpected(errno_error("open " + src.string()));
  struct stat st {};
  if (::fstat(in.fd, &st) != 0) return unexpected(errno_error("stat " + src.string()));
  Fd out{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777)};
  if (out.fd < 0) return unexpected(errno_error("create " + tmp.string()));
  std::string err = c == Compression::kGzip ? gzip_stream(in.fd, out.fd) : zstd_stream(in.fd, out.fd);
  if (err.empty() && ::fsync(out.fd) != 0) err = std::string("fsync: ") + std::strerror(errno);
  if (err.empty() && ::rename(tmp.c_str(), dst.c_str()) != 0)
    err = std::string("rename: ") + std::strerror(errno);
  if (!err.empty()) {
    ::unlink(tmp.c_str());
    return unexpected(ErrorCode::kInternal, "compressing " + src.string() + ": " + err);
  }
  // The compressed copy is durable before the original goes.
  ::unlink(src.c_str());
  return dst;
}

int apply_retention(const fs::path& base, const RetentionPolicy& policy, Timestamp now) {
  if (!policy.enabled()) return 0;
  std::vector<RotatedFile> files = list_rotated(base);
  int deleted = 0;
  std::size_t keep_from = 0;  // files before this index go
  if (policy.max_files > 0 && files.size() > static_cast<std::size_t>(policy.max_files))
    keep_from = files.size() - static_cast<std::size_t>(policy.max_files);
  for (std::size_t i = 0; i < files.size(); ++i) {
    bool too_old = policy.max_age.count() > 0 &&
                   now.ns - files[i].rotated_at.ns > policy.max_age.count();
    if (i < keep_from || too_old) {
      std::error_code ec;
      if (fs::remove(files[i].path, ec)) ++deleted;
    }
  }
  return deleted;
}

}  // namespace logferry::io
