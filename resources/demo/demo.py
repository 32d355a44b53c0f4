#!/usr/bin/python3
"""PoolScope demo orchestrator: a throw-away PostgreSQL plus four pool-owning services.

It reproduces the seed's situation live (seed/untracked-connections-analysis.md): three processes
(web, worker_odds, worker_settlement) whose pools hold 15 connections that their own tracking
does not know about, serving the seed's JSON. A fourth, reports, serves Prometheus text with
OpenTelemetry names instead (db_client_connection_*, and its own tracked gauge) and holds 3 more.

    demo.py up   --state DIR [--leak-per-minute R]   start everything, write DIR/state.json and
                                                     DIR/workspace.json, print the workspace path
    demo.py down --state DIR [--keep]                stop everything, remove DIR (unless --keep)
    demo.py run  [--state DIR] [--leak-per-minute R] [--keep]
                                                     up, print POOLSCOPE_DEMO_WORKSPACE=<path>, wait for
                                                     stdin EOF / SIGTERM / SIGINT, then down

Standard library + psycopg 3 only; run with /usr/bin/python3 (Debian's python3-psycopg, python3-flask,
python3-psycopg-pool, python3-prometheus-client) and PostgreSQL server binaries (Debian package 'postgresql').
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVICE_SCRIPT = os.path.join(HERE, "demo_service.py")
DATABASE = "poolscope_demo"
LIMITED_ROLE = "poolscope_limited"
READY_DEADLINE = 30.0
STOP_GRACE = 5.0

# name, kind, pool min, pool max, untracked idle, untracked idle in transaction  (7+1 + 4 + 2+1 = 15, + 3)
SERVICES = [
    ("web", "web", 4, 20, 7, 1),
    ("worker_odds", "worker", 2, 10, 4, 0),
    ("worker_settlement", "worker", 2, 10, 2, 1),
    ("reports", "worker", 2, 8, 3, 0),
]
# Services whose target reads Prometheus text (/metrics, OpenTelemetry names) instead of the seed's JSON, and
# the selector of the gauge that holds their own tracked count.
METRICS_SERVICES = {"reports": 'app_db_connections_tracked{pool="reports"}'}

# Files and folders `up` creates inside DIR; `down` removes only these (never a whole foreign folder).
OWNED_ENTRIES = ["pgdata", "postgres.log", "state.json", "workspace.json", "watchdog.log"] + [
    f"{name}.log" for name, *_ in SERVICES]


class DemoError(Exception):
    pass


def say(message: str) -> None:
    print(f"demo: {message}", file=sys.stderr, flush=True)


def tail(path: str, lines: int = 25) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 16384))
            text = handle.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"(no log: {exc})"
    body = "\n".join(text.splitlines()[-lines:])
    return body if body.strip() else "(log is empty)"


# ---- processes ------------------------------------------------------------------------------

def process_state(pid: int) -> str | None:
    """'R', 'S', 'Z', ... from /proc, or None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read().decode("utf-8", "replace")
        return data[data.rindex(")") + 2:].split()[0]
    except (OSError, ValueError, IndexError):
        return None


def reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def alive(pid: int | None, must_contain: str | None = None) -> bool:
    """True if pid is a live (non-zombie) process, whose command line holds must_contain if given."""
    if not pid or pid <= 0:
        return False
    reap(pid)
    state = process_state(pid)
    if state is None or state in ("Z", "X"):
        return False
    if must_contain and must_contain not in cmdline(pid):
        return False
    return True


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    remaining = [pid for pid in pids if alive(pid)]
    while remaining and time.monotonic() < deadline:
        time.sleep(0.05)
        remaining = [pid for pid in remaining if alive(pid)]
    return remaining


