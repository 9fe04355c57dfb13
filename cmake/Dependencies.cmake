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
# libcurl: HTTP client for the alert webhook and Elasticsearch. Its headers are used at build
# time; the library is dlopened when the first HTTP client is made (src/net/curl_library.h), so a
# process that speaks no HTTP does not map libcurl and the ~25 libraries it links.
find_package(CURL REQUIRED)
# RE2: linear-time regular expressions for alert rules (one RE2::Set pass for all rules of a
# sink, and no catastrophic backtracking on our own rule syntax).
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# PCRE2 (8-bit, with JIT): every regex written in Logstash's (Ruby's) dialect: grok, `=~` in
# conditions, mutate's gsub (template/ruby_regex). Grok patterns are written for Oniguruma and use
# lookbehind and lookahead, atomic groups, possessive quantifiers, backreferences and named groups,
# which RE2 cannot express; PCRE2 supports all of them, and its JIT compiler keeps backtracking
# patterns such as %{COMBINEDAPACHELOG} fast (figures in docs/grok.md). Debian ships a .pc file.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# Not librelp: RELP is spoken by our own codec on both sides (src/net/relp, used by
# src/net/relp_client and the syslog source). librelp acks when its callback returns, so an ack deferred
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
#
# No HTTP server library: the API server (src/net/http_server.cc) is our own ~300 lines on Asio,
# one thread, with header/body caps, request/idle/write timeouts and a connection cap that
# evicts the oldest. Both Debian 12 candidates were tried against what it must survive:
# - cpp-httplib 0.11.4 serves each connection on a pool thread (8 here: max(8, cores - 1)) with
#   an unbounded queue. Measured: with 8 silent connections a GET /healthz waited 4.8 s, with 20
#   it waited 7.8 s (its 5 s read timeout, per batch of 8); 500 would hold it for minutes.
# - libmicrohttpd 0.9.75 has a connection limit, a per-connection memory limit and an
#   inactivity timeout, but no whole-request deadline (a client sending a byte per timeout holds
#   a slot forever) and refuses new connections at the limit rather than evicting old ones, so
#   silent clients lock health checks out. Its C callback API would also be the larger code.
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
