#!/usr/bin/env python3
"""Footprint benchmark: memory and idle CPU of logferry beside rsyslog and syslog-ng, in the cases
issue 9 names. Every contender runs the same case in one run; medians over --runs rounds.

Cases (--cases, default all):
  idle         the collector config over an empty containers/ directory: resident memory and
               CPU while nothing flows (--quiet seconds).
  files        N small container logs (--files, default 5000; a busy node): every line delivered to
               the line counter, then the same process left alone for --quiet seconds. Peak RSS,
               RSS after the lines are read, most descriptors open at once, CPU while quiet.
  connections  the syslog server config with C TCP connections held open (--connections,
               default 1000), each having sent --per-connection messages: RSS with all of them
               open, once every message is in the files.

The collector contenders use the configs of collector.py (bench/compare/configs/collector-*),
the server ones the footprint-server-* configs (the server configs with a connection limit above C).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402
import collector  # noqa: E402
import server  # noqa: E402

CONFIGS = Path(__file__).resolve().parent / "configs"
CONTENDERS = ["logferry", "rsyslog", "syslog-ng"]
CASES = ["idle", "files", "connections"]


@dataclass
class Sample:
    ok: bool
    note: str = ""
    peak_rss_mib: float = 0.0
    rss_mib: float = 0.0          # resident at the end of the case
    max_fds: int = 0
    quiet_cpu_pct: float = 0.0    # % of one core while nothing flows


def tree_pids(root: int) -> list[int]:
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        if pid in out:
            continue
        out.append(pid)
        stack.extend(bl._children(pid))
    return out


def tree_rss_kib(root: int) -> float:
    total = 0.0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def tree_fds(root: int) -> int:
    n = 0
    for pid in tree_pids(root):
        try:
            n += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return n


def quiet_cpu(c: bl.Contender, seconds: float) -> tuple[float, int]:
    """% of a core used over SECONDS of nothing flowing, and the most descriptors seen meanwhile."""
    cpu0, _ = c.mark()
    t0 = time.monotonic()
    fds = 0
    while time.monotonic() - t0 < seconds and not c.exited():
        fds = max(fds, tree_fds(c.pid))
        time.sleep(0.5)
    cpu1, _ = c.mark()
    return 100.0 * (cpu1 - cpu0) / max(time.monotonic() - t0, 1e-9), fds


def start_collector(name: str, port: int, root: Path, work: Path, m: dict, args):
    """collector.start, except that syslog-ng gets max-files above the number of files (its
    default of 100 would leave the rest unread)."""
    if name != "syslog-ng":
        return collector.start(name, port, root, work, m, args)
    vals = {"PORT": port, "ROOT": root, "WORK": work, "MAXFILES": max(args.files, 100) + 16}
    conf = bl.render(CONFIGS / "footprint-collector-syslog-ng.conf", work / "syslog-ng.conf", vals)
    got = bl.syslog_ng_cmd(bl.peers_dir(args.peers), conf, work)
    if got is None:
        return "syslog-ng not found in .peers (scripts/install-peers.sh)"
    return bl.Contender(name, got[0], work / f"{name}.log", env=got[1])


def collector_case(name: str, root: Path, m: dict, expect: int, args) -> Sample:
    """Starts collector NAME on ROOT; waits for EXPECT lines (if any), then measures it quiet."""
    work = Path(tempfile.mkdtemp(prefix=f"lffoot-{name}-", dir=bl.OUT))
    counter = bl.LineCounter(bl.build_tool("line_counter"), max(expect, 1), args.quiet + 60,
                             args.timeout + args.quiet + 60)
    c = None
    try:
        started = start_collector(name, counter.port, root, work, m, args)
        if isinstance(started, str):
            return Sample(ok=False, note=started)
        c = started
        counter.start_reading(None)
        max_fds = 0
        if expect > 0:
            deadline = time.monotonic() + args.timeout
            while counter.done_ns is None and time.monotonic() < deadline and not c.exited():
                max_fds = max(max_fds, tree_fds(c.pid))
                time.sleep(0.1)
            if counter.done_ns is None:
                return Sample(ok=False, note=f"not every line arrived in {args.timeout:.0f} s; "
                                             + c.log_tail(3).replace("\n", "; "))
        else:
            time.sleep(args.settle)
        pct, fds = quiet_cpu(c, args.quiet)
        _, peak = c.mark()
        return Sample(ok=not c.exited(), note="exited" if c.exited() else "", peak_rss_mib=peak / 1024,
                      rss_mib=tree_rss_kib(c.pid) / 1024, max_fds=max(max_fds, fds),
                      quiet_cpu_pct=pct)
    finally:
        if c is not None:
            c.stop()
        counter.terminate()
        shutil.rmtree(work, ignore_errors=True)


def connections_case(name: str, args) -> Sample:
    work = Path(tempfile.mkdtemp(prefix=f"lffoot-srv-{name}-", dir=bl.OUT))
    out = work / "out"
    out.mkdir()
    port = bl.free_tcp_port()
    vals = {"PORT": port, "WORK": work, "OUT": out, "MAXCONN": args.connections + 64}
    logf = work / f"{name}.log"
    c = None
    socks: list[socket.socket] = []
    try:
        if name == "logferry":
            exe = bl.find_logferry(args.logferry)
            if exe is None:
                return Sample(ok=False, note="no logferry binary")
            conf = bl.render(CONFIGS / "footprint-server-logferry.yaml", work / "logferry.yaml", vals)
            c = bl.Contender(name, [str(exe), "run", "-c", str(conf)], logf)
        elif name == "rsyslog":
            conf = bl.render(CONFIGS / "footprint-server-rsyslog.conf", work / "rsyslog.conf", vals)
            (work / "rsyslog-work").mkdir()
            cmd = bl.rsyslog_cmd(bl.peers_dir(args.peers), conf, work / "rsyslog.pid")
            if cmd is None:
                return Sample(ok=False, note="rsyslogd not found in .peers")
            c = bl.Contender(name, cmd, logf)
        else:
            conf = bl.render(CONFIGS / "footprint-server-syslog-ng.conf", work / "syslog-ng.conf", vals)
            got = bl.syslog_ng_cmd(bl.peers_dir(args.peers), conf, work)
            if got is None:
                return Sample(ok=False, note="syslog-ng not found in .peers")
            c = bl.Contender(name, got[0], logf, env=got[1])
        if not bl.wait_listening(port, 15, lambda: not c.exited()):
            return Sample(ok=False, note="did not listen: " + c.log_tail(3).replace("\n", "; "))
        for i in range(args.connections):
            s = socket.create_connection(("127.0.0.1", port))
            payload = "".join(
                f"<134>1 2024-05-01T10:00:00.000Z host{i % 4} app{i % 5} - - - conn {i} msg {k} "
                f"{'x' * 160}\n" for k in range(args.per_connection))
            s.sendall(payload.encode())
            socks.append(s)
        expect = args.connections * args.per_connection
        counter = server.FileLineCounter(out)
        deadline = time.monotonic() + args.timeout
        while counter.poll() < expect and time.monotonic() < deadline and not c.exited():
            time.sleep(0.2)
        got = counter.lines
        if got != expect:
            return Sample(ok=False, note=f"{got} of {expect} lines in the files")
        time.sleep(args.settle)
        _, peak = c.mark()
        return Sample(ok=True, peak_rss_mib=peak / 1024, rss_mib=tree_rss_kib(c.pid) / 1024,
                      max_fds=tree_fds(c.pid))
    finally:
        for s in socks:
            s.close()
        if c is not None:
            c.stop()
        shutil.rmtree(work, ignore_errors=True)


def med(samples: list[Sample], attr: str) -> float | None:
    vals = [getattr(s, attr) for s in samples if s.ok]
    return statistics.median(vals) if vals else None


def report(case: str, title: str, results: dict[str, list[Sample]], runs: int) -> None:
    rows, notes = [], []
    for name, samples in results.items():
        good = [s for s in samples if s.ok]
        for s in samples:
            if not s.ok and s.note:
                notes.append(f"{name}: {s.note}")
        rows.append((name, bl.fmt(med(samples, "peak_rss_mib"), ".1f"), bl.fmt(med(samples, "rss_mib"), ".1f"),
                     bl.fmt(med(samples, "max_fds"), ".0f"),
                     "-" if case == "connections" else bl.fmt(med(samples, "quiet_cpu_pct"), ".2f"),
                     f"{len(good)}/{len(samples)} ok"))
    bl.print_table(f"{title}, medians of {runs} runs", rows,
                   ("contender", "peak RSS MiB", "RSS at end MiB", "max fds", "quiet CPU %", "status"))
    bl.print_notes(sorted(set(notes)))
    lf = results.get("logferry")
    ratio_rows = []
    for other, samples in results.items():
        if other == "logferry" or not lf:
            continue
        ratio_rows.append((f"logferry vs {other}", bl.ratio(med(samples, "peak_rss_mib"), med(lf, "peak_rss_mib")),
                           bl.ratio(med(samples, "rss_mib"), med(lf, "rss_mib"))))
    if ratio_rows:
        bl.print_table("Ratios (other / logferry: > 1 means logferry is smaller)", ratio_rows,
                       ("", "peak RSS", "RSS at end"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default=",".join(CASES), help=f"comma-separated subset of {CASES}")
    ap.add_argument("--contenders", default=",".join(CONTENDERS))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--files", type=int, default=5000, help="container logs in the files case (5000)")
    ap.add_argument("--lines-per-file", type=int, default=20)
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--per-connection", type=int, default=20, help="messages each connection sends (20)")
    ap.add_argument("--quiet", type=float, default=30, help="seconds measured with nothing flowing (30)")
    ap.add_argument("--settle", type=float, default=3, help="seconds after start before measuring idle (3)")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--logferry")
    ap.add_argument("--peers")
    args = ap.parse_args()
    args.keep_work = False
    bl.exit_on_signals()
    names = [n for n in args.contenders.split(",") if n]
    cases = [c for c in args.cases.split(",") if c]
    bl.OUT.mkdir(parents=True, exist_ok=True)
    gen = bl.build_tool("gen_cri_corpus")

    if "idle" in cases:
        root = Path(tempfile.mkdtemp(prefix="lffoot-empty-", dir=bl.OUT))
        (root / "containers").mkdir()
        m = {"files_list": []}
        res = {n: [] for n in names}
        for r in range(args.runs):
            for n in names:
                bl.log(f"[idle {r + 1}/{args.runs}] {n} ...")
                res[n].append(collector_case(n, root, m, 0, args))
        report("idle", f"Idle collector (no files, {args.quiet:.0f} s measured)", res, args.runs)
        shutil.rmtree(root, ignore_errors=True)

    if "files" in cases:
        # About 280 bytes a line (the corpus' median), LINES_PER_FILE lines in each file.
        size = args.files * args.lines_per_file * 280
        root, m = collector.make_corpus(gen, size, args.files, 7, keep=False)
        res = {n: [] for n in names}
        for r in range(args.runs):
            for n in names:
                bl.log(f"[files {r + 1}/{args.runs}] {n} ...")
                res[n].append(collector_case(n, root, m, collector.expected_lines(n, m), args))
        report("files", f"{m['files']} container logs ({m['physical_lines']} lines, "
                        f"{m['bytes'] / bl.MIB:.0f} MiB), then {args.quiet:.0f} s quiet", res, args.runs)
        shutil.rmtree(root, ignore_errors=True)

    if "connections" in cases:
        res = {n: [] for n in names}
        for r in range(args.runs):
            for n in names:
                bl.log(f"[connections {r + 1}/{args.runs}] {n} ...")
                res[n].append(connections_case(n, args))
        report("connections", f"Syslog server with {args.connections} open TCP connections "
                              f"({args.per_connection} messages each)", res, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