def send(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def free_ports(count: int) -> list[int]:
    sockets, ports = [], []
    try:
        while len(ports) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in sockets:
            sock.close()
    return ports


# ---- PostgreSQL -----------------------------------------------------------------------------

def pg_bin(name: str) -> str:
    candidates = []
    bindir = os.environ.get("POOLSCOPE_PG_BINDIR")
    if bindir:
        candidates.append(os.path.join(bindir, name))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda p: [int(x) if x.isdigit() else 0 for x in p.split("/")[-2].split(".")],
                      reverse=True)
    candidates += [os.path.join(v, name) for v in versions]
    found = shutil.which(name)
    if found:
        candidates.append(found)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise DemoError(f"'{name}' not found (looked in $POOLSCOPE_PG_BINDIR, /usr/lib/postgresql/*/bin and PATH): "
                    "install the PostgreSQL server, Debian package 'postgresql' (e.g. apt-get install postgresql)")


class RunAs:
    """Who runs initdb/postgres: 'postgres' when we are root (PostgreSQL refuses root), else ourselves."""

    def __init__(self) -> None:
        self.is_root = os.geteuid() == 0
        if self.is_root:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise DemoError("running as root but there is no 'postgres' user to run PostgreSQL as: "
                                "install the Debian package 'postgresql' or run the demo as a normal user") from exc
            self.user, self.uid, self.gid = "postgres", entry.pw_uid, entry.pw_gid
        else:
            entry = pwd.getpwuid(os.geteuid())
            self.user, self.uid, self.gid = entry.pw_name, os.geteuid(), os.getegid()

    def command(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", self.user, "--"] + argv if self.is_root else argv

    def popen_kwargs(self) -> dict:
        if self.is_root:
            return {"user": self.uid, "group": self.gid, "extra_groups": []}
        return {}


def prepare_dir(state_dir: str, runas: RunAs) -> None:
    os.makedirs(state_dir, exist_ok=True)
    os.chmod(state_dir, 0o755)
    if runas.is_root:
        os.chown(state_dir, runas.uid, runas.gid)
        # The postgres user must reach DIR: check every ancestor is searchable by it.
        probe = subprocess.run(runas.command(["test", "-w", state_dir, "-a", "-x", state_dir]),
                               capture_output=True, check=False)
        if probe.returncode != 0:
            raise DemoError(f"{state_dir}: the 'postgres' user cannot write there (a parent folder is not "
                            "searchable by others?): use a --state folder under /tmp")


INITDB_ARGS = ["-U", "postgres", "--auth=trust", "--no-sync", "--locale=C", "--encoding=UTF8", "--no-instructions"]


def template_cache(initdb: str, runas: RunAs) -> str | None:
    """Where a pristine initdb result is kept, so later 'up's copy it instead of running initdb (seconds on a
    busy machine). A private folder (0700, ours) in the temp dir, keyed by the initdb binary and options;
    POOLSCOPE_DEMO_NO_CACHE=1 disables it, POOLSCOPE_DEMO_CACHE=DIR moves it."""
    if os.environ.get("POOLSCOPE_DEMO_NO_CACHE") or not shutil.which("cp"):
        return None
    root = os.environ.get("POOLSCOPE_DEMO_CACHE") or os.path.join(
        tempfile.gettempdir(), f"poolscope-demo-cache-{os.geteuid()}")
    try:
        os.makedirs(root, mode=0o700, exist_ok=True)
        info = os.lstat(root)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
            say(f"{root}: not a private folder of ours: not caching initdb")
            return None
        binary = os.stat(os.path.realpath(initdb))
    except OSError as exc:
        say(f"initdb cache unavailable ({exc})")
        return None
    key = hashlib.sha256(json.dumps([os.path.realpath(initdb), binary.st_size, binary.st_mtime_ns, runas.uid,
                                     runas.gid, INITDB_ARGS]).encode()).hexdigest()[:16]
    return os.path.join(root, f"pgdata-{key}")


def make_pgdata(initdb: str, runas: RunAs, state_dir: str, pgdata: str) -> str:
    """Creates pgdata: a copy of the cached initdb result, or initdb (then cached). Returns what it did."""
    cached = template_cache(initdb, runas)
    log_path = os.path.join(state_dir, "postgres.log")
    if cached and os.path.isfile(os.path.join(cached, "PG_VERSION")):
        result = subprocess.run(["cp", "-a", cached, pgdata], capture_output=True, check=False)
        if result.returncode == 0:
            with open(log_path, "w", encoding="utf-8") as log:
                log.write(f"pgdata copied from the initdb cache {cached}\n")
            return "pgdata from the initdb cache"
        say(f"copying the initdb cache failed ({result.stderr.decode(errors='replace').strip()}): running initdb")
        shutil.rmtree(pgdata, ignore_errors=True)
    with open(log_path, "wb") as log:
        result = subprocess.run(runas.command([initdb, "-D", pgdata] + INITDB_ARGS), stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False, cwd=state_dir)
    if result.returncode != 0:
        raise DemoError(f"initdb failed with status {result.returncode}; tail of {log_path}:\n{tail(log_path)}")
    if cached:
        partial = f"{cached}.tmp-{os.getpid()}"
        copied = subprocess.run(["cp", "-a", pgdata, partial], capture_output=True, check=False)
        try:
            if copied.returncode == 0:
                os.rename(partial, cached)  # atomic: a concurrent 'up' sees all of it or nothing
        except OSError:
            pass  # another 'up' cached it first
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return "initdb"


def write_json(path: str, data: dict) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, path)


