#!/usr/bin/python3
"""Issue 11 part 4: the window's CPU and RSS per target poll.

Starts fake_targets.py (N services of R routes each, on loopback), runs the PoolScope window offscreen on a
workspace polling every one of them every INTERVAL seconds, and after a warm-up measures for S seconds: the
window's CPU (utime + stime from /proc/PID/stat), the polls answered meanwhile (counted by the fake services),
the CPU per poll, the share of a core and the RSS growth per poll. Prints PASS/FAIL against the budget
(<= 0.3 ms of window CPU per target poll).

    window_poll.py --poolscope BUILD/bin/poolscope [--targets 20] [--routes 10] [--interval 0.1]
                   [--seconds 30] [--record] [--wrap 'valgrind --tool=callgrind ...']

Recording is off (POOLSCOPE_RECORD=0) unless --record is given; it then writes into the run's temporary folder.
--wrap runs the window under a profiler (perf, callgrind, heaptrack): the command is split on spaces and put in
front of the window's. Exit status 0 when the figures were measured, 1 when the run could not be staged.
Standard library only (and procstat.py beside it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procstat import cpu_seconds, rss_kb  # noqa: E402

BUDGET_MS = 0.3
HERE = os.path.dirname(os.path.abspath(__file__))


def served(fake: subprocess.Popen) -> int:
    fake.send_signal(signal.SIGUSR1)
    while True:
        line = fake.stdout.readline().decode()
        if not line:
            raise RuntimeError("fake_targets.py exited")
        if line.startswith("served "):
            return int(line.split()[1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--poolscope", required=True)
    parser.add_argument("--targets", type=int, default=20)
    parser.add_argument("--routes", type=int, default=10)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("POOLSCOPE_BENCH_SECONDS", "30")))
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--wrap", default="")
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="poolscope-window-poll-")
    procs: list[subprocess.Popen] = []
    try:
        fake = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_targets.py"), str(args.targets),
                                 str(args.routes)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                start_new_session=True)
        procs.append(fake)
        ready = fake.stdout.readline().decode().split()
        if not ready or ready[0] != "ready":
            print("window_poll: fake_targets.py did not start", file=sys.stderr)
            return 1
        ports = ready[1:]
        workspace = os.path.join(tmp, "workspace.json")
        with open(workspace, "w") as handle:
            json.dump({"version": 1, "databases": [],
                       "targets": [{"name": f"svc{i:02d}", "url": f"http://127.0.0.1:{port}/health",
                                    "profile": "seed", "interval": args.interval}
                                   for i, port in enumerate(ports)]}, handle)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=tmp, XDG_CONFIG_HOME=tmp, XDG_DATA_HOME=tmp,
                   POOLSCOPE_RECORD="1" if args.record else "0", POOLSCOPE_RECORDINGS_DIR=os.path.join(tmp, "rec"))
        window = subprocess.Popen(args.wrap.split() + [args.poolscope, workspace], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "poolscope.log"), "wb"),
                                  env=env, start_new_session=True)
        procs.append(window)
        time.sleep(args.warmup)
        if window.poll() is not None:
            print(f"window_poll: the window exited ({window.returncode})", file=sys.stderr)
            return 1
        polls0, cpu0, rss0, t0 = served(fake), cpu_seconds(window.pid), rss_kb(window.pid), time.monotonic()
        time.sleep(args.seconds)
        polls1, cpu1, rss1, t1 = served(fake), cpu_seconds(window.pid), rss_kb(window.pid), time.monotonic()
        polls, cpu, wall = polls1 - polls0, cpu1 - cpu0, t1 - t0
        per_poll_ms = 1000 * cpu / polls if polls else float("inf")
        print(f"window_poll: {args.targets} targets x {args.routes} routes at {args.interval} s, recording "
              f"{'on' if args.record else 'off'}, {wall:.0f} s after {args.warmup:.0f} s warm-up")
        print(f"polls: {polls} ({polls / wall:.0f}/s, expected {args.targets / args.interval:.0f}/s)")
        print(f"window CPU: {cpu:.2f} s ({100 * cpu / wall:.1f} % of a core), {per_poll_ms:.3f} ms per poll "
              f"(budget <= {BUDGET_MS}): {'PASS' if per_poll_ms <= BUDGET_MS else 'FAIL'}")
        print(f"window RSS: {rss0} -> {rss1} KB, {1024 * (rss1 - rss0) / max(polls, 1):.0f} bytes per poll",
              flush=True)
        return 0
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
