#!/usr/bin/env python3
"""Syslog server benchmark: N RFC 5424 messages over TCP -> files by templated path
(<out>/<host>/<app>.log), logferry beside rsyslog and syslog-ng. The same client
(bench/tools/syslog_flood.cc) sends to each receiver as fast as it accepts; a run is done when
every line is in the files. Medians over --runs interleaved rounds. See bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402

CONFIGS = Path(__file__).resolve().parent / "configs"
ALL = ["limit", "logferry", "rsyslog", "syslog-ng", "syslog-ng-tuned"]
EXTRA = ["rsyslog-imptcp"]


class FileLineCounter:
    """Counts LF in every file under a directory, reading only what was appended since last time."""

    def __init__(self, root: Path):
        self.root = root
        self.offsets: dict[str, int] = {}
        self.lines = 0

    def poll(self) -> int:
        for dirpath, _, files in os.walk(self.root):
            for f in files:
                p = os.path.join(dirpath, f)
                off = self.offsets.get(p, 0)
                try:
                    with open(p, "rb") as fh:
                        fh.seek(off)
                        while True:
                            chunk = fh.read(8 << 20)
                            if not chunk:
                                break
                            self.lines += chunk.count(b"\n")
                            off += len(chunk)
                except OSError:
                    continue
                self.offsets[p] = off
        return self.lines

    def files(self) -> int:
        return len(self.offsets)


def start_receiver(name: str, port: int, work: Path, out: Path, args) -> bl.Contender | str:
    vals = {"PORT": port, "WORK": work, "OUT": out}
    logf = work / f"{name}.log"
    if name == "logferry":
        exe = bl.find_logferry(args.logferry)
        if exe is None:
            return "no logferry binary (build it: ninja -C build logferry, or pass --logferry)"
        conf = bl.render(CONFIGS / "server-logferry.yaml", work / "logferry.yaml", vals)
        check = subprocess.run([str(exe), "validate", "-c", str(conf)], capture_output=True, text=True)
        if check.returncode != 0:
            return "config not accepted: " + (check.stdout + check.stderr).strip().replace("\n", "; ")[:300]
        return bl.Contender(name, [str(exe), "run", "-c", str(conf)], logf)
    if name in ("rsyslog", "rsyslog-imptcp"):
        conf = bl.render(CONFIGS / f"server-{name}.conf", work / "rsyslog.conf", vals)
        (work / "rsyslog-work").mkdir()
        cmd = bl.rsyslog_cmd(bl.peers_dir(args.peers), conf, work / "rsyslog.pid")
        if cmd is None:
            return "rsyslogd not found in .peers (scripts/install-peers.sh)"
        return bl.Contender(name, cmd, logf)
    if name in ("syslog-ng", "syslog-ng-tuned"):
        if args.framing == "octet":
            vals["SOURCE"] = (f'syslog(ip("127.0.0.1") port({port}) transport("tcp") max-connections(64) '
                              f'`source_opts`);')
        else:
            vals["SOURCE"] = (f'network(ip("127.0.0.1") port({port}) transport("tcp") '
                              f'flags(syslog-protocol) max-connections(64) `source_opts`);')
        conf = bl.render(CONFIGS / f"server-{name}.conf", work / "syslog-ng.conf", vals)
        got = bl.syslog_ng_cmd(bl.peers_dir(args.peers), conf, work)
        if got is None:
            return "syslog-ng not found in .peers (scripts/install-peers.sh)"
        return bl.Contender(name, got[0], logf, env=got[1])
    raise ValueError(name)


def run_limit(args) -> bl.Run:
    """The client straight into the line counter (no parsing, no files): the client's own limit."""
    counter = bl.LineCounter(bl.build_tool("line_counter"), args.count, args.idle, args.timeout)
    try:
        counter.start_reading(None)
        t0 = time.monotonic()
        subprocess.run([str(bl.build_tool("syslog_flood")), "--port", str(counter.port), "--count",
                        str(args.count), "--framing", args.framing, "--connections",
                        str(args.connections)], check=True, stdout=subprocess.DEVNULL,
                       timeout=args.timeout)
        res = counter.wait(args.timeout)
        wall = (res["done_ns"] / 1e9 - t0) if res["done_ns"] else float("nan")
        ok = res["lines"] == args.count and res["status"] == "complete"
        return bl.Run(ok=ok, expected=args.count, got=res["lines"], wall_s=wall, cpu_s=0.0,
                      peak_rss_mib=0.0, note="" if ok else f"{res['status']}: got {res['lines']}")
    finally:
        counter.terminate()


