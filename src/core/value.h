// The event model: a tree of fields whose strings and containers live in the batch's Arena.
// A Value is 16 bytes and trivially copyable; copying one never copies the string it views.
// Strings must outlive the batch: arena copies, static text, or memory the batch retains
// (EventBatch::retain).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <string_view>
#include <vector>

namespace logferry {

// Nanoseconds since the Unix epoch, UTC.
struct Timestamp {
  int64_t ns = 0;
  friend bool operator==(Timestamp, Timestamp) = default;
  int64_t seconds() const { return ns >= 0 ? ns / 1'000'000'000 : -((-ns + 999'999'999) / 1'000'000'000); }
};

struct Object;
struct Array;

class Value {
 public:
  // kDecimal: a number kept as its exact decimal text (JSON "1478207457.456", a 20-digit
  // integer), as Logstash keeps JSON numbers in BigDecimal. Written out as that text; read as
  // a number by conditions, conversions and the date filter. Its text views the arena.
  enum class Kind : uint8_t { kNull, kBool, kInt, kDouble, kString, kTimestamp, kObject, kArray, kDecimal };

  Value() : int_(0) {}
  static Value string(std::string_view s) {
    Value v;
    v.kind_ = Kind::kString;
    v.size_ = static_cast<uint32_t>(s.size());
    v.str_ = s.data();
    return v;
  }
  // `text` must be a valid JSON number (checked by whoever makes one).
  static Value decimal(std::string_view text) {
    Value v = string(text);
    v.kind_ = Kind::kDecimal;
    return v;
  }
  static Value boolean(bool b) { Value v; v.kind_ = Kind::kBool; v.int_ = b ? 1 : 0; return v; }
  static Value integer(int64_t i) { Value v; v.kind_ = Kind::kInt; v.int_ = i; return v; }
  static Value number(double d) { Value v; v.kind_ = Kind::kDouble; v.double_ = d; return v; }
  static Value timestamp(Timestamp t) { Value v; v.kind_ = Kind::kTimestamp; v.int_ = t.ns; return v; }
  static Value object(Object* o) { Value v; v.kind_ = Kind::kObject; v.object_ = o; return v; }
  static Value array(Array* a) { Value v; v.kind_ = Kind::kArray; v.array_ = a; return v; }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_object() const { return kind_ == Kind::kObject; }

  std::string_view as_string() const { return {str_, size_}; }  // also a kDecimal's text
  bool as_bool() const { return int_ != 0; }
  int64_t as_int() const { return int_; }
  double as_double() const { return double_; }
  Timestamp as_timestamp() const { return {int_}; }
  Object* as_object() const { return object_; }
  Array* as_array() const { return array_; }

 private:
  Kind kind_ = Kind::kNull;
  uint32_t size_ = 0;  // strings over 4 GiB are cut by sources long before they get here
  union {
    const char* str_;
    int64_t int_;
    double double_;
    Object* object_;
    Array* array_;
  };
};

// Key equality for field lookups. Keys are short and many share a length, so the first and
// last bytes reject almost every other key before a memcmp call (lookups scan the fields).
inline bool same_key(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n == 0) return true;
  if (a[0] != b[0] || a[n - 1] != b[n - 1]) return false;
  return n <= 2 || std::memcmp(a.data() + 1, b.data() + 1, n - 2) == 0;
}

struct Field {
  std::string_view key;
  Value value;
};

struct Object {
  explicit Object(std::pmr::memory_resource* mr) : fields(mr) {}
  std::pmr::vector<Field> fields;

  const Value* get(std::string_view key) const {
    for (const auto& f : fields)
      if (same_key(f.key, key)) return &f.value;
    return nullptr;
  }
  Value* get(std::string_view key) {
    for (auto& f : fields)
      if (same_key(f.key, key)) return &f.value;
    return nullptr;
  }
  // Key must already live long enough (arena or static).
  void set(std::string_view key, Value v) {
    if (Value* existing = get(key)) {
      *existing = v;
    } else {
      fields.push_back({key, v});
    }
  }
  bool remove(std::string_view key) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      if (same_key(it->key, key)) {
        fields.erase(it);
        return true;
      }
    }
    return false;
  }
};

struct Array {
  explicit Array(std::pmr::memory_resource* mr) : items(mr) {}
  std::pmr::vector<Value> items;
};

}  // namespace logferry
