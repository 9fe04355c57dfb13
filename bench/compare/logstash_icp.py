#!/usr/bin/env python3
"""Logstash pipelines benchmark: bench/tools/beats_client sends Filebeat windows to logferry,
which runs a Logstash pipeline (`run -c DIR`, DIR holding one .conf) into the elasticsearch
output (the fast _bulk endpoint: tests/support/es_test_server.cc --fast) and, for `icp`, also
the syslog output over TCP (bench/tools/line_counter).

Cases:
  icp   examples/logstash/icp-k8s.conf (ICP's chart k8s.conf: mutate, date, 2 dissects, grok,
        drop of empty lines, json) with its syslog output on TCP; ICP-shaped events.
  grok  grok %{COMBINEDAPACHELOG} + date + mutate convert -> elasticsearch; Filebeat events
        carrying Apache combined access lines.

A run ends when beats_client has every window acked, the endpoint has counted N items and the
line counter N lines (icp); 0.5 s later both are counted again, so repeats show. Prints
events/s, logferry CPU s per million events, peak RSS; medians over --runs.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402
import beats as beats_bench  # noqa: E402
import elasticsearch as es_bench  # noqa: E402

GROK_CONF = """input { beats { port => @PORT@ } }
filter {
  grok { match => { "message" => "%{COMBINEDAPACHELOG}" } }
  date { match => ["timestamp", "dd/MMM/yyyy:HH:mm:ss Z"] remove_field => ["timestamp"] }
  mutate { convert => { "response" => "integer" "bytes" => "integer" } }
}
output { elasticsearch { hosts => "127.0.0.1:@ES_PORT@" index => "apache-%{+YYYY.MM.dd}" } }
"""


def icp_conf() -> str:
    """The shipped example with this machine's ports; syslog over TCP (newline framed) so every
    frame can be counted."""
    conf = (bl.REPO / "examples/logstash/icp-k8s.conf").read_text()
    for old, new in (("port => 5044", "port => @PORT@"),
                     ("elasticsearch:9200", "127.0.0.1:@ES_PORT@"),
                     ('host => "syslog.example" port => 514',
                      'host => "127.0.0.1" port => @SYSLOG_PORT@ protocol => "tcp"')):
        if old not in conf:
            raise RuntimeError(f"examples/logstash/icp-k8s.conf changed: no {old!r}")
        conf = conf.replace(old, new)
    return conf


def start_endpoint() -> tuple[subprocess.Popen, int]:
    endpoint = subprocess.Popen([str(es_bench.build_endpoint()), "--fast"], stdout=subprocess.PIPE,
                                text=True, start_new_session=True)
    line = endpoint.stdout.readline().split()
    if len(line) != 2 or line[0] != "port":
        raise RuntimeError("the _bulk endpoint did not start")
    return endpoint, int(line[1])


def wait_for(args, counts) -> tuple[float | None, dict]:
    """Polls counts() until every output has args.count; returns (done time, last counts)."""
    t0 = time.monotonic()
    last, last_t = None, t0
    while time.monotonic() - t0 < args.timeout:
        now_counts = counts()
        now = time.monotonic()
        if all(v >= args.count for v in now_counts.values()):
            return now, now_counts
        if now_counts != last:
            last, last_t = now_counts, now
        elif now - last_t > args.idle:
            return None, now_counts
        time.sleep(0.05)
    return None, counts()


def run_once(args, exe: Path, client: Path) -> bl.Run:
    work = Path(tempfile.mkdtemp(prefix="lfbench-ls-", dir=bl.OUT))
    port = bl.free_tcp_port()
    endpoint = counter = lf = None
    try:
        endpoint, es_port = start_endpoint()
        values = {"PORT": port, "ES_PORT": es_port}
        if args.case == "icp":
            counter = bl.LineCounter(bl.build_tool("line_counter"), args.count, args.idle, args.timeout)
            counter.start_reading(None)
            values["SYSLOG_PORT"] = counter.port
        text = icp_conf() if args.case == "icp" else GROK_CONF
        if args.batch_events:
            text = text.replace("beats { port => @PORT@", f"beats {{ port => @PORT@ batch_max_events => {args.batch_events}")
        for k, v in values.items():
            text = text.replace(f"@{k}@", str(v))
        (work / "pipeline").mkdir()
        (work / "pipeline" / f"{args.case}.conf").write_text(text)
        cmd = [str(exe), "run", "-c", str(work / "pipeline"), "--api-address", f"127.0.0.1:{bl.free_tcp_port()}"]
        if args.workers:
            cmd += ["-w", str(args.workers)]
        lf = bl.Contender("logferry", cmd, work / "logferry.log")
        if not bl.wait_listening(port, 15, lambda: not lf.exited()):
            return bl.Run(ok=False, expected=args.count, got=0, wall_s=0, cpu_s=0, peak_rss_mib=0,
                          note="logferry did not listen: " + lf.log_tail(5).replace("\n", "; "))
        time.sleep(0.3)  # outputs connected, template installed
        base = es_bench.stats(es_port)

        def counts() -> dict:
            c = {"es": es_bench.stats(es_port)["items"] - base["items"]}
            if counter is not None:  # the counter reports only when it has them all
                c["syslog"] = args.count if counter.done_ns is not None else 0
            return c
        cpu0, _ = lf.mark()
        t0 = time.monotonic()
        client_proc = subprocess.Popen(
            [str(client), "--port", str(port), "--count", str(args.count), "--connections", str(args.connections),
             "--bulk-max-size", str(args.window), "--compression", str(args.compression),
             "--shape", "icp" if args.case == "icp" else "apache"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        done_t, got = wait_for(args, counts)
        cpu1, rss_kib = lf.mark()
        try:
            out, _ = client_proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            client_proc.kill()
            out, _ = client_proc.communicate()
        time.sleep(0.5)  # repeats would show up here
        final = {"es": es_bench.stats(es_port)["items"] - base["items"]}
        if counter is not None:  # it exits 0.5 s after the last line, so repeats are in its count
            final["syslog"] = counter.wait(10 if done_t else 1)["lines"]
        ok = done_t is not None and client_proc.returncode == 0 and all(v == args.count for v in final.values())
        note = "" if ok else f"outputs saw {final} of {args.count}; client: {out.strip()[:200]}"
        if not ok:
            bl.log(f"  {note}\n  log tail:\n{lf.log_tail()}")
        r = bl.Run(ok=ok, expected=args.count, got=min(final.values()),
                   wall_s=(done_t or time.monotonic()) - t0, cpu_s=cpu1 - cpu0, peak_rss_mib=rss_kib / 1024,
                   note=note)
        r.counts = final
        return r
    finally:
        if lf is not None:
            lf.stop()
        if counter is not None:
            counter.terminate()
        if endpoint is not None and endpoint.poll() is None:
            endpoint.terminate()
            endpoint.wait(timeout=10)
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default="icp,grok", help="comma-separated: icp, grok (default both)")
    ap.add_argument("--count", type=int, default=2_000_000, help="events per run (2,000,000)")
    ap.add_argument("--connections", type=int, default=4, help="client connections (4)")
    ap.add_argument("--window", type=int, default=2048, help="bulk_max_size (2048)")
    ap.add_argument("--compression", type=int, default=3, help="compression_level 0..9 (3)")
    ap.add_argument("--workers", type=int, default=0, help="logferry -w N (default: logferry's default)")
    ap.add_argument("--batch-events", type=int, default=0,
                    help="beats input batch_max_events (a logferry option; default: logferry's default)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--logferry", help="binary (default build/logferry)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per run at most (600)")
    ap.add_argument("--idle", type=float, default=30, help="give up after this many seconds without progress")
    ap.add_argument("--keep-work", action="store_true", help="keep per-run configs and logs")
    args = ap.parse_args()
    bl.exit_on_signals()
    bl.OUT.mkdir(parents=True, exist_ok=True)
    exe = bl.find_logferry(args.logferry)
    if exe is None:
        bl.log("no logferry binary (cmake --build --preset default, or pass --logferry)")
        return 2
    client = beats_bench.build_client()
    cases = [c for c in args.cases.split(",") if c]
    if any(c not in ("icp", "grok") for c in cases):
        bl.log("--cases: icp and/or grok")
        return 2
    rows, notes, any_good = [], [], False
    for case in cases:
        args.case = case
        s = bl.Summary(case)
        for i in range(args.runs):
            r = run_once(args, exe, client)
            s.runs.append(r)
            bl.log(f"[{case} {i + 1}/{args.runs}] {r.got:,} events in {r.wall_s:.2f} s = "
                   f"{r.got / r.wall_s if r.wall_s else 0:,.0f}/s, {r.cpu_s / max(r.got, 1) * 1e6:.2f} CPU s/M, "
                   f"peak RSS {r.peak_rss_mib:.1f} MiB {getattr(r, 'counts', '')}{'' if r.ok else ' ' + r.note}")
        status = bl.status_and_notes(s, notes)
        good = s.good()
        any_good = any_good or bool(good)
        rows.append(bl.events_row(case, s, status))
    bl.print_table(f"Logstash pipelines, beats in, {args.count:,} events, {args.connections} connections, "
                   f"medians of {args.runs}", rows, bl.EVENT_ROW_HEADERS)
    bl.print_notes(notes)
    return 0 if any_good else 1


if __name__ == "__main__":
    sys.exit(main())
