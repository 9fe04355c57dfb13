#!/usr/bin/env python3
"""Collector benchmark: Kubernetes CRI log files -> syslog over TCP, logferry beside rsyslog and
syslog-ng (and a raw copy of the bytes, the limit), on one corpus, to one line counter.

Each round runs every contender once on the same corpus (rounds interleave, so machine noise
spreads over all of them); the table shows medians over --runs rounds. See bench/README.md.
"""
from __future__ import annotations

import argparse
import json
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
ALL = ["raw", "logferry", "rsyslog", "syslog-ng", "syslog-ng-tuned"]
EXTRA = ["logferry-stdin",  # harness self-test: files piped into logferry's stdin source
         # issue 10's transforms on the same path: their cost per event, and peak RSS with the
         # API stand-in holding the corpus's pods plus --extra-pods on this node
         "logferry-multiline", "logferry-metadata", "logferry-both",
         # the full Kubernetes mapping (four header templates, structured data)
         "logferry-k8s-mapping"]
WITH_API = ("logferry-metadata", "logferry-both")
API_PROCS: list[subprocess.Popen] = []


def parse_size(s: str) -> int:
    units = {"K": 10**3, "M": 10**6, "G": 10**9, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}
    for u in sorted(units, key=len, reverse=True):
        if s.endswith(u):
            return int(float(s[: -len(u)]) * units[u])
    return int(s)


def make_corpus(gen: Path, size: int, files: int, seed: int, keep: bool) -> tuple[Path, dict]:
    root = bl.OUT / f"corpus-{size}-{files}-{seed}"
    manifest = root / "manifest.json"
    if manifest.exists():
        bl.log(f"reusing corpus {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
        bl.log(f"generating {size / bl.MIB:.0f} MiB CRI corpus in {root} ...")
        subprocess.run([str(gen), "--root", str(root), "--bytes", str(size), "--files", str(files),
                        "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
        os.sync()  # no writeback of fresh pages during the first timed run
    m = json.loads(manifest.read_text())
    m["files_list"] = sorted(str(p) for p in (root / "pods").glob("*/*/0.log"))
    m["keep"] = keep
    return root, m


def expected_lines(name: str, m: dict) -> int:
    # logferry joins CRI P..F into one event; rsyslog does too (imfile endmsg.regex, see its
    # config); raw copy and syslog-ng forward physical lines.
    joins = name == "rsyslog" or (name.startswith("logferry") and name != "logferry-stdin")
    return m["logical_lines"] if joins else m["physical_lines"]


def start(name: str, port: int, root: Path, work: Path, m: dict, args) -> bl.Contender | str:
    """Starts contender NAME sending to 127.0.0.1:PORT; returns it, or a reason to skip."""
    vals = {"PORT": port, "ROOT": root, "WORK": work}
    logf = work / f"{name}.log"
    if name == "raw":
        return bl.Contender(name, [str(bl.build_tool("raw_copy")), str(port), *m["files_list"]], logf)
    if name in WITH_API:
        why = start_api_stand_in(root, work, args)
        if why:
            return why
    if name.startswith("logferry"):
        exe = bl.find_logferry(args.logferry)
        if exe is None:
            return "no logferry binary (build it: ninja -C build logferry, or pass --logferry)"
        conf = bl.render(CONFIGS / f"collector-{name}.yaml", work / "logferry.yaml", vals)
        check = subprocess.run([str(exe), "validate", "-c", str(conf)], capture_output=True, text=True)
        if check.returncode != 0:
            return "config not accepted: " + (check.stdout + check.stderr).strip().replace("\n", "; ")[:300]
        if name != "logferry-stdin":
            return bl.Contender(name, [str(exe), "run", "-c", str(conf)], logf)
        # stdin source: the files are piped in by cat (its CPU is counted too); console sink
        # writes to a socket connected to the counter.
        import socket
        sock = socket.create_connection(("127.0.0.1", port))
        cmd = ["sh", "-c", 'f="$1"; shift; cat "$@" | "$0" run -c "$f"', str(exe), str(conf),
               *m["files_list"]]
        c = bl.Contender(name, cmd, logf, stdout=sock.fileno())
        sock.close()
        return c
    if name == "rsyslog":
        conf = bl.render(CONFIGS / "collector-rsyslog.conf", work / "rsyslog.conf", vals)
        (work / "rsyslog-work").mkdir()
        cmd = bl.rsyslog_cmd(bl.peers_dir(args.peers), conf, work / "rsyslog.pid")
        if cmd is None:
            return "rsyslogd not found in .peers (scripts/install-peers.sh)"
        return bl.Contender(name, cmd, logf)
    if name in ("syslog-ng", "syslog-ng-tuned"):
        conf = bl.render(CONFIGS / f"collector-{name}.conf", work / "syslog-ng.conf", vals)
        got = bl.syslog_ng_cmd(bl.peers_dir(args.peers), conf, work)
        if got is None:
            return "syslog-ng not found in .peers (scripts/install-peers.sh)"
        return bl.Contender(name, got[0], logf, env=got[1])
    raise ValueError(name)


def api_state(root: Path, extra: int) -> dict:
    """The corpus's pods (from the containers/ link names) and `extra` more, on bench-node."""
    def pod(ns: str, name: str, i: int) -> dict:
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": ns, "uid": f"uid-{i}",
                             "labels": {"app": name.rsplit("-", 1)[0], "pod-template-hash": "5d9c7b6f4",
                                        "app.kubernetes.io/version": "1.2.3"},
                             "annotations": {"prometheus.io/scrape": "true", "team": "bench"},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                  "name": name.rsplit("-", 1)[0] + "-5d9c7b6f4",
                                                  "uid": f"rs-{i}", "controller": True}]},
                "spec": {"nodeName": "bench-node"}}
    pods, namespaces = [], set()
    for i, link in enumerate(sorted((root / "containers").glob("*.log"))):
        pod_name, ns = link.name.split("_")[:2]
        pods.append(pod(ns, pod_name, i))
        namespaces.add(ns)
    for i in range(extra):
        pods.append(pod(f"extra-{i % 50}", f"idle-{i}", 100000 + i))
        namespaces.add(f"extra-{i % 50}")
    ns_objs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": {"team": "bench"}}}
               for n in sorted(namespaces)]
    return {"namespaces": ns_objs, "pods": pods}