def read_json(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def connect(conninfo: str, **kwargs):
    import psycopg  # imported late so 'down' works even without psycopg

    return psycopg.connect(conninfo, **kwargs)


def wait_postgres(proc: subprocess.Popen, port: int, log_path: str) -> None:
    import psycopg

    deadline = time.monotonic() + READY_DEADLINE
    last_error = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DemoError(f"postgres exited with status {proc.returncode} while starting; "
                            f"tail of {log_path}:\n{tail(log_path)}")
        try:
            with psycopg.connect(f"host=127.0.0.1 port={port} dbname=postgres user=postgres connect_timeout=2"):
                return
        except psycopg.OperationalError as exc:
            last_error = str(exc).strip()
        time.sleep(0.05)
    raise DemoError(f"postgres did not accept connections on 127.0.0.1:{port} within {READY_DEADLINE:.0f} s "
                    f"({last_error}); tail of {log_path}:\n{tail(log_path)}")


SCHEMA_SQL = """
CREATE TABLE settings (key text PRIMARY KEY, value jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, balance numeric(12,2) NOT NULL DEFAULT 0,
                    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bets (id bigserial PRIMARY KEY, user_id integer NOT NULL REFERENCES users(id), status text NOT NULL,
                   stake numeric(10,2) NOT NULL, odds numeric(6,2) NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX bets_user_status ON bets (user_id, status);
CREATE TABLE odds (id integer PRIMARY KEY, event text NOT NULL, market text NOT NULL, price numeric(8,2) NOT NULL,
                   updated_at timestamptz NOT NULL DEFAULT now());
INSERT INTO settings (key, value) VALUES
    ('feature_flags', '{"live_betting": true, "cash_out": true, "new_odds_feed": false}'),
    ('rate_limits', '{"bets_per_minute": 30, "api_per_second": 20}'),
    ('maintenance', '{"enabled": false}');
INSERT INTO users (id, name, balance, created_at)
    SELECT i, 'user_' || i, round((random() * 1000)::numeric, 2), now() - i * interval '1 day'
    FROM generate_series(1, 100) AS i;
INSERT INTO bets (user_id, status, stake, odds, created_at)
    SELECT 1 + (i % 100), (ARRAY['open', 'open', 'settled', 'void'])[1 + i % 4],
           round((1 + random() * 99)::numeric, 2), round((1.1 + random() * 9)::numeric, 2),
           now() - (i % 72) * interval '1 hour'
    FROM generate_series(1, 2000) AS i;
INSERT INTO odds (id, event, market, price)
    SELECT i, 'event_' || (1 + i / 3), (ARRAY['match_winner', 'total_goals', 'both_teams_score'])[1 + i % 3],
           round((1.1 + random() * 9)::numeric, 2)
    FROM generate_series(1, 200) AS i;
ANALYZE;
"""


def create_database(port: int) -> None:
    admin = f"host=127.0.0.1 port={port} dbname=postgres user=postgres"
    with connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DATABASE}")
        conn.execute(f"CREATE ROLE {LIMITED_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
    with connect(f"host=127.0.0.1 port={port} dbname={DATABASE} user=postgres") as conn:
        conn.execute(SCHEMA_SQL)
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {LIMITED_ROLE}")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {LIMITED_ROLE}")


