#include "core/event_codec.h"

#include <cstring>

namespace logferry {

namespace {

// Nesting deeper than this is refused when decoding (encoded events come from our own trees,
// whose depth sources and parse_json bound well below it).
constexpr int kMaxDepth = 128;

void put_u32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}
void put_u64(std::string& out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}
void put_string(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

void encode_object(const Object& o, std::string& out);

void encode_value(const Value& v, std::string& out) {
  out.push_back(static_cast<char>(v.kind()));
  switch (v.kind()) {
    case Value::Kind::kNull: break;
    case Value::Kind::kBool: out.push_back(v.as_bool() ? 1 : 0); break;
    case Value::Kind::kInt: put_u64(out, static_cast<uint64_t>(v.as_int())); break;
    case Value::Kind::kDouble: {
      uint64_t bits;
      double d = v.as_double();
      std::memcpy(&bits, &d, 8);
      put_u64(out, bits);
      break;
    }
    case Value::Kind::kTimestamp: put_u64(out, static_cast<uint64_t>(v.as_timestamp().ns)); break;
    case Value::Kind::kString:
    case Value::Kind::kDecimal: put_string(out, v.as_string()); break;
    case Value::Kind::kObject: encode_object(*v.as_object(), out); break;
    case Value::Kind::kArray:
      put_u32(out, static_cast<uint32_t>(v.as_array()->items.size()));
      for (const Value& item : v.as_array()->items) encode_value(item, out);
      break;
  }
}

void encode_object(const Object& o, std::string& out) {
  put_u32(out, static_cast<uint32_t>(o.fields.size()));
  for (const Field& f : o.fields) {
    put_string(out, f.key);
    encode_value(f.value, out);
  }
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  void set_event(Event& e) { event_ = &e; }
  bool done() const { return pos_ == in_.size(); }

  bool u32(uint32_t& v) { return raw(&v, 4); }
  bool u64(uint64_t& v) { return raw(&v, 8); }
  bool string(std::string_view& s) {
    uint32_t n = 0;
    if (!u32(n) || n > in_.size() - pos_) return false;
    s = n == 0 ? std::string_view() : event_->arena().copy(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  // Every container entry takes at least one byte, so a count larger than what is left is
  // corrupt: checking it first keeps a bad count from reserving gigabytes.
  bool count(uint32_t& n) { return u32(n) && n <= in_.size() - pos_; }

  bool object(Object& o, int depth) {
    uint32_t n = 0;
    if (depth > kMaxDepth || !count(n)) return false;
    o.fields.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      std::string_view key;
      Value v;
      if (!string(key) || !value(v, depth)) return false;
      o.fields.push_back({key, v});
    }
    return true;
  }

  bool value(Value& v, int depth) {
    uint8_t kind = 0;
    if (!raw(&kind, 1)) return false;
    uint64_t bits = 0;
    switch (static_cast<Value::Kind>(kind)) {
      case Value::Kind::kNull: v = Value(); return true;
      case Value::Kind::kBool: {
        uint8_t b = 0;
        if (!raw(&b, 1)) return false;
        v = Value::boolean(b != 0);
        return true;
      }
      case Value::Kind::kInt:
        if (!u64(bits)) return false;
        v = Value::integer(static_cast<int64_t>(bits));
        return true;
      case Value::Kind::kDouble: {
        if (!u64(bits)) return false;
        double d;
        std::memcpy(&d, &bits, 8);
        v = Value::number(d);
        return true;
      }
      case Value::Kind::kTimestamp:
        if (!u64(bits)) return false;
        v = Value::timestamp({static_cast<int64_t>(bits)});
        return true;
      case Value::Kind::kString:
      case Value::Kind::kDecimal: {
        std::string_view s;
        if (!string(s)) return false;
        v = static_cast<Value::Kind>(kind) == Value::Kind::kString ? Value::string(s) : Value::decimal(s);
        return true;
      }
      case Value::Kind::kObject: {
        Object* o = event_->new_object();
        if (!object(*o, depth + 1)) return false;
        v = Value::object(o);
        return true;
      }
      case Value::Kind::kArray: {
        uint32_t n = 0;
        if (depth > kMaxDepth || !count(n)) return false;
        Array* a = event_->new_array();
        a->items.reserve(n);
        for (uint32_t i = 0; i < n; ++i) {
          Value item;
          if (!value(item, depth + 1)) return false;
          a->items.push_back(item);
        }
        v = Value::array(a);
        return true;
      }
    }
    return false;  // unknown kind byte
  }

 private:
  bool raw(void* dst, std::size_t n) {
    if (in_.size() - pos_ < n) return false;
    std::memcpy(dst, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  Event* event_ = nullptr;  // strings and containers go into its arena
};

}  // namespace

void encode_events(const EventBatch& batch, std::string& out) {
  put_u32(out, static_cast<uint32_t>(batch.size()));
  for (const Event& e : batch.events()) encode_object(e.root(), out);
}

Result<void> decode_events(std::string_view in, EventBatch& batch) {
  auto corrupt = [] { return unexpected(ErrorCode::kDataLoss, "malformed event record"); };
  if (in.size() < 4) return corrupt();
  uint32_t n = 0;
  std::memcpy(&n, in.data(), 4);
  if (n > in.size()) return corrupt();
  Reader reader(in.substr(4));
  for (uint32_t i = 0; i < n; ++i) {
    Event& e = batch.add();
    reader.set_event(e);
    if (!reader.object(e.root(), 0)) return corrupt();
  }
  if (!reader.done()) return corrupt();
  return {};
}

}  // namespace logferry
