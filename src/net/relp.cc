#include "net/relp.h"

#include <cctype>
#include <charconv>
#include <cstring>

namespace logferry::net::relp {

namespace {

// "TXNR COMMAND LEN" plus the SP before DATA when there is DATA.
std::size_t write_header(char* p, std::size_t cap, uint32_t txnr, std::string_view command,
                         std::size_t len) {
  char* begin = p;
  char* end = p + cap;
  p = std::to_chars(p, end, txnr).ptr;
  *p++ = ' ';
  std::memcpy(p, command.data(), command.size());
  p += command.size();
  *p++ = ' ';
  p = std::to_chars(p, end, len).ptr;
  if (len > 0) *p++ = ' ';
  return static_cast<std::size_t>(p - begin);
}

constexpr std::size_t kHeaderCap = 10 + 1 + kMaxCommand + 1 + 20 + 1;

}  // namespace

void append_frame(std::string& out, uint32_t txnr, std::string_view command, std::string_view data) {
  char header[kHeaderCap];
  out.append(header, write_header(header, sizeof(header), txnr, command.substr(0, kMaxCommand), data.size()));
  out.append(data);
  out.push_back('\n');
}

void frame_in_place(std::string& out, std::size_t start, uint32_t txnr, std::string_view command) {
  char header[kHeaderCap];
  std::size_t n = write_header(header, sizeof(header), txnr, command.substr(0, kMaxCommand), out.size() - start);
  out.insert(start, header, n);
  out.push_back('\n');
}

std::string response(uint32_t txnr, std::string_view data) {
  std::string out;
  append_frame(out, txnr, "rsp", data);
  return out;
}

int response_code(std::string_view d) {
  if (d.size() < 3 || !std::isdigit(static_cast<unsigned char>(d[0])) ||
      !std::isdigit(static_cast<unsigned char>(d[1])) || !std::isdigit(static_cast<unsigned char>(d[2])))
    return -1;
  if (d.size() > 3 && d[3] != ' ' && d[3] != '\n') return -1;
  return (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
}

bool FrameReader::step(std::string_view b, std::size_t& i, bool& done) {
  char c = b[i];
  switch (state_) {
    case State::kTxnr:
      if (digits_ == 0 && (c == '\n' || c == '\r')) {
        ++i;  // tolerate blank lines between frames
      } else if (is_digit(c) && digits_ < kMaxDigits) {
        txnr_ = txnr_ * 10 + static_cast<uint64_t>(c - '0');
        ++digits_;
        ++i;
      } else if (c == ' ' && digits_ > 0) {
        state_ = State::kCommand;
        command_.clear();
        ++i;
      } else {
        return false;
      }
      return true;
    case State::kCommand:
      if (c >= 'a' && c <= 'z' && command_.size() < kMaxCommand) {
        command_.push_back(c);
      } else if (c == ' ' && !command_.empty()) {
        state_ = State::kDataLen;
        data_len_ = 0;
        digits_ = 0;
      } else {
        return false;
      }
      ++i;
      return true;
    case State::kDataLen:
      if (is_digit(c) && digits_ < kMaxDigits) {
        data_len_ = data_len_ * 10 + static_cast<uint64_t>(c - '0');
        ++digits_;
      } else if (digits_ > 0 && c == ' ') {
        // "TXNR close 0 \n": some senders put a space before the trailer of an empty frame
        data_left_ = data_len_;
        data_.clear();
        state_ = data_len_ > 0 ? State::kData : State::kTrailer;
      } else if (digits_ > 0 && data_len_ == 0 && c == '\n') {
        data_.clear();
        done = true;
      } else {
        return false;
      }
      ++i;
      return true;
    case State::kData: {
      std::size_t take = static_cast<std::size_t>(std::min<uint64_t>(data_left_, b.size() - i));
      std::size_t used = static_cast<std::size_t>(data_len_ - data_left_);
      if (used < max_data_) data_.append(b.data() + i, std::min(take, max_data_ - used));
      i += take;
      data_left_ -= take;
      if (data_left_ == 0) state_ = State::kTrailer;
      return true;
    }
    case State::kTrailer:
      if (c != '\n') return false;
      ++i;
      done = true;
      return true;
    case State::kBroken:
      return false;
  }
  return false;
}

}  // namespace logferry::net::relp