def start_api_stand_in(root: Path, work: Path, args) -> str:
    """Starts build/kube_api_test_server with the corpus's pods; writes WORK/kubeconfig."""
    exe = bl.REPO / "build" / "kube_api_test_server"
    if not exe.exists():
        return "no build/kube_api_test_server (build it: cmake --build --preset default --target kube_api_test_server)"
    state = work / "api-state.json"
    state.write_text(json.dumps(api_state(root, args.extra_pods)))
    proc = subprocess.Popen([str(exe), "--state", str(state)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    API_PROCS.append(proc)
    line = proc.stdout.readline().split()
    if len(line) != 2 or line[0] != "port":
        return "kube_api_test_server did not start"
    (work / "kubeconfig").write_text(
        "current-context: c\n"
        f"clusters: [{{name: c, cluster: {{server: 'http://127.0.0.1:{line[1]}'}}}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
        "users: [{name: u, user: {token: test-token}}]\n")
    return ""


def stop_api_stand_ins() -> None:
    while API_PROCS:
        p = API_PROCS.pop()
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()


def run_once(name: str, root: Path, m: dict, args) -> bl.Run | str:
    expect = expected_lines(name, m)
    work = Path(tempfile.mkdtemp(prefix=f"lfbench-{name}-", dir=bl.OUT))
    counter = bl.LineCounter(bl.build_tool("line_counter"), expect, args.idle, args.timeout)
    contender = None
    try:
        started = start(name, counter.port, root, work, m, args)
        if isinstance(started, str):
            return started
        contender = started
        marked: dict = {}

        def on_done():
            marked["cpu"], marked["rss"] = contender.mark()
        counter.start_reading(on_done)
        # Wait for the counter; stop early when the contender died and the counter went quiet.
        deadline = time.monotonic() + args.timeout + 10
        while counter.result is None and time.monotonic() < deadline:
            time.sleep(0.1)
            if contender.exited() and counter.done_ns is None:
                time.sleep(3)
                if counter.done_ns is None:
                    counter.terminate()
        res = counter.wait(5)
        cpu, rss = marked.get("cpu"), marked.get("rss")
        if cpu is None:
            cpu, rss = contender.mark()
        got = res["lines"]
        t0_ns = int(contender.t_start * 1e9)
        end_ns = res["done_ns"] or res["last_byte_ns"] or t0_ns
        wall = (end_ns - t0_ns) / 1e9
        ok = got == expect and res["status"] == "complete"
        note = "" if ok else (f"{res['status']}: got {got} of {expect} lines"
                              + (f" ({expect - got} lost)" if got < expect else f" ({got - expect} extra)"))
        if contender.exited() and contender.proc.returncode not in (0, None):
            note += f" exit {contender.proc.returncode}"
        if not ok:
            bl.log(f"  {name}: {note}\n  log tail:\n{contender.log_tail()}")
        first = (res["first_byte_ns"] - t0_ns) / 1e9 if res["first_byte_ns"] else 0.0
        return bl.Run(ok=ok, expected=expect, got=got, wall_s=wall, cpu_s=cpu,
                      peak_rss_mib=rss / 1024, note=note, first_byte_s=first)
    finally:
        if contender is not None:
            contender.stop()
        stop_api_stand_ins()
        counter.terminate()
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)


def report(size_label: str, m: dict, sums: dict[str, bl.Summary], runs: int) -> None:
    gib = m["bytes"] / bl.GIB
    rows = []
    notes: list[str] = []
    for name, s in sums.items():
        status = bl.status_and_notes(s, notes)
        if s.skipped:
            rows.append((name, "-", "-", "-", "-", "-", "-", "-", status))
            continue
        good = s.good()
        wall = s.median("wall_s")
        cpu = s.median("cpu_s")
        lps = [r.got / r.wall_s for r in good if r.wall_s > 0]
        rows.append((name, str(s.runs[0].expected) if s.runs else "-",
                     bl.fmt(wall, ".2f"),
                     bl.fmt(min(r.wall_s for r in good) if good else None, ".2f") + "-" +
                     bl.fmt(max(r.wall_s for r in good) if good else None, ".2f"),
                     bl.fmt(bl.statistics.median(lps) / 1000 if lps else None, ",.0f"),
                     bl.fmt(cpu, ".2f"), bl.fmt(cpu / gib if cpu is not None else None, ".1f"),
                     bl.fmt(s.median("peak_rss_mib"), ".1f"), status))
    bl.print_table(
        f"Collector: {size_label} CRI corpus ({m['bytes'] / bl.MIB:.0f} MiB, {m['files']} files, "
        f"{m['physical_lines']} lines, {m['partial_lines']} of them P partials -> "
        f"{m['logical_lines']} joined), medians of {runs} runs",
        rows, ("contender", "lines", "wall s", "range", "k lines/s", "CPU s", "CPU s/GiB",
               "peak RSS MiB", "status"))
    bl.print_notes(notes)
    lf = sums.get("logferry")
    if lf and lf.good():
        ratio_rows = []
        for other in ("rsyslog", "syslog-ng", "syslog-ng-tuned", "raw"):
            o = sums.get(other)
            if not o or not o.good():
                continue
            ratio_rows.append((f"logferry vs {other}",
                               bl.ratio(o.median("wall_s"), lf.median("wall_s")),
                               bl.ratio(o.median("cpu_s"), lf.median("cpu_s")),
                               bl.ratio(o.median("peak_rss_mib"), lf.median("peak_rss_mib"))))
        bl.print_table("Ratios (other / logferry: > 1 means logferry is faster / cheaper / smaller)",
                       ratio_rows, ("", "wall", "CPU s", "peak RSS"))
        cost_rows = []
        for variant in ("logferry-k8s-mapping", "logferry-multiline", "logferry-metadata", "logferry-both"):
            v = sums.get(variant)
            if not v or not v.good():
                continue
            extra_cpu = v.median("cpu_s") - lf.median("cpu_s")
            events = v.runs[0].expected
            cost_rows.append((variant, bl.ratio(v.median("cpu_s"), lf.median("cpu_s")),
                              bl.fmt(extra_cpu * 1e9 / events if events else None, ",.0f"),
                              bl.fmt(v.median("peak_rss_mib") - lf.median("peak_rss_mib"), "+.1f")))
        if cost_rows:
            bl.print_table("Cost of logferry's variants (same corpus and receiver as logferry)",
                           cost_rows, ("", "CPU s / logferry's", "extra CPU ns per event", "extra peak RSS MiB"))
    else:
        raw = sums.get("raw")
        ratio_rows = []
        for other in ("rsyslog", "syslog-ng", "syslog-ng-tuned", "logferry-stdin"):
            o = sums.get(other)
            if raw and raw.good() and o and o.good():
                ratio_rows.append((f"{other} vs raw copy",
                                   bl.ratio(o.median("wall_s"), raw.median("wall_s")),
                                   bl.ratio(o.median("cpu_s"), raw.median("cpu_s"))))
        if ratio_rows:
            bl.print_table("Ratios (contender / raw copy; logferry has no result in this run)",
                           ratio_rows, ("", "wall", "CPU s"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="300M",
                    help="comma-separated corpus sizes, e.g. 300M,1GiB (two sizes also print "
                         "logferry's memory flatness); default 300M")
    ap.add_argument("--runs", type=int, default=3, help="rounds per size (default 3)")
    ap.add_argument("--files", type=int, default=8, help="container log files (default 8)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--extra-pods", type=int, default=5000,
                    help="pods the API stand-in holds besides the corpus's (logferry-metadata/-both; 5000)")
    ap.add_argument("--contenders", default=",".join(ALL),
                    help=f"comma-separated subset of {ALL + EXTRA} (default: {','.join(ALL)})")
    ap.add_argument("--logferry", help="logferry binary (default build/logferry)")
    ap.add_argument("--peers", help="directory with rsyslog/ and syslog-ng/ (default .peers)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per run at most (600)")
    ap.add_argument("--idle", type=float, default=30,
                    help="give up a run after this many seconds without data (30)")
    ap.add_argument("--keep-corpus", action="store_true",
                    help="keep bench/out/corpus-* (and reuse it next time)")
    ap.add_argument("--keep-work", action="store_true", help="keep per-run configs and logs")
    args = ap.parse_args()
    bl.exit_on_signals()

    names = [n.strip() for n in args.contenders.split(",") if n.strip()]
    for n in names:
        if n not in ALL + EXTRA:
            ap.error(f"unknown contender {n}")
    bl.OUT.mkdir(parents=True, exist_ok=True)
    gen = bl.build_tool("gen_cri_corpus")
    for t in ("line_counter", "raw_copy"):
        bl.build_tool(t)

    flat: dict[str, dict[str, float | None]] = {}
    for size_label in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        size = parse_size(size_label)
        root, m = make_corpus(gen, size, args.files, args.seed, args.keep_corpus)
        try:
            sums = {n: bl.Summary(n) for n in names}
            for r in range(args.runs):
                for n in names:
                    if sums[n].skipped:
                        continue
                    bl.log(f"[{size_label} round {r + 1}/{args.runs}] {n} ...")
                    got = run_once(n, root, m, args)
                    if isinstance(got, str):
                        sums[n].skipped = got
                        bl.log(f"  skipped: {got}")
                        continue
                    sums[n].runs.append(got)
                    bl.log(f"  {got.got} lines in {got.wall_s:.2f} s (first byte at {got.first_byte_s:.2f} s), CPU {got.cpu_s:.2f} s, "
                           f"peak RSS {got.peak_rss_mib:.1f} MiB{'' if got.ok else ', ' + got.note}")
            report(size_label, m, sums, args.runs)
            flat[size_label] = {n: sums[n].median("peak_rss_mib") for n in names}
        finally:
            if not args.keep_corpus:
                shutil.rmtree(root, ignore_errors=True)
    for name in names:
        by_size = {k: v[name] for k, v in flat.items() if v.get(name)}
        if len(by_size) >= 2:
            vals = list(by_size.values())
            print(f"\n{name} memory flatness (median peak RSS by corpus size): " +
                  ", ".join(f"{k}: {v:.1f} MiB" for k, v in by_size.items()) +
                  f"; largest/smallest {max(vals) / min(vals):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
