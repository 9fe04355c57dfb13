#include <gtest/gtest.h>

#include <string>

#include "core/time_util.h"
#include "sources/kubernetes_logs/cri_parser.h"
#include "sources/kubernetes_logs/docker_parser.h"
#include "sources/kubernetes_logs/line_joiner.h"
#include "sources/kubernetes_logs/path_metadata.h"

namespace logferry::sources::k8s {
namespace {

Timestamp ts(std::string_view s) { return *parse_rfc3339(s); }

TEST(CriParserTest, FullAndPartialLines) {
  TimestampParser tp;
  LogLine l;
  ASSERT_TRUE(parse_cri_line("2016-10-06T00:17:09.669794202Z stdout F hello world", l, tp));
  EXPECT_EQ(l.content, "hello world");
  EXPECT_EQ(l.stream, StreamKind::kStdout);
  EXPECT_FALSE(l.partial);
  EXPECT_EQ(l.time.ns, ts("2016-10-06T00:17:09.669794202Z").ns);
  ASSERT_TRUE(parse_cri_line("2016-10-06T00:17:09.669794203Z stderr P part one ", l, tp));
  EXPECT_EQ(l.content, "part one ");
  EXPECT_EQ(l.stream, StreamKind::kStderr);
  EXPECT_TRUE(l.partial);
  EXPECT_EQ(l.time.ns, ts("2016-10-06T00:17:09.669794203Z").ns);  // the cached-second path
}

TEST(CriParserTest, ExtraTagsEmptyContentAndOffsets) {
  TimestampParser tp;
  LogLine l;
  ASSERT_TRUE(parse_cri_line("2016-10-06T00:17:09.5Z stdout F:x:y msg", l, tp));
  EXPECT_FALSE(l.partial);
  EXPECT_EQ(l.content, "msg");
  ASSERT_TRUE(parse_cri_line("2016-10-06T00:17:09.5Z stdout P:x msg", l, tp));
  EXPECT_TRUE(l.partial);
  ASSERT_TRUE(parse_cri_line("2016-10-06T00:17:09.5Z stdout F ", l, tp));
  EXPECT_EQ(l.content, "");
  ASSERT_TRUE(parse_cri_line("2016-10-06T00:17:09.5Z stdout F", l, tp));
  EXPECT_EQ(l.content, "");
  ASSERT_TRUE(parse_cri_line("2016-10-06T02:17:09.5+02:00 stdout F x", l, tp));
  EXPECT_EQ(l.time.ns, ts("2016-10-06T00:17:09.5Z").ns);
  ASSERT_TRUE(parse_cri_line("2016-10-06T00:17:09.5Z stdout F  two  spaces ", l, tp));
  EXPECT_EQ(l.content, " two  spaces ");
}

TEST(CriParserTest, MalformedLinesAreRejected) {
  TimestampParser tp;
  LogLine l;
  for (std::string_view bad : {"", "garbage", "2016-10-06T00:17:09Z", "notatime stdout F x",
                               "2016-10-06T00:17:09Z stdin F x", "2016-10-06T00:17:09Z stdout",
                               "2016-10-06T00:17:09Z stdout  x", "2016-13-06T00:17:09Z stdout F x"})
    EXPECT_FALSE(parse_cri_line(bad, l, tp)) << bad;
}

TEST(CriParserTest, BinaryContentPassesThrough) {
  TimestampParser tp;
  LogLine l;
  std::string line = "2016-10-06T00:17:09.1Z stdout F a";
  line += std::string("\0\xff\xfe", 3);
  line += "\xc3\xa9\xe2\x82\xac";
  ASSERT_TRUE(parse_cri_line(line, l, tp));
  EXPECT_EQ(l.content, line.substr(line.find(" F ") + 3));
}

TEST(DockerParserTest, FullPartialAndEscapes) {
  DockerLineParser p;
  LogLine l;
  ASSERT_TRUE(p.parse(R"({"log":"hello \"x\"\u00e9\n","stream":"stderr","time":"2016-10-06T00:17:09.669794202Z"})",
                      false, l));
  EXPECT_EQ(l.content, "hello \"x\"\xc3\xa9");
  EXPECT_EQ(l.stream, StreamKind::kStderr);
  EXPECT_FALSE(l.partial);
  EXPECT_EQ(l.time.ns, ts("2016-10-06T00:17:09.669794202Z").ns);
  ASSERT_TRUE(p.parse(R"({"time":"2016-10-06T00:17:09Z","log":"chunk","stream":"stdout","attrs":{"a":1}})", false, l));
  EXPECT_TRUE(l.partial);
  EXPECT_EQ(l.content, "chunk");
  EXPECT_EQ(l.stream, StreamKind::kStdout);
  ASSERT_TRUE(p.parse(R"({"log":"nul\u0000byte\n","stream":"stdout","time":"2016-10-06T00:17:09Z"})", false, l));
  EXPECT_EQ(l.content, std::string("nul\0byte", 8));
}

TEST(DockerParserTest, MalformedRejected) {
  DockerLineParser p;
  LogLine l;
  for (std::string_view bad :
       {"{", "{}", "[1]", R"({"log":1,"time":"2016-10-06T00:17:09Z"})", R"({"log":"x\n"})",
        R"({"log":"x\n","time":"yesterday"})", R"({"log":"x\n","time":"2016-10-06T00:17:09Z"} trailing)",
        "{\"log\":\"\xff\\n\",\"time\":\"2016-10-06T00:17:09Z\"}"})
    EXPECT_FALSE(p.parse(bad, false, l)) << bad;
}