def run_once(name: str, args) -> bl.Run | str:
    if name == "limit":
        return run_limit(args)
    work = Path(tempfile.mkdtemp(prefix=f"lfbench-srv-{name}-", dir=bl.OUT))
    out = work / "out"
    out.mkdir()
    port = bl.free_tcp_port()
    recv = None
    client = None
    try:
        started = start_receiver(name, port, work, out, args)
        if isinstance(started, str):
            return started
        recv = started
        if not bl.wait_listening(port, 15, lambda: not recv.exited()):
            return bl.Run(ok=False, expected=args.count, got=0, wall_s=0, cpu_s=0, peak_rss_mib=0,
                          note="receiver did not listen: " + recv.log_tail(5).replace("\n", "; "))
        time.sleep(0.2)  # let the probe connection be forgotten
        cpu_before, _ = recv.mark()
        counter = FileLineCounter(out)
        t0 = time.monotonic()
        client = subprocess.Popen(
            [str(bl.build_tool("syslog_flood")), "--port", str(port), "--count", str(args.count),
             "--framing", args.framing, "--connections", str(args.connections)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        deadline = t0 + args.timeout
        last_progress, last_lines = t0, 0
        done_t = None
        while time.monotonic() < deadline:
            lines = counter.poll()
            now = time.monotonic()
            if lines >= args.count:
                done_t = now
                break
            if lines != last_lines:
                last_lines, last_progress = lines, now
            elif now - last_progress > args.idle:
                break
            if recv.exited():
                break
            time.sleep(0.1)
        cpu_done, rss = recv.mark()
        try:
            client_out, _ = client.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            client.kill()
            client_out, _ = client.communicate()
        recv.stop()
        final = counter.poll()  # after the receiver flushed and exited: repeats show up here
        ok = done_t is not None and final == args.count
        note = ""
        if not ok:
            note = f"got {final} of {args.count} lines" + (
                f" ({args.count - final} lost)" if final < args.count else f" ({final - args.count} extra)")
            bl.log(f"  {name}: {note}\n  client: {client_out.strip()}\n  log tail:\n{recv.log_tail()}")
        elif counter.files() != args.hosts * args.apps:
            note = f"{counter.files()} files, expected {args.hosts * args.apps}"
            ok = False
        wall = (done_t or time.monotonic()) - t0
        r = bl.Run(ok=ok, expected=args.count, got=final, wall_s=wall, cpu_s=cpu_done - cpu_before,
                   peak_rss_mib=rss / 1024, note=note)
        r.client = client_out.strip()
        return r
    finally:
        if client is not None and client.poll() is None:
            client.kill()
            client.wait()
        if recv is not None:
            recv.stop()
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)


def report(sums: dict[str, bl.Summary], args) -> None:
    rows = []
    notes: list[str] = []
    for name, s in sums.items():
        status = bl.status_and_notes(s, notes)
        if s.skipped:
            rows.append((name, "-", "-", "-", "-", "-", status))
            continue
        good = s.good()
        rates = [r.got / r.wall_s for r in good if r.wall_s > 0]
        per_cpu = [r.got / r.cpu_s for r in good if r.cpu_s > 0]
        is_limit = name == "limit"
        rows.append((name if not is_limit else "limit (client -> counter)",
                     bl.fmt(s.median("wall_s"), ".2f"),
                     bl.fmt(bl.statistics.median(rates) / 1000 if rates else None, ",.0f"),
                     "-" if is_limit else bl.fmt(s.median("cpu_s"), ".2f"),
                     "-" if is_limit else bl.fmt(bl.statistics.median(per_cpu) / 1000 if per_cpu else None, ",.0f"),
                     "-" if is_limit else bl.fmt(s.median("peak_rss_mib"), ".1f"),
                     status))
    bl.print_table(
        f"Syslog server: {args.count} RFC 5424 messages over TCP ({args.framing} framing, "
        f"{args.connections} connection(s)) -> {args.hosts * args.apps} files, medians of {args.runs} runs",
        rows, ("receiver", "wall s", "k msgs/s", "CPU s", "k msgs/CPU s", "peak RSS MiB", "status"))
    bl.print_notes(notes)

    def per_cpu_median(s: bl.Summary):
        v = [r.got / r.cpu_s for r in s.good() if r.cpu_s > 0]
        return bl.statistics.median(v) if v else None

    def rate_median(s: bl.Summary):
        v = [r.got / r.wall_s for r in s.good() if r.wall_s > 0]
        return bl.statistics.median(v) if v else None

    lf = sums.get("logferry")
    if lf and lf.good():
        rr = []
        for other in ("rsyslog", "rsyslog-imptcp", "syslog-ng", "syslog-ng-tuned"):
            o = sums.get(other)
            if o and o.good():
                rr.append((f"logferry vs {other}", bl.ratio(rate_median(lf), rate_median(o)),
                           bl.ratio(per_cpu_median(lf), per_cpu_median(o)),
                           bl.ratio(o.median("peak_rss_mib"), lf.median("peak_rss_mib"))))
        bl.print_table("Ratios (> 1 means logferry is better)", rr,
                       ("", "msgs/s", "msgs per CPU s", "peak RSS (other/logferry)"))
        rs = sums.get("rsyslog")
        if rs and rs.good() and per_cpu_median(rs):
            x = per_cpu_median(lf) / per_cpu_median(rs)
            print(f"\nGoal: logferry >= 2x rsyslog's messages per CPU second: {x:.2f}x -> "
                  f"{'met' if x >= 2 else 'NOT met'}")
    elif sums.get("rsyslog") and sums["rsyslog"].good():
        rs = sums["rsyslog"]
        rr = [(f"{n} vs rsyslog", bl.ratio(rate_median(sums[n]), rate_median(rs)),
               bl.ratio(per_cpu_median(sums[n]), per_cpu_median(rs)))
              for n in ("rsyslog-imptcp", "syslog-ng", "syslog-ng-tuned")
              if sums.get(n) and sums[n].good()]
        if rr:
            bl.print_table("Ratios (other / rsyslog; logferry has no result in this run)", rr,
                           ("", "msgs/s", "msgs per CPU s"))

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1_000_000, help="messages per run (1000000)")
    ap.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--framing", choices=["lf", "octet"], default="lf",
                    help="TCP framing the client uses (lf, or RFC 6587 octet counting)")
    ap.add_argument("--connections", type=int, default=1, help="client connections (1)")
    ap.add_argument("--contenders", default=",".join(ALL),
                    help=f"comma-separated subset of {ALL + EXTRA} (default: {','.join(ALL)})")
    ap.add_argument("--logferry", help="logferry binary (default build/logferry)")
    ap.add_argument("--peers", help="directory with rsyslog/ and syslog-ng/ (default .peers)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per run at most (600)")
    ap.add_argument("--idle", type=float, default=30,
                    help="give up a run after this many seconds without new lines (30)")
    ap.add_argument("--keep-work", action="store_true", help="keep per-run configs, logs and files")
    args = ap.parse_args()
    bl.exit_on_signals()
    args.hosts, args.apps = 4, 5  # syslog_flood's defaults: 20 (host, app) files

    names = [n.strip() for n in args.contenders.split(",") if n.strip()]
    for n in names:
        if n not in ALL + EXTRA:
            ap.error(f"unknown contender {n}")
    bl.OUT.mkdir(parents=True, exist_ok=True)
    for t in ("line_counter", "syslog_flood"):
        bl.build_tool(t)
    sums = {n: bl.Summary(n) for n in names}
    for r in range(args.runs):
        for n in names:
            if sums[n].skipped:
                continue
            bl.log(f"[round {r + 1}/{args.runs}] {n} ...")
            got = run_once(n, args)
            if isinstance(got, str):
                sums[n].skipped = got
                bl.log(f"  skipped: {got}")
                continue
            sums[n].runs.append(got)
            bl.log(f"  {got.got} lines in {got.wall_s:.2f} s, CPU {got.cpu_s:.2f} s, "
                   f"peak RSS {got.peak_rss_mib:.1f} MiB{'' if got.ok else ', ' + got.note}")
    report(sums, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
