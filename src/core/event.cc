#include "core/event.h"

#include <new>

namespace logferry {

namespace {

const Value* walk(const Object& root, const FieldPath& path) {
  const auto& segs = path.segments();
  if (segs.empty()) return nullptr;
  if (path.matches_literal_key()) {
    if (const Value* v = root.get(path.text())) return v;
  }
  const Object* obj = &root;
  const Value* v = nullptr;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    v = obj->get(segs[i]);
    if (v == nullptr) return nullptr;
    if (i + 1 < segs.size()) {
      if (!v->is_object()) return nullptr;
      obj = v->as_object();
    }
  }
  return v;
}

}  // namespace

const Value* Event::find(const FieldPath& path) const { return walk(root_, path); }

Value* Event::find(const FieldPath& path) { return const_cast<Value*>(walk(root_, path)); }

Object* Event::new_object() const {
  void* mem = arena_->allocate(sizeof(Object), alignof(Object));
  return new (mem) Object(arena_);
}

Array* Event::new_array() const {
  void* mem = arena_->allocate(sizeof(Array), alignof(Array));
  return new (mem) Array(arena_);
}

Object& Event::append_object(std::string_view key) {
  Object* obj = new_object();
  root_.fields.push_back({key, Value::object(obj)});
  return *obj;
}

void Event::set(const FieldPath& path, Value value) {
  const auto& segs = path.segments();
  if (segs.empty()) return;
  if (path.matches_literal_key()) {
    if (Value* v = root_.get(path.text())) {
      *v = value;
      return;
    }
  }
  Object* obj = &root_;
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
    Value* v = obj->get(segs[i]);
    if (v == nullptr) {
      Object* child = new_object();
      obj->fields.push_back({arena_->copy(segs[i]), Value::object(child)});
      obj = child;
    } else if (v->is_object()) {
      obj = v->as_object();
    } else {
      Object* child = new_object();
      *v = Value::object(child);
      obj = child;
    }
  }
  if (Value* v = obj->get(segs.back())) {
    *v = value;
  } else {
    obj->fields.push_back({arena_->copy(segs.back()), value});
  }
}

bool Event::remove(const FieldPath& path) {
  const auto& segs = path.segments();
  if (segs.empty()) return false;
  if (path.matches_literal_key() && root_.remove(path.text())) return true;
  Object* obj = &root_;
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
    Value* v = obj->get(segs[i]);
    if (v == nullptr || !v->is_object()) return false;
    obj = v->as_object();
  }
  return obj->remove(segs.back());
}

Value clone_value(const Value& v, Arena& arena) {
  switch (v.kind()) {
    case Value::Kind::kString:
      return Value::string(arena.copy(v.as_string()));
    case Value::Kind::kDecimal:
      return Value::decimal(arena.copy(v.as_string()));
    case Value::Kind::kObject: {
      auto* obj = new (arena.allocate(sizeof(Object), alignof(Object))) Object(&arena);
      obj->fields.reserve(v.as_object()->fields.size());
      for (const auto& f : v.as_object()->fields)
        obj->fields.push_back({arena.copy(f.key), clone_value(f.value, arena)});
      return Value::object(obj);
    }
    case Value::Kind::kArray: {
      auto* arr = new (arena.allocate(sizeof(Array), alignof(Array))) Array(&arena);
      arr->items.reserve(v.as_array()->items.size());
      for (const auto& item : v.as_array()->items) arr->items.push_back(clone_value(item, arena));
      return Value::array(arr);
    }
    default:
      return v;
  }
}

Event Event::clone_into(Arena& arena) const {
  Event copy(arena);
  copy.root_.fields.reserve(root_.fields.size());
  for (const auto& f : root_.fields)
    copy.root_.fields.push_back({arena.copy(f.key), clone_value(f.value, arena)});
  return copy;
}

}  // namespace logferry
