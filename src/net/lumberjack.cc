#include "net/lumberjack.h"

#include <zlib.h>

#include <algorithm>

namespace logferry::net::lumberjack {

namespace {

uint32_t read_u32(std::string_view data, std::size_t at) {
  auto b = [&](std::size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(data[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

void put_u32(std::string& out, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out.append(b, 4);
}

void put_header(std::string& out, char version, char type) {
  out.push_back(version);
  out.push_back(type);
}

// Inflates one zlib stream (RFC 1950) into `out` (resized to what it produced). Stops with
// kInflateTooLarge as soon as the output would pass `cap`, so a bomb never allocates more.
// The 2-byte header is checked here and the body inflated raw: zlib's Adler-32 of the output
// cost ~10% of the whole beats source, and TCP (or TLS's MAC) already guards the bytes.
ParseError inflate_into(std::string_view in, std::string& out, std::size_t cap) {
  if (in.size() < 2) return ParseError::kInflateFailed;
  auto cmf = static_cast<unsigned char>(in[0]), flg = static_cast<unsigned char>(in[1]);
  if ((cmf & 0x0f) != 8 || (cmf >> 4) > 7 || (cmf * 256u + flg) % 31 != 0 || (flg & 0x20) != 0)
    return ParseError::kInflateFailed;  // not deflate, bad check bits, or a preset dictionary
  in.remove_prefix(2);
  z_stream zs{};
  if (inflateInit2(&zs, -15) != Z_OK) return ParseError::kInflateFailed;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::size_t produced = 0;
  std::size_t size = std::min(cap + 1, std::max<std::size_t>(in.size() * 4, 64 * 1024));
  if (out.size() < size) out.resize(size);
  ParseError result = ParseError::kNone;
  while (true) {
    if (produced == out.size()) {
      if (out.size() > cap) {
        result = ParseError::kInflateTooLarge;
        break;
      }
      out.resize(std::min(cap + 1, out.size() * 2));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size() - produced, 1u << 30));
    uInt before = zs.avail_out;
    int rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_out == 0) continue;  // needs more room
    result = ParseError::kInflateFailed;  // corrupt, or the input ended mid-stream
    break;
  }
  inflateEnd(&zs);
  if (result == ParseError::kNone && produced > cap) result = ParseError::kInflateTooLarge;
  out.resize(result == ParseError::kNone ? produced : 0);
  return result;
}

}  // namespace

std::string_view error_name(ParseError e) {
  switch (e) {
    case ParseError::kNone: return "none";
    case ParseError::kBadVersion: return "bad_version";
    case ParseError::kBadFrameType: return "bad_frame_type";
    case ParseError::kFrameTooLarge: return "frame_too_large";
    case ParseError::kBadLength: return "bad_length";
    case ParseError::kInflateFailed: return "bad_compression";
    case ParseError::kInflateTooLarge: return "zlib_bomb";
    case ParseError::kTruncatedCompressed: return "truncated_compressed";
    case ParseError::kNestingTooDeep: return "nesting_too_deep";
    case ParseError::kRejected: return "rejected";
  }
  return "unknown";
}

bool Parser::feed(std::string_view bytes, FrameHandler& handler) {
  if (error_ != ParseError::kNone) return false;
  std::size_t consumed = 0;
  if (buffered() == 0) {
    // Fast path: whole frames straight from the read buffer; only a tail is kept.
    buf_.clear();
    pos_ = 0;
    bool ok = parse_all(bytes, 0, handler, consumed);
    if (ok && consumed < bytes.size()) {
      buf_.reserve(std::max(need_, bytes.size() - consumed));
      buf_.assign(bytes.substr(consumed));
    }
    return ok;
  }
  buf_.append(bytes);
  if (buf_.size() - pos_ < need_) return true;  // the frame is still incomplete
  bool ok = parse_all(std::string_view(buf_).substr(pos_), 0, handler, consumed);
  pos_ += consumed;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
    buf_.reserve(need_);
  }
  return ok;
}

void Parser::trim(std::size_t keep) {
  if (buf_.capacity() > keep && buffered() == 0) std::string().swap(buf_), pos_ = 0;
  for (auto& b : inflated_)
    if (b.capacity() > keep) std::string().swap(b);
}

bool Parser::parse_all(std::string_view data, int depth, FrameHandler& handler,
                       std::size_t& consumed) {
  consumed = 0;
  need_ = 0;
  while (consumed < data.size()) {
    std::size_t n = parse_one(data.substr(consumed), depth, handler);
    if (error_ != ParseError::kNone) return false;
    if (n == 0) return true;  // incomplete; need_ says how much the frame needs
    consumed += n;
  }
  need_ = 0;
  return true;
}

std::size_t Parser::parse_one(std::string_view data, int depth, FrameHandler& handler) {
  auto need = [&](std::size_t n) {
    if (data.size() >= n) return true;
    need_ = n;
    return false;
  };
  if (!need(2)) return 0;
  char version = data[0];
  if (version != '1' && version != '2') return reject(ParseError::kBadVersion);
  switch (data[1]) {
    case 'W':
      if (!need(6)) return 0;
      if (!handler.on_window(version, read_u32(data, 2))) return reject(ParseError::kRejected);
      return 6;
    case 'A':
      if (!need(6)) return 0;
      if (!handler.on_ack(version, read_u32(data, 2))) return reject(ParseError::kRejected);
      return 6;
    case 'J': {
      if (!need(10)) return 0;
      uint32_t len = read_u32(data, 6);
      if (len == 0) return reject(ParseError::kBadLength);
      if (len > limits_.max_frame_bytes) return reject(ParseError::kFrameTooLarge);
      if (!need(10 + std::size_t{len})) return 0;
      if (!handler.on_json(read_u32(data, 2), data.substr(10, len))) return reject(ParseError::kRejected);
      return 10 + std::size_t{len};
    }
    case 'C': {
      if (!need(6)) return 0;
      uint32_t len = read_u32(data, 2);
      if (len > limits_.max_frame_bytes) return reject(ParseError::kFrameTooLarge);
      if (!need(6 + std::size_t{len})) return 0;
      return parse_compressed(data.substr(0, 6 + std::size_t{len}), depth, handler);
    }
    case 'D':
      return parse_data_frame(data, handler);
    default:
      return reject(ParseError::kBadFrameType);
  }
}

std::size_t Parser::parse_data_frame(std::string_view data, FrameHandler& handler) {
  if (data.size() < 10) {
    need_ = 10;
    return 0;
  }
  uint32_t count = read_u32(data, 6);
  if (count == 0 || count > limits_.max_pairs) return reject(ParseError::kBadLength);
  pairs_.clear();
  std::size_t off = 10;
  const std::size_t max_end = limits_.max_frame_bytes + 10;
  // Walks the pairs by their lengths (O(pairs), not O(bytes)), so retrying a frame that
  // arrives in many reads stays cheap.
  auto field = [&](std::string_view& out) {
    if (data.size() < off + 4) {
      need_ = off + 4;
      return false;
    }
    std::size_t len = read_u32(data, off);
    if (off + 4 + len > max_end) return fail(ParseError::kFrameTooLarge);
    if (data.size() < off + 4 + len) {
      need_ = off + 4 + len;
      return false;
    }
    out = data.substr(off + 4, len);
    off += 4 + len;
    return true;
  };
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view key, value;
    if (!field(key) || !field(value)) return 0;
    pairs_.emplace_back(key, value);
  }
  if (!handler.on_data(read_u32(data, 2), pairs_)) return reject(ParseError::kRejected);
  return off;
}

std::size_t Parser::parse_compressed(std::string_view frame, int depth, FrameHandler& handler) {
  if (depth >= limits_.max_nesting) return reject(ParseError::kNestingTooDeep);
  // Sized once: growing the vector while an outer level's buffer is being parsed would move it.
  if (inflated_.empty()) inflated_.resize(static_cast<std::size_t>(limits_.max_nesting));
  std::string& out = inflated_[static_cast<std::size_t>(depth)];
  if (ParseError e = inflate_into(frame.substr(6), out, limits_.max_inflated_bytes); e != ParseError::kNone)
    return reject(e);
  handler.on_compressed(frame.size() - 6, out.size());
  std::size_t consumed = 0;
  if (!parse_all(out, depth + 1, handler, consumed)) return 0;
  if (consumed < out.size()) return reject(ParseError::kTruncatedCompressed);
  need_ = 0;
  return frame.size();
}

void append_ack(std::string& out, uint32_t seq, char version) {
  put_header(out, version, 'A');
  put_u32(out, seq);
}

void append_window(std::string& out, uint32_t count, char version) {
  put_header(out, version, 'W');
  put_u32(out, count);
}

void append_json(std::string& out, uint32_t seq, std::string_view json) {
  put_header(out, '2', 'J');
  put_u32(out, seq);
  put_u32(out, static_cast<uint32_t>(json.size()));
  out.append(json);
}

void append_data(std::string& out, uint32_t seq,
                 const std::vector<std::pair<std::string_view, std::string_view>>& pairs) {
  put_header(out, '1', 'D');
  put_u32(out, seq);
  put_u32(out, static_cast<uint32_t>(pairs.size()));
  for (const auto& [k, v] : pairs) {
    put_u32(out, static_cast<uint32_t>(k.size()));
    out.append(k);
    put_u32(out, static_cast<uint32_t>(v.size()));
    out.append(v);
  }
}

bool append_compressed(std::string& out, std::string_view frames, int level, char version) {
  z_stream zs{};
  if (deflateInit(&zs, std::clamp(level, 1, 9)) != Z_OK) return false;
  std::size_t start = out.size();
  uLong bound = deflateBound(&zs, static_cast<uLong>(frames.size()));
  out.resize(start + 6 + bound);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(frames.data()));
  zs.avail_in = static_cast<uInt>(frames.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data() + start + 6);
  zs.avail_out = static_cast<uInt>(bound);
  int rc = deflate(&zs, Z_FINISH);
  std::size_t len = bound - zs.avail_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    out.resize(start);
    return false;
  }
  out.resize(start + 6 + len);
  std::string header;
  put_header(header, version, 'C');
  put_u32(header, static_cast<uint32_t>(len));
  out.replace(start, 6, header);
  return true;
}

}  // namespace logferry::net::lumberjack
