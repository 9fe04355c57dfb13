#!/usr/bin/env python3
"""Beats input benchmark: bench/tools/beats_client.cc sends ICP-shaped Filebeat events in
windows of --window events (compression --compression) over --connections connections to
logferry's beats source, which delivers to the blackhole sink. A run ends when the client has
every window acked (acks are sent only after the sink accepted the events). Prints events/s,
CPU seconds of logferry per million events, logferry's peak RSS; medians over --runs.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402

CONFIG = """data_dir: {work}/data
sources:
  in:
    type: beats
    address: 127.0.0.1:{port}
sinks:
  out: {{ type: blackhole, inputs: [in] }}
"""


def build_client() -> Path:
    """beats_client uses the project's Lumberjack codec: one g++ line with src/net/lumberjack.cc."""
    src = bl.TOOLS_SRC / "beats_client.cc"
    codec = bl.REPO / "src/net/lumberjack.cc"
    exe = bl.BIN / "beats_client"
    newest = max(src.stat().st_mtime, codec.stat().st_mtime, (bl.REPO / "src/net/lumberjack.h").stat().st_mtime)
    if exe.exists() and exe.stat().st_mtime >= newest:
        return exe
    bl.BIN.mkdir(parents=True, exist_ok=True)
    cmd = ["g++", "-std=c++20", "-O2", "-Wall", "-Wextra", "-Wshadow=local", "-Werror", "-pthread",
           f"-I{bl.REPO / 'src'}", "-o", str(exe), str(src), str(codec), "-lz"]
    bl.log(f"building beats_client: {' '.join(cmd)}")
    subprocess.run(cmd, check=True)
    return exe


def one_run(exe: Path, client: Path, args, work: Path) -> dict:
    port = bl.free_tcp_port()
    conf = work / "logferry.yaml"
    conf.write_text(CONFIG.format(work=work, port=port))
    lf = bl.Contender("logferry", [str(exe), "run", "-c", str(conf)], work / "logferry.log")
    try:
        if not bl.wait_listening(port, 10, lambda: not lf.exited()):
            raise RuntimeError("logferry did not listen:\n" + lf.log_tail())
        cpu0, _ = lf.mark()
        t0 = time.monotonic()
        out = subprocess.run([str(client), "--port", str(port), "--count", str(args.count),
                              "--connections", str(args.connections), "--bulk-max-size", str(args.window),
                              "--compression", str(args.compression), "--pipelining", str(args.pipelining)],
                             capture_output=True, text=True, timeout=args.timeout)
        wall = time.monotonic() - t0
        cpu1, rss_kib = lf.mark()
        if out.returncode != 0:
            raise RuntimeError(f"beats_client failed: {out.stdout} {out.stderr}")
        res = json.loads(out.stdout)
        return {"events": res["events"], "wall": wall, "eps": res["events"] / wall,
                "cpu_per_m": (cpu1 - cpu0) / res["events"] * 1e6, "rss_mib": rss_kib / 1024,
                "keepalives": res["keepalives"], "reconnects": res["reconnects"]}
    finally:
        lf.stop()


def main() -> int:
    bl.exit_on_signals()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=5_000_000, help="events per run (default 5,000,000)")
    p.add_argument("--connections", type=int, default=4, help="client connections (default 4)")
    p.add_argument("--window", type=int, default=2048, help="bulk_max_size (default 2048)")
    p.add_argument("--compression", type=int, default=3, help="compression_level 0..9 (default 3)")
    p.add_argument("--pipelining", type=int, default=1, help="windows in flight per connection (default 1)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--logferry", help="binary (default build/logferry)")
    args = p.parse_args()
    exe = bl.find_logferry(args.logferry)
    if exe is None:
        bl.log("no logferry binary (cmake --build --preset default, or pass --logferry)")
        return 2
    client = build_client()
    runs = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="lf-beats-") as tmp:
            r = one_run(exe, client, args, Path(tmp))
            bl.log(f"run {i + 1}: {r['events']:,} events in {r['wall']:.2f}s = {r['eps']:,.0f} events/s, "
                   f"{r['cpu_per_m']:.2f} CPU s/M events, peak RSS {r['rss_mib']:.1f} MiB, "
                   f"{r['keepalives']} keep-alives, {r['reconnects']} reconnects")
            runs.append(r)

    def med(k):
        return sorted(x[k] for x in runs)[len(runs) // 2]
    print(f"beats -> blackhole, {args.count:,} ICP-shaped events, {args.connections} connections, "
          f"windows of {args.window}, compression {args.compression}, pipelining {args.pipelining}; "
          f"median of {len(runs)}:")
    print(f"  events/s             {med('eps'):,.0f}")
    print(f"  CPU s per M events   {med('cpu_per_m'):.2f}")
    print(f"  peak RSS             {med('rss_mib'):.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
