"""Shared pieces of the comparison benchmarks (python3 stdlib only).

- building the C++ tools in bench/tools with one g++ line each (cached in bench/out/bin),
- locating the contenders (logferry, the private rsyslogd and syslog-ng in .peers/),
- running a contender in its own process group and measuring its process tree from /proc
  (CPU = utime+stime, incl. reaped children; peak RSS = VmHWM),
- always stopping what was started (SIGTERM, then SIGKILL after a deadline),
- medians and the result table.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
TOOLS_SRC = BENCH / "tools"
OUT = BENCH / "out"
BIN = OUT / "bin"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
GIB = 1024 ** 3
MIB = 1024 ** 2


def exit_on_signals() -> None:
    """SIGTERM/SIGHUP end the harness like Ctrl-C: the finally blocks stop every contender."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# tools and contenders

def build_tool(name: str) -> Path:
    """Compiles bench/tools/NAME.cc into bench/out/bin/NAME unless it is up to date."""
    src = TOOLS_SRC / f"{name}.cc"
    exe = BIN / name
    if exe.exists() and exe.stat().st_mtime >= src.stat().st_mtime:
        return exe
    BIN.mkdir(parents=True, exist_ok=True)
    cmd = ["g++", "-std=c++20", "-O2", "-Wall", "-Wextra", "-Wshadow=local", "-Werror", "-pthread",
           "-o", str(exe), str(src)]
    log(f"building {name}: {' '.join(cmd)}")
    subprocess.run(cmd, check=True)
    return exe


def find_logferry(explicit: str | None) -> Path | None:
    candidates = [Path(explicit)] if explicit else [REPO / "build" / "logferry"]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c.resolve()
    return None


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, timeout_s: float, alive) -> bool:
    """True once 127.0.0.1:PORT accepts connections; False on timeout or when alive() is False."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end and alive():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def peers_dir(explicit: str | None) -> Path:
    return Path(explicit).resolve() if explicit else REPO / ".peers"


def rsyslog_cmd(peers: Path, conf: Path, pidfile: Path) -> list[str] | None:
    exe = peers / "rsyslog/usr/sbin/rsyslogd"
    mods = peers / "rsyslog/usr/lib/x86_64-linux-gnu/rsyslog"
    if not exe.is_file():
        return None
    return [str(exe), "-n", "-M", str(mods), "-f", str(conf), "-i", str(pidfile)]


def syslog_ng_cmd(peers: Path, conf: Path, work: Path) -> tuple[list[str], dict] | None:
    root = peers / "syslog-ng"
    exe = root / "usr/sbin/syslog-ng"
    if not exe.is_file():
        return None
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = ":".join(
        p for p in [str(root / "usr/lib/syslog-ng"), str(root / "usr/lib/x86_64-linux-gnu"),
                    env.get("LD_LIBRARY_PATH", "")] if p)
    cmd = [str(exe), "-F", "--no-caps", "-f", str(conf),
           f"--module-path={root / 'usr/lib/syslog-ng/3.38'}",
           f"--persist-file={work / 'syslog-ng.persist'}",
           f"--pidfile={work / 'syslog-ng.pid'}",
           f"--control={work / 'syslog-ng.ctl'}"]
    return cmd, env


def render(template: Path, dest: Path, values: dict[str, str]) -> Path:
    """Writes TEMPLATE to DEST with every @KEY@ replaced (configs live in bench/compare/configs)."""
    text = template.read_text()
    for k, v in values.items():
        text = text.replace(f"@{k}@", str(v))
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise ValueError(f"{template}: no value for {', '.join(sorted(set(left)))}")
    dest.write_text(text)
    return dest


# ---------------------------------------------------------------------------------------------
# process tree measurement

def _read_stat(pid: int) -> tuple[float, float] | None:
    """(own + reaped children's CPU seconds, VmHWM KiB) of one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
        fields = raw[raw.rindex(b")") + 2:].split()
        # fields[0] is field 3 (state); utime=14, stime=15, cutime=16, cstime=17 (1-based)
        ticks = int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        hwm = 0
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
                    break
        return ticks / CLK_TCK, float(hwm)
    except (OSError, ValueError, IndexError):
        return None


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids.extend(int(x) for x in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return kids


def tree_sample(root: int) -> tuple[float, float]:
    """CPU seconds and summed VmHWM (KiB) of ROOT and all its live descendants."""
    cpu = hwm = 0.0
    stack = [root]
    seen = set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        s = _read_stat(pid)
        if s is None:
            continue
        cpu += s[0]
        hwm += s[1]
        stack.extend(_children(pid))
    return cpu, hwm


class Contender:
    """A started contender: own process group, stdout/stderr to a log file, measured until stop().

    A sampler thread reads the tree every 100 ms so CPU and peak RSS survive processes that exit;
    mark() takes a sample at once (called when the receiver has seen every line).
    """

    def __init__(self, name: str, cmd: list[str], log_path: Path, env: dict | None = None,
                 stdin=None, stdout=None):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.t_start = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                     stdout=stdout if stdout is not None else self._log,
                                     stderr=self._log, env=env, start_new_session=True)
        self.pid = self.proc.pid
        self.cpu = 0.0
        self.peak_rss_kib = 0.0
        self.exit_rusage = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_loop, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        with self._lock:
            if self.exit_rusage is not None:
                return
            cpu, hwm = tree_sample(self.pid)
            if cpu > self.cpu:
                self.cpu = cpu
            if hwm > self.peak_rss_kib:
                self.peak_rss_kib = hwm
            try:
                pid, status, ru = os.wait4(self.pid, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == self.pid:
                self.exit_rusage = ru
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                self.cpu = max(self.cpu, ru.ru_utime + ru.ru_stime)
                if self.peak_rss_kib == 0:
                    # Only when no sample saw it alive: ru_maxrss also counts the moments
                    # between fork and exec, when the child was still a copy of this python.
                    self.peak_rss_kib = float(ru.ru_maxrss)

    def _sample_loop(self) -> None:
        while not self._stop.wait(0.1):
            self._sample()

    def mark(self) -> tuple[float, float]:
        """Samples now; returns (CPU seconds, peak RSS KiB) so far."""
        self._sample()
        return self.cpu, self.peak_rss_kib

    def exited(self) -> bool:
        return self.exit_rusage is not None

    def stop(self, deadline_s: float = 10.0) -> None:
        """SIGTERM to the process group, SIGKILL after DEADLINE_S; always reaps."""
        self._stop.set()
        self._thread.join()
        if self.exit_rusage is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            end = time.monotonic() + deadline_s
            while time.monotonic() < end:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
            else:
                log(f"{self.name}: no exit {deadline_s:.0f}s after SIGTERM, sending SIGKILL")
        # Whatever is left of the group (children that ignored SIGTERM) goes too.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.exit_rusage is None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log(f"{self.name}: pid {self.pid} could not be reaped")
        self._log.close()

    def log_tail(self, n: int = 15) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])


