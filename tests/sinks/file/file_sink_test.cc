#include "sinks/file/file_sink.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <filesystem>

#include "app/app.h"
#include "config/pipeline_config.h"
#include "core/time_util.h"
#include "io/rotated_files.h"
#include "support/batch_builder.h"
#include "support/gunzip.h"
#include "support/temp_dir.h"

namespace logferry::sinks {
namespace {

namespace fs = std::filesystem;
using testing::BatchBuilder;
using testing::gunzip;
using testing::read_file;
using testing::TempDir;

Timestamp at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

struct Harness {
  TempDir dir;
  Metrics metrics;
  FakeClock clock{at("2026-11-05T09:03:01Z")};
  BuildContext ctx{"files", metrics, dir.path() / "data", dir.path(), "node1", clock};

  std::unique_ptr<FileSink> build(FileSink::Options o) {
    auto sink = FileSink::build(o, ctx);
    EXPECT_TRUE(sink) << (sink ? "" : sink.error().message);
    return std::unique_ptr<FileSink>(static_cast<FileSink*>(sink->release()));
  }
  int64_t metric(const std::string& name) { return metrics.value(name, {{"component", "files"}}); }
};

FileSink::Options options(const std::string& path, const std::string& format = "%{message}") {
  FileSink::Options o;
  o.path = path;
  if (!format.empty()) o.format = Template::compile(format).value();
  return o;
}

// Every regular file under `root`, relative, sorted.
std::vector<std::string> files_under(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string unzstd(const fs::path& p) {
  std::string in = read_file(p), out;
  ZSTD_DStream* d = ZSTD_createDStream();
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  std::vector<char> buf(ZSTD_DStreamOutSize());
  while (input.pos < input.size) {
    ZSTD_outBuffer output{buf.data(), buf.size(), 0};
    std::size_t rc = ZSTD_decompressStream(d, &output, &input);
    EXPECT_FALSE(ZSTD_isError(rc));
    if (ZSTD_isError(rc)) break;
    out.append(buf.data(), output.pos);
  }
  ZSTD_freeDStream(d);
  return out;
}

TEST(FileSinkTest, RendersPathPerEventRelativeToConfigDir) {
  Harness h;
  auto sink = h.build(options("logs/%{host}/%{appname}/%{+YYYY-MM-dd}.log"));
  BatchBuilder b;
  b.add({{"host", "web-1"}, {"appname", "nginx"}, {"message", "one"}}, at("2026-11-05T09:03:01Z"));
  b.add({{"host", "web-2"}, {"appname", "nginx"}, {"message", "two"}}, at("2026-11-05T09:03:02Z"));
  b.add({{"host", "web-1"}, {"appname", "nginx"}, {"message", "three"}}, at("2026-11-06T00:00:00Z"));
  b.add({{"host", "web-1"}, {"appname", "nginx"}, {"message", "four"}}, at("2026-11-05T23:59:59Z"));
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(h.dir / "logs/web-1/nginx/2026-11-05.log"), "one\nfour\n");
  EXPECT_EQ(read_file(h.dir / "logs/web-2/nginx/2026-11-05.log"), "two\n");
  EXPECT_EQ(read_file(h.dir / "logs/web-1/nginx/2026-11-06.log"), "three\n");
  EXPECT_EQ(h.metric("logferry_file_bytes_written_total"), 19);
}

TEST(FileSinkTest, FieldValuesCannotEscapeTheBaseDirectory) {
  Harness h;
  auto sink = h.build(options("base/%{host}/%{appname}.log"));
  BatchBuilder b;
  b.add({{"host", ".."}, {"appname", "../../escaped"}, {"message", "a"}});
  b.add({{"host", "."}, {"appname", "/etc/passwd"}, {"message", "b"}});
  b.add({{"host", std::string("nul\0byte", 8)}, {"appname", ""}, {"message", "c"}});
  b.add({{"host", "x\ny"}, {"appname", std::string(300, 'a')}, {"message", "d"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  // Nothing outside base/, and no directory level added by a value.
  std::vector<std::string> all = files_under(h.dir.path());
  std::vector<std::string> expected = {"base/_/.._.._escaped.log", "base/_/_etc_passwd.log",
                                       "base/nul_byte/.log",
                                       "base/x_y/" + std::string(200, 'a') + ".log"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all, expected);
  EXPECT_EQ(read_file(h.dir / "base/_/.._.._escaped.log"), "a\n");
}

TEST(PathTemplateTest, SanitizeRules) {
  auto check = [](std::string in) {
    std::string s = "prefix/" + in;
    PathTemplate::sanitize_value(s, 7);
    PathTemplate::sanitize_component(s, 7);
    return s.substr(7);
  };
  EXPECT_EQ(check(".."), "_");
  EXPECT_EQ(check("."), "_");
  EXPECT_EQ(check(""), "_");
  EXPECT_EQ(check("..."), "...");
  EXPECT_EQ(check("a/../b"), "a_.._b");
  EXPECT_EQ(check(std::string("a\0b\x7f", 4)), "a_b_");
  // Cut on a UTF-8 boundary: 150 two-byte characters are 300 bytes.
  std::string s = check([] { std::string t; for (int i = 0; i < 150; ++i) t += "\xC3\xA9"; return t; }());
  EXPECT_EQ(s.size(), 200u);
  // Operator-written segments, ".." included, are kept; the fixed prefix ends before a value.
  auto t = PathTemplate::compile("../logs/%{host}/%{+YYYY/MM}.log", "/srv/conf").value();
  EXPECT_EQ(t.fixed_prefix(), "/srv/conf/../logs/");
  BatchBuilder b;
  std::string out;
  t.render(b.add({{"host", "h"}}, at("2026-11-05T09:03:01Z")), out);
  EXPECT_EQ(out, "/srv/conf/../logs/h/2026_11.log");
  // Values are cut, the literal text around them is kept; "." + "." is caught as a whole.
  auto t2 = PathTemplate::compile("/l/%{a}%{b}/%{a}x-%{c}.log", "/").value();
  b.reset();
  t2.render(b.add({{"a", "."}, {"b", "."}, {"c", std::string(250, 'c')}}), out);
  EXPECT_EQ(out, "/l/_/.x-" + std::string(200, 'c') + ".log");
}

TEST(FileSinkTest, DefaultFormatIsRsyslogTraditional) {
  Harness h;
  auto sink = h.build(options("out.log", ""));
  BatchBuilder b;
  b.add({{"host", "web-1"}, {"appname", "nginx"}, {"procid", "812"}, {"message", "GET / 200"}},
        at("2026-11-05T09:03:01.5Z"));
  b.add({{"host", "web-1"}, {"appname", "cron"}, {"procid", "-"}, {"message", " leading space\n"}},
        at("2026-11-15T19:03:01Z"));
  b.add({{"host", "node-7"}, {"log", "from kubernetes\twith tab\nand newline"}, {"stream", "stdout"}},
        at("2026-01-01T00:00:00+02:00"));
  b.add({{"message", "no host, no time"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(h.dir / "out.log"),
            "Nov  5 09:03:01 web-1 nginx[812]: GET / 200\n"
            "Nov 15 19:03:01 web-1 cron: leading space\n"
            "Dec 31 22:00:00 node-7 from kubernetes#011with tab#012and newline\n"
            "Nov  5 09:03:01 node1 no host, no time\n");
}

TEST(FileSinkTest, OpenFileLimitAndIdleClose) {
  Harness h;
  auto o = options("%{n}.log");
  o.max_open_files = 2;
  o.idle_timeout = std::chrono::seconds(10);
  auto sink = h.build(o);
  BatchBuilder b;
  for (int round = 0; round < 3; ++round)
    for (const char* n : {"a", "b", "c", "d"}) b.add({{"n", n}, {"message", std::string(n) + std::to_string(round)}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  EXPECT_LE(sink->files().open_files(), 2u);
  EXPECT_EQ(read_file(h.dir / "a.log"), "a0\na1\na2\n");
  EXPECT_EQ(read_file(h.dir / "d.log"), "d0\nd1\nd2\n");
  EXPECT_GE(h.metric("logferry_file_opens_total"), 10);  // evicted and reopened

  h.clock.advance(std::chrono::seconds(5));
  b.reset();
  b.add({{"n", "a"}, {"message", "a3"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  h.clock.advance(std::chrono::seconds(6));  // d idle 11 s, a idle 6 s
  sink->flush();
  EXPECT_TRUE(sink->files().is_open((h.dir / "a.log").string()));
  EXPECT_EQ(sink->files().open_files(), 1u);
  h.clock.advance(std::chrono::seconds(5));
  sink->flush();
  EXPECT_EQ(sink->files().open_files(), 0u);
  EXPECT_EQ(h.metrics.value("logferry_file_open_files", {{"component", "files"}}), 0);
}

TEST(FileSinkTest, FileAndDirectoryModes) {
  Harness h;
  auto o = options("m/%{host}/x.log");
  o.file_mode = "0600";
  o.dir_mode = "0700";
  auto sink = h.build(o);
  BatchBuilder b;
  b.add({{"host", "h"}, {"message", "x"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  struct stat st {};
  ASSERT_EQ(::stat((h.dir / "m/h/x.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat((h.dir / "m/h").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST(FileSinkTest, RotatesBySizeKeepingOrderAndEveryLine) {
  Harness h;
  auto o = options("app.log");
  o.rotate.max_size.bytes = 100;
  auto sink = h.build(o);
  BatchBuilder b;
  std::string expected;
  for (int i = 0; i < 10; ++i) {
    std::string line = "line " + std::to_string(i) + std::string(22, '.');  // 29 bytes + LF
    b.add({{"message", line}});
    expected += line + "\n";
  }
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  auto rotated = io::list_rotated(h.dir / "app.log");
  ASSERT_EQ(rotated.size(), 3u);  // 3 lines (90 bytes) per file: 3 + 3 + 3 + 1
  std::string all;
  for (const auto& r : rotated) {
    std::string content = read_file(r.path);
    EXPECT_LE(content.size(), 100u);
    all += content;
  }
  all += read_file(h.dir / "app.log");
  EXPECT_EQ(all, expected);
  EXPECT_EQ(rotated[0].path.filename(), "app.log.20261105T090301Z.1");
  EXPECT_EQ(rotated[1].path.filename(), "app.log.20261105T090301Z.2");
  EXPECT_EQ(h.metric("logferry_file_rotations_total"), 3);
}

TEST(FileSinkTest, RotatesByAgeOnWriteAndWhenIdle) {
  Harness h;
  auto o = options("app.log");
  o.rotate.max_age = std::chrono::hours(1);
  auto sink = h.build(o);
  BatchBuilder b;
  b.add({{"message", "first"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  h.clock.advance(std::chrono::minutes(59));
  b.reset();
  b.add({{"message", "second"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  EXPECT_TRUE(io::list_rotated(h.dir / "app.log").empty());
  h.clock.advance(std::chrono::minutes(2));
  b.reset();
  b.add({{"message", "third"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  auto rotated = io::list_rotated(h.dir / "app.log");
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(read_file(rotated[0].path), "first\nsecond\n");
  EXPECT_EQ(rotated[0].path.filename(), "app.log.20261105T100401Z.1");
  EXPECT_EQ(read_file(h.dir / "app.log"), "third\n");
  // No writes for over an hour: the idle tick rotates too.
  h.clock.advance(std::chrono::minutes(61));
  sink->flush();
  EXPECT_EQ(io::list_rotated(h.dir / "app.log").size(), 2u);
  EXPECT_EQ(read_file(h.dir / "app.log"), "");
}

TEST(FileSinkTest, RetentionByCount) {
  Harness h;
  auto o = options("app.log");
  o.rotate.max_size.bytes = 10;
  o.retention.max_files = 2;
  auto sink = h.build(o);
  for (int i = 0; i < 6; ++i) {
    BatchBuilder b;
    b.add({{"message", "batch " + std::to_string(i)}});  // 8 bytes: one line per file
    ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
    h.clock.advance(std::chrono::seconds(1));
  }
  sink->files().housekeeper().drain();
  auto rotated = io::list_rotated(h.dir / "app.log");
  ASSERT_EQ(rotated.size(), 2u);
  EXPECT_EQ(read_file(rotated[0].path), "batch 3\n");
  EXPECT_EQ(read_file(rotated[1].path), "batch 4\n");
  EXPECT_EQ(read_file(h.dir / "app.log"), "batch 5\n");
  EXPECT_EQ(h.metric("logferry_file_retention_deleted_total"), 3);
}

TEST(FileSinkTest, RetentionByAge) {
  Harness h;
  auto o = options("app.log");
  o.rotate.max_size.bytes = 10;
  o.retention.max_age = std::chrono::hours(24);
  auto sink = h.build(o);
  auto write = [&](const std::string& m) {
    BatchBuilder b;
    b.add({{"message", m}});
    ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  };
  write("day 0 a");
  write("day 0 b");  // rotates "day 0 a" at day 0
  h.clock.advance(std::chrono::hours(20));
  write("day 1 a");  // rotates "day 0 b" at +20h
  sink->files().housekeeper().drain();
  EXPECT_EQ(io::list_rotated(h.dir / "app.log").size(), 2u);
  h.clock.advance(std::chrono::hours(5));  // +25h: the first rotated file is over a day old
  write("day 1 b");  // rotates "day 1 a" at +25h and sweeps
  sink->files().housekeeper().drain();
  auto rotated = io::list_rotated(h.dir / "app.log");
  ASSERT_EQ(rotated.size(), 2u);
  EXPECT_EQ(read_file(rotated[0].path), "day 0 b\n");
  EXPECT_EQ(read_file(rotated[1].path), "day 1 a\n");
}

class CompressionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CompressionTest, RotatedFilesAreCompressedInTheBackground) {
  Harness h;
  auto o = options("app.log");
  o.rotate.max_size.bytes = 64 * 1024;
  o.compress = GetParam();
  auto sink = h.build(o);
  BatchBuilder b;
  std::string expected;
  for (int i = 0; expected.size() < 60 * 1024; ++i) {
    std::string line = "event number " + std::to_string(i) + " with some repetitive payload payload";
    b.add({{"message", line}});
    expected += line + "\n";
  }
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  b.reset();
  b.add({{"message", std::string(8 * 1024, 'z')}});  // pushes it over 64 KiB: rotation
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  sink->files().housekeeper().drain();
  auto rotated = io::list_rotated(h.dir / "app.log");
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_TRUE(rotated[0].compressed);
  std::string suffix = GetParam() == "gzip" ? ".gz" : ".zst";
  EXPECT_EQ(rotated[0].path.extension(), suffix);
  EXPECT_LT(fs::file_size(rotated[0].path), expected.size() / 4);
  std::string content = GetParam() == "gzip" ? gunzip(rotated[0].path) : unzstd(rotated[0].path);
  EXPECT_EQ(content, expected);
  EXPECT_EQ(h.metric("logferry_file_compressed_total"), 1);
  // Only the current file and the compressed one remain (no .tmp, no uncompressed copy).
  EXPECT_EQ(files_under(h.dir.path()).size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Formats, CompressionTest, ::testing::Values("gzip", "zstd"));

TEST(FileSinkTest, FailedCompressionKeepsTheRotatedFile) {
  TempDir dir;
  fs::path src = dir.write("app.log.20261105T090301Z", "precious\n");
  fs::create_directories(dir / "app.log.20261105T090301Z.gz.tmp");  // the temp file cannot be made
  auto r = io::compress_file(src, io::Compression::kGzip);
  EXPECT_FALSE(r);
  EXPECT_EQ(read_file(src), "precious\n");
  EXPECT_FALSE(fs::exists(dir / "app.log.20261105T090301Z.gz"));
}

TEST(FileSinkTest, UnwritablePathsAreDroppedAndCountedNotRetried) {
  Harness h;
  h.dir.write("plainfile", "x");
  fs::create_directories(h.dir / "adir.log");
  auto sink = h.build(options("%{where}"));
  BatchBuilder b;
  b.add({{"where", "adir.log"}, {"message", "to a directory"}});
  b.add({{"where", "good.log"}, {"message", "fine"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(h.dir / "good.log"), "fine\n");
  EXPECT_EQ(h.metric("logferry_file_events_dropped_total"), 1);

  auto nested = h.build(options("plainfile/%{where}"));  // parent is a file: ENOTDIR
  ASSERT_EQ(nested->send(b.batch(), {}), Delivery::kDelivered);
  EXPECT_EQ(h.metric("logferry_file_events_dropped_total"), 3);
}

TEST(FileSinkTest, FsyncBatchPolicyWrites) {
  Harness h;
  auto o = options("synced/%{host}.log");
  o.fsync = "batch";
  auto sink = h.build(o);
  BatchBuilder b;
  b.add({{"host", "a"}, {"message", "x"}});
  b.add({{"host", "b"}, {"message", "y"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(h.dir / "synced/a.log"), "x\n");
  EXPECT_EQ(read_file(h.dir / "synced/b.log"), "y\n");
}

TEST(FileSinkTest, AppendsToExistingFilesAcrossRestarts) {
  Harness h;
  {
    auto sink = h.build(options("app.log"));
    BatchBuilder b;
    b.add({{"message", "before"}});
    ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  }
  auto o = options("app.log");
  o.rotate.max_size.bytes = 12;
  auto sink = h.build(o);
  BatchBuilder b;
  b.add({{"message", "after"}});  // 7 + 6 > 12: the existing file's size counts
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  auto rotated = io::list_rotated(h.dir / "app.log");
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(read_file(rotated[0].path), "before\n");
  EXPECT_EQ(read_file(h.dir / "app.log"), "after\n");
}

TEST(FileSinkTest, FileMovedAwayByAnotherToolIsRecreated) {
  Harness h;
  auto sink = h.build(options("app.log"));
  BatchBuilder b;
  b.add({{"message", "one"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  fs::rename(h.dir / "app.log", h.dir / "app.log.old");  // logrotate without copytruncate
  h.clock.advance(std::chrono::seconds(2));
  sink->flush();
  b.reset();
  b.add({{"message", "two"}});
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(h.dir / "app.log.old"), "one\n");
  EXPECT_EQ(read_file(h.dir / "app.log"), "two\n");
}

std::string problems(const std::string& yaml) {
  config::Diagnostics d("test.yaml");
  config::parse_pipeline(yaml, "/tmp", app::registry(), d);
  return d.format();
}

// Logstash's json_lines codec: the event as the Elasticsearch sink writes a document, no
// @metadata, @version added when absent, one per line.
TEST(FileSinkTest, JsonEncodingWritesLogstashDocumentsOnePerLine) {
  Harness h;
  auto o = options("out.json", "");
  o.encoding = "json";
  auto sink = h.build(o);
  BatchBuilder b;
  b.add({{"message", "line \"one\"\nwith newline"}, {"host", "web-1"}}, at("2026-11-05T09:03:01.5Z"));
  b.add({{"message", "two"}, {"@version", "2"}});
  Event& e = b.batch().events().back();
  e.set(FieldPath::parse("[@metadata][secret]"), e.string_value("hidden"));
  ASSERT_EQ(sink->send(b.batch(), {}), Delivery::kDelivered);
  std::string text = read_file(h.dir / "out.json");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
  EXPECT_NE(text.find(R"("message":"line \"one\"\nwith newline")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("@timestamp":"2026-11-05T09:03:01.500Z")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("@version":"1"})" "\n"), std::string::npos) << text;
  EXPECT_NE(text.find(R"({"message":"two","@version":"2"})" "\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
}

TEST(FileSinkConfigTest, ValidatesOptions) {
  EXPECT_EQ(problems(R"(sources:
  in: {type: stdin}
sinks:
  out:
    type: file
    inputs: [in]
    path: /var/log/k8s/%{host}/%{appname}/%{+YYYY-MM-dd}.log
    rotate: {max_size: 100MiB, max_age: 1d}
    retention: {max_files: 30, max_age: 30d}
    compress: zstd
    fsync: interval
)"), "");
  std::string p = problems(R"(sources:
  in: {type: stdin}
sinks:
  out:
    type: file
    inputs: [in]
    path: "%{+QQQ}.log"
    file_mode: rw-r
    compress: bzip2
    rotate: {max_bytes: 1}
)");
  EXPECT_NE(p.find("compress: 'bzip2' is not one of none, gzip, zstd"), std::string::npos) << p;
  EXPECT_NE(p.find("rotate: unknown key 'max_bytes'"), std::string::npos) << p;
  EXPECT_NE(p.find("file_mode: must be octal"), std::string::npos) << p;
  EXPECT_NE(p.find("path:"), std::string::npos) << p;
  std::string j = problems(R"(sources:
  in: {type: stdin}
sinks:
  out:
    type: file
    inputs: [in]
    path: out.log
    encoding: json
    format: "%{message}"
)");
  EXPECT_NE(j.find("format: format is for encoding text"), std::string::npos) << j;
}

}  // namespace
}  // namespace logferry::sinks