# ---- up / down ------------------------------------------------------------------------------

def live_pids(state: dict) -> list[tuple[str, int]]:
    found = []
    for service in state.get("services") or []:
        pid = service.get("pid")
        if isinstance(pid, int) and alive(pid, "demo_service.py"):
            found.append((service.get("name", "?"), pid))
    pg_pid = state.get("pg_pid")
    if isinstance(pg_pid, int) and alive(pg_pid, "postgres"):
        found.append(("postgres", pg_pid))
    watchdog = state.get("watchdog_pid")
    if isinstance(watchdog, int) and watchdog != os.getpid() and alive(watchdog, "demo.py"):
        found.append(("watchdog", watchdog))
    return found


def up(state_dir: str, leak_per_minute: float, parent_pid: int = 0, announce: bool = True) -> dict:
    started = time.monotonic()
    state_dir = os.path.abspath(state_dir)
    state_path = os.path.join(state_dir, "state.json")
    old = read_json(state_path)
    if old is not None:
        live = live_pids(old)
        if live:
            names = ", ".join(f"{name} (pid {pid})" for name, pid in live)
            raise DemoError(f"{state_path} names live processes: {names}; run "
                            f"'{sys.argv[0]} down --state {state_dir}' first")
        say(f"{state_path} is stale: cleaning it first")
        down(state_dir, keep=False, quiet=True)
    elif os.path.isdir(os.path.join(state_dir, "pgdata")):
        say(f"{state_dir} holds a half-started demo: cleaning it first")
        down(state_dir, keep=False, quiet=True)

    initdb = pg_bin("initdb")
    postgres = pg_bin("postgres")
    runas = RunAs()
    prepare_dir(state_dir, runas)
    socket_dir = state_dir
    if len(os.path.join(socket_dir, ".s.PGSQL.65535.lock")) > 100:  # sun_path is 108 bytes
        socket_dir = tempfile.mkdtemp(prefix="poolscope-sock-")
        os.chmod(socket_dir, 0o755)
        if runas.is_root:
            os.chown(socket_dir, runas.uid, runas.gid)

    pg_port, *service_ports = free_ports(1 + len(SERVICES))
    pgdata = os.path.join(state_dir, "pgdata")
    conninfo = f"host=127.0.0.1 port={pg_port} dbname={DATABASE} user=postgres"
    state = {
        "status": "starting",
        "pgdata": pgdata,
        "pg_port": pg_port,
        "pg_pid": None,
        "socket_dir": socket_dir,
        "database": DATABASE,
        "conninfo": conninfo,
        "limited_conninfo": f"host=127.0.0.1 port={pg_port} dbname={DATABASE} user={LIMITED_ROLE}",
        "services": [],
        "workspace": os.path.join(state_dir, "workspace.json"),
    }
    write_json(state_path, state)

    try:
        t0 = time.monotonic()
        how = make_pgdata(initdb, runas, state_dir, pgdata)
        say(f"{how}: {time.monotonic() - t0:.2f} s")

        t0 = time.monotonic()
        log_path = os.path.join(state_dir, "postgres.log")
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [postgres, "-D", pgdata, "-p", str(pg_port), "-k", socket_dir,
                 "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off",
                 "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "shared_buffers=32MB",
                 "-c", "logging_collector=off"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=state_dir,
                start_new_session=True, **runas.popen_kwargs())
        state["pg_pid"] = proc.pid
        write_json(state_path, state)
        wait_postgres(proc, pg_port, log_path)
        create_database(pg_port)
        say(f"postgres ready on 127.0.0.1:{pg_port} (pid {proc.pid}) with database {DATABASE}: "
            f"{time.monotonic() - t0:.2f} s")

        t0 = time.monotonic()
        procs = []
        for (name, kind, pool_min, pool_max, untracked, in_tx), port in zip(SERVICES, service_ports):
            argv = [sys.executable, SERVICE_SCRIPT, "--name", name, "--port", str(port), "--conninfo", conninfo,
                    "--application-name", name, "--pool-min", str(pool_min), "--pool-max", str(pool_max),
                    "--untracked", str(untracked), "--untracked-in-transaction", str(in_tx), "--kind", kind,
                    "--leak-per-minute", str(leak_per_minute if name == "web" else 0)]
            if name in METRICS_SERVICES:
                argv.append("--metrics")
            if parent_pid:
                argv += ["--parent-pid", str(parent_pid)]
            service_log = os.path.join(state_dir, f"{name}.log")
            with open(service_log, "ab") as log:
                service_proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                                stderr=subprocess.STDOUT, cwd=state_dir, start_new_session=True)
            procs.append((name, service_proc, service_log))
            state["services"].append({
                "name": name,
                "pid": service_proc.pid,
                "port": port,
                "url": f"http://127.0.0.1:{port}/" + ("metrics" if name in METRICS_SERVICES else "health/detailed"),
                "health_url": f"http://127.0.0.1:{port}/health/detailed",
                "format": "prometheus" if name in METRICS_SERVICES else "json",
                "admin_url": f"http://127.0.0.1:{port}/admin",
                "application_name": name,
                "untracked": untracked + in_tx,
                "pool_min": pool_min,
                "pool_max": pool_max,
            })
            write_json(state_path, state)
        for (name, service_proc, service_log), service in zip(procs, state["services"]):
            wait_service(name, service_proc, service["health_url"], service_log)
        say(f"services ready: {time.monotonic() - t0:.2f} s")
    except BaseException as exc:
        say("up failed: stopping what was started (logs kept in {})".format(state_dir))
        with contextlib.suppress(Exception):
            down(state_dir, keep=True, quiet=True)
        if isinstance(exc, DemoError):
            raise
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise DemoError(f"up failed: {type(exc).__name__}: {exc}") from exc

    workspace = {
        "version": 1,
        "targets": [demo_target(s) for s in state["services"]],
        "databases": [{"name": "demo", "conninfo": conninfo, "interval": 1}],
        "thresholds": {"discrepancy_warning": 20, "discrepancy_critical": 25},
    }
    write_json(state["workspace"], workspace)
    state["status"] = "up"
    state["up_seconds"] = round(time.monotonic() - started, 2)
    write_json(state_path, state)
    say(f"up in {state['up_seconds']:.2f} s: web, worker_odds, worker_settlement hold 15 untracked connections, "
        f"reports (Prometheus, OpenTelemetry names) 3 more (state {state_path})")
    if announce:
        print(state["workspace"], flush=True)
    return state


