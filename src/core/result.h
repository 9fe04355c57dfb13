// Result<T>: a value or an Error, spelled like std::expected so the move to C++23 is a rename.
// GCC 12 ships <expected> only under -std=c++2b, hence this small type.
//
// Example:
//   Result<int> parse_port(std::string_view s);
//   auto port = parse_port("514");
//   if (!port) return lf::unexpected(port.error());
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace logferry {

// Codes answer one question: retry or not (abseil's status codes, a subset).
enum class ErrorCode {
  kInvalidArgument,    // bad config or input: reject, do not retry
  kUnavailable,        // peer down or connection lost: retry with backoff
  kResourceExhausted,  // 429, full buffer: retry later
  kNotFound,
  kPermissionDenied,
  kDataLoss,
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <class E>
struct Unexpected {
  E error;
};

inline Unexpected<Error> unexpected(Error e) { return {std::move(e)}; }
inline Unexpected<Error> unexpected(ErrorCode code, std::string message) {
  return {Error{code, std::move(message)}};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Unexpected<Error> e) : state_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected<Error> e) : error_(std::move(e.error)), ok_(false) {}  // NOLINT: implicit
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace logferry
