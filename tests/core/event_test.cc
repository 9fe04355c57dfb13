#include "core/event.h"

#include <gtest/gtest.h>

#include "core/event_batch.h"
#include "core/json.h"

namespace logferry {
namespace {

TEST(EventTest, DottedPathWalksNestedObjects) {
  Arena arena;
  Event e(arena);
  e.set(FieldPath::parse("kubernetes.namespace"), Value::string("prod"));
  e.set(FieldPath::parse("[kubernetes][pod]"), Value::string("web-1"));
  ASSERT_EQ(e.root().fields.size(), 1u);
  const Value* ns = e.find(FieldPath::parse("[kubernetes][namespace]"));
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->as_string(), "prod");
  EXPECT_EQ(e.find(FieldPath::parse("kubernetes.pod"))->as_string(), "web-1");
  EXPECT_EQ(e.find(FieldPath::parse("kubernetes.container")), nullptr);
}

TEST(EventTest, DottedPathFindsLiteralTopLevelKeyFirst) {
  Arena arena;
  Event e(arena);
  e.append("kubernetes.pod", Value::string("literal"));
  e.set(FieldPath::parse("[kubernetes][pod]"), Value::string("nested"));
  EXPECT_EQ(e.find(FieldPath::parse("kubernetes.pod"))->as_string(), "literal");
  EXPECT_EQ(e.find(FieldPath::parse("[kubernetes][pod]"))->as_string(), "nested");
}

TEST(EventTest, MalformedBracketsAreOneLiteralKey) {
  auto p = FieldPath::parse("[a][b");
  ASSERT_EQ(p.segments().size(), 1u);
  EXPECT_EQ(p.segments()[0], "[a][b");
}

TEST(EventTest, RemoveNestedField) {
  Arena arena;
  Event e(arena);
  e.set(FieldPath::parse("a.b"), Value::integer(1));
  e.set(FieldPath::parse("a.c"), Value::integer(2));
  EXPECT_TRUE(e.remove(FieldPath::parse("a.b")));
  EXPECT_FALSE(e.remove(FieldPath::parse("a.b")));
  std::string json;
  append_json(json, e);
  EXPECT_EQ(json, R"({"a":{"c":2}})");
}

// Object::get compares lengths, then the first and last bytes, then the middle (same_key):
// keys that differ in any one of those places must not match.
TEST(ObjectTest, GetMatchesOnlyTheSameKey) {
  Arena arena;
  Object o(&arena);
  for (std::string_view k : {"", "a", "ab", "ax", "xb", "abc", "axc", "source", "sourcf", "tource", "sou_ce"})
    o.fields.push_back({k, Value::string(k)});
  for (std::string_view k : {"", "a", "ab", "ax", "xb", "abc", "axc", "source", "sourcf", "tource", "sou_ce"}) {
    const Value* v = o.get(k);
    ASSERT_NE(v, nullptr) << k;
    EXPECT_EQ(v->as_string(), k);
  }
  for (std::string_view k : {"b", "aa", "abd", "sourc", "sources", "s0urce", "souXce"}) EXPECT_EQ(o.get(k), nullptr) << k;
  EXPECT_TRUE(same_key(std::string_view("k\0y", 3), std::string_view("k\0y", 3)));
  EXPECT_FALSE(same_key(std::string_view("k\0y", 3), std::string_view("k\1y", 3)));
  EXPECT_TRUE(o.remove("sourcf"));
  EXPECT_EQ(o.get("sourcf"), nullptr);
  EXPECT_NE(o.get("source"), nullptr);
}

TEST(EventBatchTest, CopyIsDeepAndSharesFinalizer) {
  auto pool = BatchPool::create();
  int delivered = 0;
  {
    BatchPtr a = pool->acquire();
    a->add_finalizer(std::make_shared<Finalizer>([&](BatchStatus s) {
      if (s == BatchStatus::kDelivered) ++delivered;
    }));
    Event& e = a->add();
    e.append("message", e.string_value("hello"));
    BatchPtr b = pool->acquire();
    b->copy_from(*a);
    a.reset();
    EXPECT_EQ(delivered, 0) << "the copy still holds the finalizer";
    EXPECT_EQ(b->events()[0].root().get("message")->as_string(), "hello");
  }
  EXPECT_EQ(delivered, 1);
}

TEST(EventBatchTest, FailedBatchReportsFailure) {
  auto pool = BatchPool::create();
  BatchStatus seen = BatchStatus::kDelivered;
  {
    BatchPtr a = pool->acquire();
    a->add_finalizer(std::make_shared<Finalizer>([&](BatchStatus s) { seen = s; }));
    a->fail();
  }
  EXPECT_EQ(seen, BatchStatus::kFailed);
}

TEST(ArenaTest, ReusesChunksAfterReset) {
  Arena arena(1024);
  for (int i = 0; i < 100; ++i) arena.copy(std::string(100, 'x'));
  auto cap = arena.capacity();
  arena.reset();
  for (int i = 0; i < 100; ++i) arena.copy(std::string(100, 'y'));
  EXPECT_EQ(arena.capacity(), cap);
}

}  // namespace
}  // namespace logferry

namespace logferry {
namespace {

TEST(DecimalValueTest, WrittenAsItsTextAndClonedIntoTheArena) {
  Arena a, b;
  std::string text = "123456789012345678901.50";
  Value v = Value::decimal(a.copy(text));
  std::string out;
  append_json(out, v);
  EXPECT_EQ(out, text);
  Value copy = clone_value(v, b);
  EXPECT_EQ(copy.kind(), Value::Kind::kDecimal);
  EXPECT_NE(copy.as_string().data(), v.as_string().data());
  out.clear();
  append_text(out, copy);
  EXPECT_EQ(out, text);
}

}  // namespace
}  // namespace logferry