def demo_target(service: dict) -> dict:
    """The workspace target of one demo service: the Prometheus one names its pool and maps its tracked gauge."""
    target = {"name": service["name"], "url": service["url"], "profile": "auto", "interval": 1, "timeout": 2,
              "application_name": service["application_name"], "database": "demo"}
    selector = METRICS_SERVICES.get(service["name"])
    if selector:
        target["pool"] = service["name"]
        target["fields"] = {"tracked": selector}
    return target


def wait_service(name: str, proc: subprocess.Popen, url: str, log_path: str) -> None:
    deadline = time.monotonic() + READY_DEADLINE
    last_error = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DemoError(f"service {name} exited with status {proc.returncode} while starting; "
                            f"tail of {log_path}:\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    json.loads(response.read())
                    return
                last_error = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last_error = str(exc)
        time.sleep(0.05)
    raise DemoError(f"service {name} did not answer {url} with 200 within {READY_DEADLINE:.0f} s ({last_error}); "
                    f"tail of {log_path}:\n{tail(log_path)}")


def stray_services(state_dir: str) -> list[int]:
    """demo_service.py processes whose working directory is state_dir (for a state.json that was lost)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        if "demo_service.py" not in cmdline(pid):
            continue
        with contextlib.suppress(OSError):
            if os.path.realpath(os.readlink(f"/proc/{pid}/cwd")) == os.path.realpath(state_dir) and alive(pid):
                found.append(pid)
    return found


def postmaster_pid(pgdata: str) -> int | None:
    try:
        with open(os.path.join(pgdata, "postmaster.pid"), encoding="utf-8") as handle:
            return int(handle.readline().strip())
    except (OSError, ValueError):
        return None


def down(state_dir: str, keep: bool, quiet: bool = False) -> bool:
    """Stops everything DIR's demo started. True when nothing is left running."""
    state_dir = os.path.abspath(state_dir)
    state = read_json(os.path.join(state_dir, "state.json")) or {}
    ok = True

    watchdog = state.get("watchdog_pid")
    if isinstance(watchdog, int) and watchdog != os.getpid() and alive(watchdog, "demo.py"):
        send(watchdog, signal.SIGTERM)

    services = [s.get("pid") for s in state.get("services") or [] if isinstance(s, dict)]
    pids = {pid for pid in services if isinstance(pid, int) and alive(pid, "demo_service.py")}
    if os.path.isdir(state_dir):
        pids.update(stray_services(state_dir))
    for pid in pids:
        send(pid, signal.SIGTERM)
    left = wait_gone(sorted(pids), STOP_GRACE)
    for pid in left:
        say(f"service pid {pid} ignored SIGTERM: SIGKILL")
        send(pid, signal.SIGKILL)
    if wait_gone(left, 2.0):
        ok = False

    pgdata = state.get("pgdata") or os.path.join(state_dir, "pgdata")
    pg_pids = {pid for pid in (state.get("pg_pid"), postmaster_pid(pgdata))
               if isinstance(pid, int) and alive(pid, "postgres")}
    for pid in pg_pids:
        send(pid, signal.SIGINT)  # fast shutdown, like pg_ctl stop -m fast
    left = wait_gone(sorted(pg_pids), 10.0)
    for pid in left:
        say(f"postgres pid {pid} still running after a fast shutdown request: immediate shutdown")
        send(pid, signal.SIGQUIT)
    left = wait_gone(left, 5.0)
    for pid in left:
        send(pid, signal.SIGKILL)
    if wait_gone(left, 2.0):
        ok = False

    socket_dir = state.get("socket_dir")
    if socket_dir and os.path.realpath(socket_dir) != os.path.realpath(state_dir) and \
            os.path.basename(socket_dir).startswith("poolscope-sock-"):
        shutil.rmtree(socket_dir, ignore_errors=True)

    if not keep and os.path.isdir(state_dir):
        for entry in OWNED_ENTRIES:
            path = os.path.join(state_dir, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + ".tmp")
        for leftover in glob.glob(os.path.join(glob.escape(state_dir), ".s.PGSQL.*")):  # a killed postmaster's
            with contextlib.suppress(OSError):
                os.remove(leftover)
        try:
            os.rmdir(state_dir)
        except OSError:
            if os.path.exists(state_dir):
                say(f"{state_dir} is not empty after removing the demo's files: left in place")
    if not quiet:
        say("down: everything stopped" if ok else "down: some processes could not be stopped")
    return ok


# ---- run / watchdog -------------------------------------------------------------------------

def run(state_dir: str | None, leak_per_minute: float, keep: bool) -> int:
    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)

    if state_dir is None:
        state_dir = tempfile.mkdtemp(prefix="poolscope-demo-")
    state_dir = os.path.abspath(state_dir)
    try:
        state = up(state_dir, leak_per_minute, parent_pid=os.getpid(), announce=False)
    except DemoError as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        down(state_dir, keep=keep, quiet=True)
        return 1

    # A watchdog in its own session cleans up if this process is SIGKILLed.
    watchdog_log = os.path.join(state_dir, "watchdog.log")
    with open(watchdog_log, "ab") as log:
        watchdog = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "watchdog", "--state", state_dir, "--pid", str(os.getpid())]
            + (["--keep"] if keep else []),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    state["watchdog_pid"] = watchdog.pid
    write_json(os.path.join(state_dir, "state.json"), state)

    def wait_stdin_eof():
        try:
            while True:
                chunk = os.read(sys.stdin.fileno(), 4096)
                if not chunk:
                    break
        except OSError:
            pass
        stop.set()

    threading.Thread(target=wait_stdin_eof, name="stdin", daemon=True).start()
    try:
        print(f"POOLSCOPE_DEMO_WORKSPACE={state['workspace']}", flush=True)
    except (BrokenPipeError, OSError):
        stop.set()
    say("running: close stdin, or send SIGTERM/SIGINT, to stop")
    while not stop.wait(0.5):
        pass
    say("stopping")
    ok = down(state_dir, keep=keep)
    send(watchdog.pid, signal.SIGTERM)
    with contextlib.suppress(Exception):
        watchdog.wait(timeout=2)
    return 0 if ok else 1