TEST(PathMetadataTest, ContainersSymlinkAndPodsTarget) {
  std::string id(64, 'a');
  PodMetadata m = parse_path_metadata(
      "/var/log/containers/web-7d4b9c-x2x_prod_nginx-" + id + ".log",
      "/var/log/pods/prod_web-7d4b9c-x2x_0f1e2d3c-aaaa-bbbb-cccc-1234567890ab/nginx/0.log");
  EXPECT_EQ(m.pod, "web-7d4b9c-x2x");
  EXPECT_EQ(m.namespace_name, "prod");
  EXPECT_EQ(m.container, "nginx");
  EXPECT_EQ(m.container_id, id);
  EXPECT_EQ(m.pod_uid, "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab");
  // Directly under /var/log/pods: everything but the container id.
  m = parse_path_metadata("/var/log/pods/kube-system_coredns-abc_uid-1/coredns/3.log",
                          "/var/log/pods/kube-system_coredns-abc_uid-1/coredns/3.log");
  EXPECT_EQ(m.namespace_name, "kube-system");
  EXPECT_EQ(m.pod, "coredns-abc");
  EXPECT_EQ(m.pod_uid, "uid-1");
  EXPECT_EQ(m.container, "coredns");
  EXPECT_EQ(m.container_id, "");
  // Container names may contain '-'; the id is after the last one.
  ASSERT_TRUE(parse_containers_file_name("/x/p_ns_side-car-abc123.log", m));
  EXPECT_EQ(m.container, "side-car");
  EXPECT_EQ(m.container_id, "abc123");
  EXPECT_FALSE(parse_containers_file_name("/x/plain.log", m));
  EXPECT_FALSE(parse_containers_file_name("/x/p_ns_c-nothex.log", m));
  PodMetadata none = parse_path_metadata("/tmp/app.log", "/tmp/app.log");
  EXPECT_EQ(none.pod, "");
}

LogLine line(std::string_view content, bool partial, StreamKind s = StreamKind::kStdout,
             int64_t t = 1) {
  LogLine l;
  l.content = content;
  l.partial = partial;
  l.stream = s;
  l.time = Timestamp{t};
  return l;
}

TEST(LineJoinerTest, JoinsPartialsPerStream) {
  LineJoiner j(1024);
  LineJoiner::Joined out;
  EXPECT_TRUE(j.add(line("whole", false), 0, out));
  EXPECT_EQ(out.content, "whole");
  EXPECT_EQ(j.resume_offset(10), 10u);
  EXPECT_FALSE(j.add(line("a", true, StreamKind::kStdout, 5), 10, out));
  EXPECT_FALSE(j.add(line("X", true, StreamKind::kStderr), 20, out));
  EXPECT_EQ(j.resume_offset(30), 10u);  // the oldest unfinished line
  EXPECT_FALSE(j.add(line("b", true), 30, out));
  EXPECT_TRUE(j.add(line("Y", false, StreamKind::kStderr), 40, out));
  EXPECT_EQ(out.content, "XY");
  EXPECT_TRUE(j.add(line("c", false, StreamKind::kStdout, 9), 50, out));
  EXPECT_EQ(out.content, "abc");
  EXPECT_EQ(out.time.ns, 5);  // the first chunk's time
  EXPECT_FALSE(out.truncated);
  EXPECT_FALSE(j.pending());
  EXPECT_EQ(j.resume_offset(60), 60u);
}

TEST(LineJoinerTest, CutsAtMaxBytes) {
  LineJoiner j(10);
  LineJoiner::Joined out;
  EXPECT_FALSE(j.add(line("123456", true), 0, out));
  EXPECT_FALSE(j.add(line("789012", true), 1, out));
  EXPECT_TRUE(j.add(line("345", false), 2, out));
  EXPECT_EQ(out.content, "1234567890");
  EXPECT_TRUE(out.truncated);
  EXPECT_TRUE(j.add(line("0123456789abc", false), 3, out));
  EXPECT_EQ(out.content, "0123456789");
  EXPECT_TRUE(out.truncated);
  EXPECT_TRUE(j.add(line("0123456789", false), 4, out));
  EXPECT_FALSE(out.truncated);
  EXPECT_FALSE(j.add(line("tail", true), 5, out));
  EXPECT_TRUE(j.flush(StreamKind::kStdout, out));
  EXPECT_EQ(out.content, "tail");
  EXPECT_FALSE(j.flush(StreamKind::kStdout, out));
}

TEST(LineJoinerTest, ReleasingIdleBuffersKeepsTheOtherStreamsPendingLine) {
  LineJoiner j(1024);
  LineJoiner::Joined out;
  EXPECT_FALSE(j.add(line("X", true, StreamKind::kStderr), 0, out));
  EXPECT_FALSE(j.add(line("a", true), 1, out));
  EXPECT_TRUE(j.add(line("b", false), 2, out));
  EXPECT_EQ(out.content, "ab");
  j.release_idle_buffers();  // stdout's buffer goes, stderr's half line stays
  EXPECT_TRUE(j.add(line("Y", false, StreamKind::kStderr), 3, out));
  EXPECT_EQ(out.content, "XY");
  j.release_idle_buffers();
  EXPECT_FALSE(j.add(line("c", true), 4, out));  // a released buffer joins again
  EXPECT_TRUE(j.add(line("d", false), 5, out));
  EXPECT_EQ(out.content, "cd");
}

}  // namespace
}  // namespace logferry::sources::k8s
