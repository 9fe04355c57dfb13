# Every third-party library logferry uses, and why. All come from Debian 12 packages
# (scripts/install-deps.sh); nothing is downloaded at build time.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# fmt: fast formatting for log lines, error messages and the metrics page.
find_package(fmt REQUIRED)
# yaml-cpp: the native config; its node marks give us FILE:LINE for every validate error.
find_package(yaml-cpp REQUIRED)
# simdjson: parses Docker json-file lines and JSON payloads at GB/s without per-line allocation.
find_package(simdjson REQUIRED)
# PEGTL (header-only): the grammar of Logstash pipeline files (.conf, src/config/logstash);
# a parser library made for grammars gives 'expected ...' errors at a line for free.
find_package(pegtl REQUIRED)
# CLI11: the command line (run / validate / --version / --help).
find_package(CLI11 REQUIRED)
# OpenSSL: TLS for the syslog sink and source (CA verification, client certificates).
find_package(OpenSSL REQUIRED)
# zlib: gzip of rotated files, reading kubelet's .gz, Lumberjack compressed frames.
find_package(ZLIB REQUIRED)
# zstd: zstd compression of rotated files.
find_package(zstd REQUIRED)
# libcurl: HTTP client for the alert webhook and Elasticsearch.
find_package(CURL REQUIRED)
# RE2: linear-time regular expressions for alert rules, filter conditions and grok.
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# PCRE2 (8-bit, with JIT): the grok filter. Grok patterns are written for Oniguruma (Ruby) and use
# lookbehind and lookahead, atomic groups, possessive quantifiers, backreferences and named groups,
# which RE2 cannot express; PCRE2 supports all of them, and its JIT compiler keeps backtracking
# patterns such as %{COMBINEDAPACHELOG} fast (figures in docs/grok.md). Debian ships a .pc file.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# Not librelp: RELP is spoken by our own framing on both sides (src/net/relp_client,
# src/sources/syslog/relp_session). librelp acks when its callback returns, so an ack deferred
# until the sinks delivered would stall every session, and its client cannot wait for acks.
# abseil's time library: time zones for the date filter (Logstash's `timezone`, including
# `%{field}` zones): reads the system tz database (/usr/share/zoneinfo, Debian's tzdata), so
# historical rules and DST gaps come out as Joda's do; civil-time arithmetic for parsed dates.
# Chosen over Howard Hinnant's date library because Debian's abseil ships CMake targets
# (absl::time) and its TimeZone::At() reports skipped and repeated local times directly,
# which is exactly Joda's gap/overlap rule.
find_package(absl REQUIRED)

# Standalone Asio (header-only): event loop, sockets, timers and TLS streams for network
# components. Kept out of core headers so most translation units never parse it.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(logferry_asio INTERFACE)
target_include_directories(logferry_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(logferry_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
target_link_libraries(logferry_asio INTERFACE OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
add_library(logferry::asio ALIAS logferry_asio)

if(zstd_FOUND AND TARGET zstd::libzstd_shared)
  set(LOGFERRY_ZSTD zstd::libzstd_shared)
else()
  set(LOGFERRY_ZSTD zstd)
endif()