def watchdog(state_dir: str, pid: int, keep: bool) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    state_path = os.path.join(state_dir, "state.json")
    while True:
        time.sleep(0.5)
        state = read_json(state_path)
        if state is None and not os.path.exists(state_path):
            return 0  # a normal 'down' happened
        if not alive(pid):
            say(f"orchestrator pid {pid} died: cleaning up {state_dir}")
            down(state_dir, keep=keep)
            return 0


# ---- command line ---------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="PoolScope demo: PostgreSQL + four pool-owning services")
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="start the demo, print the workspace path")
    p_up.add_argument("--state", required=True, help="folder for pgdata, logs, state.json and workspace.json")
    p_up.add_argument("--leak-per-minute", type=float, default=0.0, help="web leaks R connections a minute")
    p_down = sub.add_parser("down", help="stop the demo and remove its folder")
    p_down.add_argument("--state", required=True)
    p_down.add_argument("--keep", action="store_true", help="keep the folder (logs, pgdata)")
    p_run = sub.add_parser("run", help="up, print POOLSCOPE_DEMO_WORKSPACE=<path>, wait for stdin EOF, down")
    p_run.add_argument("--state", help="folder (default: a fresh temporary folder)")
    p_run.add_argument("--leak-per-minute", type=float, default=0.0)
    p_run.add_argument("--keep", action="store_true")
    p_watch = sub.add_parser("watchdog", help=argparse.SUPPRESS)
    p_watch.add_argument("--state", required=True)
    p_watch.add_argument("--pid", type=int, required=True)
    p_watch.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)

    if getattr(args, "leak_per_minute", 0) and not 0 <= args.leak_per_minute <= 600:
        parser.error("--leak-per-minute: must be between 0 and 600")
    try:
        if args.command == "up":
            up(args.state, args.leak_per_minute)
            return 0
        if args.command == "down":
            return 0 if down(args.state, args.keep) else 1
        if args.command == "run":
            return run(args.state, args.leak_per_minute, args.keep)
        return watchdog(os.path.abspath(args.state), args.pid, args.keep)
    except DemoError as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
