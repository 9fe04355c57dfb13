// Event: one log record, a tree of fields allocated in its batch's Arena. Lookups take a
// compiled FieldPath; components compile their paths once at build time, never per event.
#pragma once

#include <string_view>

#include "core/arena.h"
#include "core/field_path.h"
#include "core/value.h"

namespace logferry {

class Event {
 public:
  explicit Event(Arena& arena) : arena_(&arena), root_(&arena) {}

  Object& root() { return root_; }
  const Object& root() const { return root_; }
  Arena& arena() const { return *arena_; }

  const Value* find(const FieldPath& path) const;
  Value* find(const FieldPath& path);
  // Creates missing intermediate objects; replaces a non-object on the way.
  void set(const FieldPath& path, Value value);
  bool remove(const FieldPath& path);

  // Convenience for sources building fresh events: top-level key, no lookup for an existing
  // field. The key must outlive the batch (a literal or an arena copy).
  void append(std::string_view key, Value value) { root_.fields.push_back({key, value}); }
  // A nested object stored under `key` at the top level, created in the arena.
  Object& append_object(std::string_view key);

  // Shorthands that copy into the arena.
  Value string_value(std::string_view s) const { return Value::string(arena_->copy(s)); }
  Object* new_object() const;
  Array* new_array() const;

  // Deep copy into another arena (fan-out to a second transform branch).
  Event clone_into(Arena& arena) const;

 private:
  Arena* arena_;
  Object root_;
};

// Deep copy of a value into `arena`.
Value clone_value(const Value& v, Arena& arena);

}  // namespace logferry
