#!/usr/bin/env python3
"""Elasticsearch sink benchmark: N events into logferry -> elasticsearch sink -> a _bulk
endpoint that counts items and answers as Elasticsearch does (es_test_server --fast: no
parsing, no storing, the filter_path answer shape), so the endpoint is not the bottleneck.

The feeder is the syslog source fed by bench/tools/syslog_flood (default), or the beats source
fed by bench/tools/beats_client (--feeder beats). A run is done when the
endpoint has seen N items (GET /_test/stats). Prints events/s, logferry CPU s per million
events and peak RSS, medians over --runs. See bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import beats  # noqa: E402
import benchlib as bl  # noqa: E402

CONFIGS = Path(__file__).resolve().parent / "configs"
SUPPORT = bl.REPO / "tests" / "support"


def build_endpoint() -> Path:
    """Compiles the Elasticsearch stand-in (tests/support) into bench/out/bin/es_bulk_endpoint."""
    exe = bl.BIN / "es_bulk_endpoint"
    srcs = [SUPPORT / "es_test_server.cc", SUPPORT / "test_http_listener.cc", SUPPORT / "es_test_server_main.cc"]
    deps = srcs + [SUPPORT / "es_test_server.h", SUPPORT / "test_http_listener.h"]
    if exe.exists() and all(exe.stat().st_mtime >= s.stat().st_mtime for s in deps):
        return exe
    bl.BIN.mkdir(parents=True, exist_ok=True)
    cmd = ["g++", "-std=c++20", "-O2", "-DASIO_STANDALONE", "-DASIO_NO_DEPRECATED", "-I", str(bl.REPO / "tests"),
           "-pthread", "-o", str(exe), *map(str, srcs), "-lsimdjson", "-lz", "-lssl", "-lcrypto"]
    bl.log(f"building es_bulk_endpoint: {' '.join(cmd)}")
    subprocess.run(cmd, check=True)
    return exe


def feeder_cmd(args, port: int) -> list[str] | str:
    if args.feeder == "syslog":
        return [str(bl.build_tool("syslog_flood")), "--port", str(port), "--count", str(args.count),
                "--connections", str(args.connections)]
    return [str(beats.build_client()), "--port", str(port), "--count", str(args.count),
            "--connections", str(args.connections)]


def stats(es_port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{es_port}/_test/stats", timeout=5) as r:
        return json.loads(r.read())


def run_once(args) -> bl.Run | str:
    exe = bl.find_logferry(args.logferry)
    if exe is None:
        return "no logferry binary (build it: cmake --build --preset default, or pass --logferry)"
    work = Path(tempfile.mkdtemp(prefix="lfbench-es-", dir=bl.OUT))
    port = bl.free_tcp_port()
    endpoint = recv = feeder = None
    try:
        endpoint = subprocess.Popen([str(build_endpoint()), "--fast"], stdout=subprocess.PIPE, text=True,
                                    start_new_session=True)
        line = endpoint.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            return "the _bulk endpoint did not start"
        es_port = int(line[1])
        source_type = "syslog" if args.feeder == "syslog" else "beats"
        extra = f"    mode: tcp\n    batch_max_events: {args.batch_events}" if args.feeder == "syslog" else ""
        conf = bl.render(CONFIGS / "elasticsearch-logferry.yaml", work / "logferry.yaml",
                         {"WORK": work, "PORT": port, "ES_PORT": es_port, "SOURCE_TYPE": source_type,
                          "SOURCE_EXTRA": extra, "FLUSH_SIZE": args.flush_size, "IN_FLIGHT": args.in_flight})
        check = subprocess.run([str(exe), "validate", "-c", str(conf)], capture_output=True, text=True)
        if check.returncode != 0:
            return "config not accepted: " + (check.stdout + check.stderr).strip().replace("\n", "; ")[:300]
        cmd = feeder_cmd(args, port)
        if isinstance(cmd, str):
            return cmd
        recv = bl.Contender("logferry", [str(exe), "run", "-c", str(conf)], work / "logferry.log")
        if not bl.wait_listening(port, 15, lambda: not recv.exited()):
            return bl.Run(ok=False, expected=args.count, got=0, wall_s=0, cpu_s=0, peak_rss_mib=0,
                          note="logferry did not listen: " + recv.log_tail(5).replace("\n", "; "))
        time.sleep(0.3)  # connected to the endpoint, template installed
        cpu_before, _ = recv.mark()
        endpoint_cpu_before, _ = bl.tree_sample(endpoint.pid)
        base = stats(es_port)
        base_items = base["items"]
        t0 = time.monotonic()
        feeder = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  start_new_session=True)
        done_t, got, last, last_t = None, 0, 0, t0
        while time.monotonic() - t0 < args.timeout:
            got = stats(es_port)["items"] - base_items
            now = time.monotonic()
            if got >= args.count:
                done_t = now
                break
            if got != last:
                last, last_t = got, now
            elif now - last_t > args.idle or recv.exited():
                break
            time.sleep(0.05)
        cpu_done, rss = recv.mark()
        endpoint_cpu = bl.tree_sample(endpoint.pid)[0] - endpoint_cpu_before
        time.sleep(0.5)  # repeats would show up here
        end = stats(es_port)
        final = end["items"] - base_items
        feeder.wait(timeout=30)
        ok = done_t is not None and final == args.count
        note = "" if ok else f"endpoint saw {final} of {args.count} items"
        if not ok:
            bl.log(f"  {note}\n  log tail:\n{recv.log_tail()}")
        wall = (done_t or time.monotonic()) - t0
        r = bl.Run(ok=ok, expected=args.count, got=final, wall_s=wall, cpu_s=cpu_done - cpu_before,
                   peak_rss_mib=rss / 1024, note=note)
        r.endpoint_cpu_s = endpoint_cpu
        r.requests = end["requests"] - base["requests"]
        return r
    finally:
        for p in (feeder, endpoint):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(timeout=10)
        if recv is not None:
            recv.stop()
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1_000_000, help="events per run (1000000)")
    ap.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    ap.add_argument("--feeder", choices=["syslog", "beats"], default="syslog",
                    help="syslog: syslog source + syslog_flood; beats: beats source + beats_client")
    ap.add_argument("--connections", type=int, default=1, help="feeder connections (1)")
    ap.add_argument("--batch-events", type=int, default=2048, help="syslog source batch_max_events (2048)")
    ap.add_argument("--flush-size", type=int, default=1000, help="sink flush_size (1000)")
    ap.add_argument("--in-flight", type=int, default=4, help="sink max_in_flight (4)")
    ap.add_argument("--logferry", help="logferry binary (default build/logferry)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per run at most (600)")
    ap.add_argument("--idle", type=float, default=30, help="give up after this many seconds without progress")
    ap.add_argument("--keep-work", action="store_true", help="keep per-run configs and logs")
    args = ap.parse_args()
    bl.exit_on_signals()
    bl.OUT.mkdir(parents=True, exist_ok=True)
    s = bl.Summary("logferry")
    for r in range(args.runs):
        bl.log(f"[run {r + 1}/{args.runs}] {args.feeder} -> logferry -> elasticsearch -> _bulk endpoint ...")
        got = run_once(args)
        if isinstance(got, str):
            bl.log(f"  skipped: {got}")
            return 1
        s.runs.append(got)
        bl.log(f"  {got.got} events in {got.wall_s:.2f} s, CPU {got.cpu_s:.2f} s, "
               f"peak RSS {got.peak_rss_mib:.1f} MiB, endpoint CPU {got.endpoint_cpu_s:.2f} s, "
               f"{got.requests} _bulk requests"
               f"{'' if got.ok else ', ' + got.note}")
    notes: list[str] = []
    status = bl.status_and_notes(s, notes)
    good = s.good()
    rows = [bl.events_row(f"{args.feeder} -> elasticsearch", s, status)]
    bl.print_table(f"Elasticsearch sink, {args.count:,} events, medians of {len(good)} "
                   f"(flush_size {args.flush_size}, max_in_flight {args.in_flight})", rows,
                   bl.EVENT_ROW_HEADERS)
    bl.print_notes(notes)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