# ---------------------------------------------------------------------------------------------
# the line counter (bench/tools/line_counter.cc)

class LineCounter:
    def __init__(self, exe: Path, expect: int, idle_s: float, timeout_s: float):
        self.proc = subprocess.Popen(
            [str(exe), "--port", "0", "--expect", str(expect), "--idle-ms", str(int(idle_s * 1000)),
             "--timeout-ms", str(int(timeout_s * 1000)), "--grace-ms", "500"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        first = self.proc.stdout.readline().split()
        if len(first) != 2 or first[0] != "PORT":
            raise RuntimeError(f"line_counter did not start: {first}")
        self.port = int(first[1])
        self.done_ns: int | None = None
        self.result: dict | None = None
        self._on_done = None
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start_reading(self, on_done) -> None:
        self._on_done = on_done
        self._thread.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("DONE "):
                self.done_ns = int(line.split()[1])
                if self._on_done:
                    self._on_done()
            elif line.startswith("RESULT "):
                self.result = json.loads(line[len("RESULT "):])

    def wait(self, timeout_s: float) -> dict:
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self.terminate()
            self._thread.join(5)
        self.terminate()
        return self.result or {"lines": 0, "bytes": 0, "status": "no result", "first_byte_ns": 0,
                               "done_ns": 0, "last_byte_ns": 0}

    def terminate(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.terminate()
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------------------------------------
# results

@dataclass
class Run:
    ok: bool
    expected: int
    got: int
    wall_s: float          # contender start -> receiver saw every line
    cpu_s: float           # contender process tree, at that moment
    peak_rss_mib: float
    note: str = ""
    first_byte_s: float = 0.0  # contender start -> first byte at the receiver (startup)


@dataclass
class Summary:
    name: str
    runs: list[Run] = field(default_factory=list)
    skipped: str = ""

    def good(self) -> list[Run]:
        return [r for r in self.runs if r.ok]

    def median(self, attr: str) -> float | None:
        vals = [getattr(r, attr) for r in self.good()]
        return statistics.median(vals) if vals else None


def status_and_notes(s: Summary, notes: list[str]) -> str:
    """Short status for the table; the long reasons go to NOTES, printed under it."""
    if s.skipped:
        notes.append(f"{s.name}: skipped: {s.skipped}")
        return "skipped"
    good = len(s.good())
    for reason in sorted({r.note for r in s.runs if not r.ok}):
        notes.append(f"{s.name}: {reason}")
    return f"{good}/{len(s.runs)} ok" + ("" if good == len(s.runs) else " (see notes)")


EVENT_ROW_HEADERS = ("pipeline", "wall s", "k events/s", "CPU s/M events", "peak RSS MiB", "status")


def events_row(label: str, s: Summary, status: str) -> tuple[str, ...]:
    """One EVENT_ROW_HEADERS row: medians over the good runs (each with got, wall_s, cpu_s)."""
    good = s.good()
    rates = [r.got / r.wall_s for r in good if r.wall_s > 0]
    cpu_per_m = [r.cpu_s / r.got * 1e6 for r in good if r.got]
    return (label, fmt(s.median("wall_s"), ".2f"),
            fmt(statistics.median(rates) / 1000 if rates else None, ",.0f"),
            fmt(statistics.median(cpu_per_m) if cpu_per_m else None, ".2f"),
            fmt(s.median("peak_rss_mib"), ".1f"), status)


def print_notes(notes: list[str]) -> None:
    for n in notes:
        print(f"  note: {n}")
    sys.stdout.flush()


def fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def print_table(title: str, rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(headers, widths))))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
    sys.stdout.flush()


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"
