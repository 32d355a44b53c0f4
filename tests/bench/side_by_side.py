#!/usr/bin/python3
"""Issue 11 part 4: the window's CPU next to pg_activity's, side by side on the same database.

Starts a throw-away PostgreSQL (as the postgres user when run as root) on a free loopback port in a temporary
folder, opens 300 connections to it from one helper process (idle, idle in transaction and busy ones running
short pg_sleep queries), then runs for N seconds, at the same time:
  - pg_activity (Debian package pg-activity) at a 1 s refresh, on a pseudo-terminal (`script`), and
  - the PoolScope window, offscreen, on a workspace holding that database polled every second.
Reads both processes' CPU (utime + stime from /proc/PID/stat) at the end of the run and prints both, the
ratio and PASS/FAIL against the budget (the window costs at most a tenth of pg_activity).

    side_by_side.py --poolscope BUILD/bin/poolscope [--seconds N] [--connections C] [--no-record]

The window records its session as a user's does (into the run's temporary folder); --no-record sets
POOLSCOPE_RECORD=0, so the window's own cost shows apart from the live recording's.

N defaults to $POOLSCOPE_BENCH_SECONDS or 60. Exit status: 0 when the figures were measured (PASS or FAIL is
printed, like the other benchmarks), 1 when the run could not be staged. Everything started is stopped on
exit, on failure and on SIGINT/SIGTERM. Standard library + Debian's python3-psycopg.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procstat import cpu_seconds, rss_kb  # noqa: E402

BUDGET_RATIO = 0.10
READY_DEADLINE = 60.0


class StageError(Exception):
    pass


def say(message: str) -> None:
    print(f"side_by_side: {message}", file=sys.stderr, flush=True)


def pg_bin(name: str) -> str:
    dirs = [os.environ["POOLSCOPE_PG_BINDIR"]] if os.environ.get("POOLSCOPE_PG_BINDIR") else []
    dirs += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2].split(".")[0]),
                   reverse=True)
    for d in dirs:
        candidate = os.path.join(d, name)
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return found
    raise StageError(f"'{name}' not found: install the Debian package 'postgresql'")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for path in glob.glob(f"/proc/{parent}/task/*/children"):
            with contextlib.suppress(OSError), open(path) as handle:
                for child in handle.read().split():
                    found.append(int(child))
                    todo.append(int(child))
    return found


def cmdline(pid: int) -> str:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as handle:
        return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    return ""


# ---- the load: one helper process holding the connections ------------------------------------

async def hold_connections(conninfo: str, count: int) -> None:
    import psycopg

    conns = []
    for i in range(count):
        # A few applications, like a fleet of services: 1 in 5 busy, 1 in 10 idle in transaction, the rest idle.
        app = ("web", "worker_odds", "worker_settlement", "reports")[i % 4]
        conns.append(await psycopg.AsyncConnection.connect(conninfo, application_name=app, autocommit=True))
    print("ready", flush=True)
    rnd = random.Random(11)

    async def busy(conn) -> None:
        while True:
            await conn.execute("SELECT pg_sleep(%s)", (0.2 + rnd.random(),))
            await asyncio.sleep(rnd.random() * 0.5)

    tasks = []
    for i, conn in enumerate(conns):
        if i % 5 == 0:
            tasks.append(asyncio.create_task(busy(conn)))
        elif i % 10 == 1:
            await conn.set_autocommit(False)
            await conn.execute("SELECT count(*) FROM pg_class")  # leaves the session idle in transaction
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin, lambda: stop.set() if not sys.stdin.read(1) else None)
    await stop.wait()
    for t in tasks:
        t.cancel()
    for conn in conns:
        with contextlib.suppress(Exception):
            await conn.close()


# ---- the run ----------------------------------------------------------------------------------

class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="poolscope-side-by-side-")
        os.chmod(self.tmp, 0o755)
        self.procs: list[subprocess.Popen] = []
        self.postgres: subprocess.Popen | None = None
        self.is_root = os.geteuid() == 0

    def as_postgres(self) -> dict:
        if not self.is_root:
            return {}
        entry = pwd.getpwnam("postgres")
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def start_postgres(self) -> int:
        pgdata = os.path.join(self.tmp, "pgdata")
        os.mkdir(pgdata, 0o700)
        if self.is_root:  # the server writes its socket into tmp and its data into pgdata
            entry = pwd.getpwnam("postgres")
            os.chown(self.tmp, entry.pw_uid, entry.pw_gid)
            os.chown(pgdata, entry.pw_uid, entry.pw_gid)
        log = open(os.path.join(self.tmp, "postgres.log"), "ab")
        result = subprocess.run([pg_bin("initdb"), "-D", pgdata, "-U", "postgres", "--auth=trust", "--no-sync",
                                 "--locale=C", "--encoding=UTF8"], stdout=log, stderr=subprocess.STDOUT,
                                **self.as_postgres())
        if result.returncode != 0:
            raise StageError(f"initdb failed ({result.returncode}), see {log.name}")
        port = free_port()
        self.postgres = subprocess.Popen(
            [pg_bin("postgres"), "-D", pgdata, "-p", str(port), "-k", self.tmp, "-c", "listen_addresses=127.0.0.1",
             "-c", f"max_connections={self.args.connections + 50}", "-c", "fsync=off", "-c",
             "synchronous_commit=off", "-c", "shared_buffers=32MB"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.tmp, start_new_session=True,
            **self.as_postgres())
        import psycopg

        deadline = time.monotonic() + READY_DEADLINE
        while True:
            if self.postgres.poll() is not None:
                raise StageError(f"postgres exited ({self.postgres.returncode}), see {log.name}")
            try:
                with psycopg.connect(f"host=127.0.0.1 port={port} dbname=postgres user=postgres connect_timeout=2"):
                    return port
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise StageError(f"postgres did not accept connections within {READY_DEADLINE:.0f} s")
                time.sleep(0.1)

    def spawn(self, argv: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(argv, start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if self.postgres and self.postgres.poll() is None:
            self.postgres.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.postgres.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.postgres.kill()
                self.postgres.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def measure(self) -> int:
        port = self.start_postgres()
        conninfo = f"host=127.0.0.1 port={port} dbname=postgres user=postgres"
        say(f"postgres on 127.0.0.1:{port}; opening {self.args.connections} connections")
        load = self.spawn([sys.executable, os.path.abspath(__file__), "--hold", conninfo, "--connections",
                           str(self.args.connections)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = load.stdout.readline()
        if line.strip() != b"ready":
            raise StageError("the helper could not open the connections")

        workspace = os.path.join(self.tmp, "workspace.json")
        with open(workspace, "w") as handle:
            json.dump({"version": 1, "targets": [],
                       "databases": [{"name": "bench", "conninfo": conninfo, "interval": 1}]}, handle)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TERM=os.environ.get("TERM") or "xterm",
                   HOME=self.tmp, XDG_CONFIG_HOME=self.tmp, XDG_DATA_HOME=self.tmp,
                   POOLSCOPE_RECORD="0" if self.args.no_record else "1")

        # pg_activity draws with curses: give it a pseudo-terminal of a usual size. Its stdin stays an open pipe.
        activity_cmd = (f"stty rows 50 cols 200; exec pg_activity --refresh 1 -h 127.0.0.1 -p {port} -U postgres "
                        f"-d postgres")
        script = self.spawn(["script", "-q", "-e", "-c", activity_cmd, "/dev/null"], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        window = self.spawn([self.args.poolscope, workspace], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(self.tmp, "poolscope.log"), "wb"), env=env)

        activity_pid = None
        deadline = time.monotonic() + 20
        while activity_pid is None and time.monotonic() < deadline:
            activity_pid = next((p for p in descendants(script.pid) if "pg_activity" in cmdline(p)
                                 and "script" not in cmdline(p).split()[0]), None)
            if script.poll() is not None:
                raise StageError(f"pg_activity exited ({script.returncode}) before the run")
            time.sleep(0.1)
        if activity_pid is None:
            raise StageError("pg_activity did not start")

        # Start-up (imports, window construction, the first connect) is not the steady state: measure after it.
        time.sleep(self.args.warmup)
        start = {"pg_activity": cpu_seconds(activity_pid), "window": cpu_seconds(window.pid)}
        rss_start = rss_kb(window.pid)
        t0 = time.monotonic()
        while time.monotonic() - t0 < self.args.seconds:
            for name, proc in (("pg_activity", script), ("window", window)):
                if proc.poll() is not None:
                    raise StageError(f"{name} exited ({proc.returncode}) during the run")
            time.sleep(0.5)
        end = {"pg_activity": cpu_seconds(activity_pid), "window": cpu_seconds(window.pid)}
        wall = time.monotonic() - t0
        rss_end = rss_kb(window.pid)

        activity = end["pg_activity"] - start["pg_activity"]
        win = end["window"] - start["window"]
        ratio = win / activity if activity > 0 else float("inf")
        print(f"side_by_side: {self.args.connections} connections, 1 s refresh, {wall:.0f} s wall "
              f"(after {self.args.warmup:.0f} s warm-up), recording {'off' if self.args.no_record else 'on'}")
        print(f"pg_activity CPU: {activity:.2f} s ({100 * activity / wall:.1f} % of a core)")
        print(f"window CPU:      {win:.2f} s ({100 * win / wall:.1f} % of a core), RSS {rss_start} -> {rss_end} KB")
        print(f"ratio window/pg_activity: {ratio:.3f} (budget <= {BUDGET_RATIO:.2f}): "
              f"{'PASS' if ratio <= BUDGET_RATIO else 'FAIL'}", flush=True)
        return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--poolscope", help="the poolscope binary of the build")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("POOLSCOPE_BENCH_SECONDS", "60")))
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--no-record", action="store_true", help="the window does not record (POOLSCOPE_RECORD=0)")
    parser.add_argument("--hold", metavar="CONNINFO", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.hold:
        asyncio.run(hold_connections(args.hold, args.connections))
        return 0
    if not args.poolscope or not os.access(args.poolscope, os.X_OK):
        parser.error("--poolscope must name the build's poolscope binary")
    if not shutil.which("pg_activity"):
        say("pg_activity not found: install the Debian package 'pg-activity'")
        return 1
    run = Run(args)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(signum)

    signal.signal(signal.SIGTERM, on_signal)
    try:
        return run.measure()
    except StageError as exc:
        say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 1
    finally:
        run.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
