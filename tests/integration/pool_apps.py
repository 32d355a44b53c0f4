#!/usr/bin/python3
"""Small applications that own real connection pools the way libraries in the field report them, for
tests/integration/tst_poolsources.cpp. Each holds a known number of connections to a real PostgreSQL
outside its own tracking, binds 127.0.0.1 on a free port, prints "PORT <n>" once everything is held, and
exits when its parent dies, on SIGTERM, or after --max-seconds.

    pool_apps.py sqlalchemy --conninfo DSN --app-name NAME
        SQLAlchemy's QueuePool (size 5, max_overflow 3): 4 connections checked out untracked, 2 tracked,
        1 back in the pool. GET /health: {"db": {"pool": QueuePool.status(), "checkedout", "checkedin",
        "overflow", "size", "limit"}, "tracking": {"active"}}; GET /status-only: the status() string alone.
    pool_apps.py prometheus --conninfo DSN --app-name NAME
        two psycopg_pool pools in one process: main (min 3, max 10; 2 untracked + 1 tracked) and batch
        (min 2, max 6; 1 untracked + 2 tracked). GET /otel: OpenTelemetry names; GET /hikaricp: Micrometer's
        HikariCP names; both with the app's gauge app_tracked_connections{pool=...}.
    pool_apps.py gosql --conninfo DSN --app-name NAME
        a database/sql-like set of plain connections, max open 12: 2 in use untracked, 2 in use tracked,
        1 idle. GET /metrics: client_golang's DB stats collector names (label db_name="billing") and
        app_tracked_connections{db_name="billing"}.

    pool_apps.py probe-psycopg --conninfo DSN --app-name NAME
        a psycopg_pool pool (min 6, max 12) with the PoolScope probe (resources/probes): 3 connections checked
        out untracked in two places, 1 tracked, 1 untracked whose backend is then terminated (a dead connection
        in the pool), and 1 plain connection outside the pool. GET /health: seed-like JSON with "holders";
        GET /truth: the untracked pids alive with their expected code location, the dead pid, the outside pid.
    pool_apps.py probe-sqlalchemy --conninfo DSN --app-name NAME
        SQLAlchemy's QueuePool (size 5) with the probe: 3 untracked (two places), 1 tracked, 1 back in the
        pool. GET /health and GET /truth as above.

Standard library, psycopg 3, and Debian's python3-sqlalchemy, python3-psycopg-pool, python3-prometheus-client.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg


def connect(conninfo: str, app_name: str):
    return psycopg.connect(conninfo, application_name=app_name, autocommit=True, connect_timeout=10)


def exposition(families: list[tuple[str, str, list[tuple[dict, float]]]]) -> tuple[bytes, str]:
    """Prometheus text of gauges [(name, help, [(labels, value)])], written by prometheus_client."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    class Snapshot:
        def collect(self):
            for name, help_text, samples in families:
                labels = sorted(samples[0][0]) if samples else []
                kind = CounterMetricFamily if name.endswith("_total") else GaugeMetricFamily
                family = kind(name[:-len("_total")] if kind is CounterMetricFamily else name, help_text,
                              labels=labels)
                for sample_labels, value in samples:
                    family.add_metric([sample_labels[k] for k in labels], value)
                yield family

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Snapshot())
    return generate_latest(registry), CONTENT_TYPE_LATEST


# ---- SQLAlchemy ---------------------------------------------------------------------------------

class SqlAlchemyApp:
    UNTRACKED, TRACKED, SIZE, MAX_OVERFLOW = 4, 2, 5, 3

    def __init__(self, args) -> None:
        from sqlalchemy.pool import QueuePool

        self.pool = QueuePool(lambda: connect(args.conninfo, args.app_name), pool_size=self.SIZE,
                              max_overflow=self.MAX_OVERFLOW, timeout=10)
        self.lock = threading.Lock()
        self.untracked = [self.pool.connect() for _ in range(self.UNTRACKED)]
        self.tracked = [self.pool.connect() for _ in range(self.TRACKED)]
        self.pool.connect().close()  # opened, then back in the pool: checkedin 1
        for conn in self.untracked + self.tracked:
            conn.cursor().execute("SELECT 1")

    def routes(self, path: str):
        with self.lock:
            status = self.pool.status()
            db = {"pool": status, "checkedout": self.pool.checkedout(), "checkedin": self.pool.checkedin(),
                  "overflow": self.pool.overflow(), "size": self.pool.size(),
                  "limit": self.pool.size() + self.MAX_OVERFLOW}
            tracking = {"active": len(self.tracked)}
        if path == "/health":
            return json.dumps({"status": "ok", "db": db, "tracking": tracking}).encode(), "application/json"
        if path == "/status-only":
            return json.dumps({"db": {"pool": status}, "tracking": tracking}).encode(), "application/json"
        return None


# ---- two psycopg_pool pools, OpenTelemetry and HikariCP names ---------------------------------------

class PrometheusApp:
    # name, min, max, untracked, tracked
    POOLS = [("main", 3, 10, 2, 1), ("batch", 2, 6, 1, 2)]

    def __init__(self, args) -> None:
        from psycopg_pool import ConnectionPool

        self.lock = threading.Lock()
        self.pools = {}
        for name, low, high, untracked, tracked in self.POOLS:
            pool = ConnectionPool(args.conninfo, min_size=low, max_size=high, name=name, open=True,
                                  kwargs={"application_name": f"{args.app_name}-{name}", "autocommit": True})
            pool.wait(timeout=30)
            held_untracked = [pool.getconn(timeout=10) for _ in range(untracked)]
            held_tracked = [pool.getconn(timeout=10) for _ in range(tracked)]
            self.pools[name] = (pool, held_untracked, held_tracked)

    def snapshot(self):
        with self.lock:
            return [(name, pool.get_stats(), len(tracked)) for name, (pool, _, tracked) in self.pools.items()]

    def routes(self, path: str):
        rows = self.snapshot()
        tracked = ("app_tracked_connections", "Connections the app's tracker holds",
                   [({"pool": name}, count) for name, _, count in rows])
        if path == "/otel":
            label = "db_client_connection_pool_name"
            used = [({label: n, "db_client_connection_state": "used"},
                     s.get("pool_size", 0) - s.get("pool_available", 0)) for n, s, _ in rows]
            idle = [({label: n, "db_client_connection_state": "idle"}, s.get("pool_available", 0))
                    for n, s, _ in rows]
            return exposition([
                ("db_client_connection_count", "Connections by state", used + idle),
                ("db_client_connection_max", "Pool limit", [({label: n}, s["pool_max"]) for n, s, _ in rows]),
                ("db_client_connection_idle_min", "Pool minimum", [({label: n}, s["pool_min"]) for n, s, _ in rows]),
                ("db_client_connection_pending_requests", "Waiting",
                 [({label: n}, s.get("requests_waiting", 0)) for n, s, _ in rows]),
                tracked])
        if path == "/hikaricp":
            def per_pool(value):
                return [({"pool": n}, value(s)) for n, s, _ in rows]
            return exposition([
                ("hikaricp_connections_active", "Active", per_pool(lambda s: s.get("pool_size", 0)
                                                                   - s.get("pool_available", 0))),
                ("hikaricp_connections_idle", "Idle", per_pool(lambda s: s.get("pool_available", 0))),
                ("hikaricp_connections", "Total", per_pool(lambda s: s.get("pool_size", 0))),
                ("hikaricp_connections_max", "Max", per_pool(lambda s: s["pool_max"])),
                ("hikaricp_connections_min", "Min", per_pool(lambda s: s["pool_min"])),
                ("hikaricp_connections_pending", "Pending", per_pool(lambda s: s.get("requests_waiting", 0))),
                ("hikaricp_connections_timeout_total", "Timeouts", per_pool(lambda s: 0)),
                tracked])
        return None


# ---- Go database/sql, as client_golang's collector reports it -----------------------------------------

class GoSqlApp:
    DB_NAME, MAX_OPEN, UNTRACKED, TRACKED, IDLE = "billing", 12, 2, 2, 1

    def __init__(self, args) -> None:
        self.in_use_untracked = [connect(args.conninfo, args.app_name) for _ in range(self.UNTRACKED)]
        self.in_use_tracked = [connect(args.conninfo, args.app_name) for _ in range(self.TRACKED)]
        self.idle = [connect(args.conninfo, args.app_name) for _ in range(self.IDLE)]

    def routes(self, path: str):
        if path != "/metrics":
            return None
        labels = {"db_name": self.DB_NAME}
        in_use = len(self.in_use_untracked) + len(self.in_use_tracked)
        return exposition([
            ("go_sql_max_open_connections", "Maximum number of open connections", [(labels, self.MAX_OPEN)]),
            ("go_sql_open_connections", "Established connections, in use and idle", [(labels, in_use + len(self.idle))]),
            ("go_sql_in_use_connections", "Connections in use", [(labels, in_use)]),
            ("go_sql_idle_connections", "Idle connections", [(labels, len(self.idle))]),
            ("go_sql_wait_count_total", "Connections waited for", [(labels, 0)]),
            ("go_sql_wait_duration_seconds_total", "Time blocked waiting", [(labels, 0)]),
            ("go_sql_max_idle_closed_total", "Closed by SetMaxIdleConns", [(labels, 0)]),
            ("go_sql_max_lifetime_closed_total", "Closed by SetConnMaxLifetime", [(labels, 0)]),
            ("app_tracked_connections", "Connections the app's tracker holds",
             [(labels, len(self.in_use_tracked))]),
        ])


# ---- the PoolScope probe on real pools ---------------------------------------------------------------

sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "resources",
                                "probes"))


def here(offset: int = 1) -> str:
    """The code location of the line `offset` lines below the caller's, as PoolScope shows it."""
    frame = sys._getframe(1)
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno + offset} in {frame.f_code.co_name}()"


class ProbeApp:
    """Common to both probe apps: the truth and the health payload."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.truth = {"untracked": {}, "dead": [], "outside": []}  # untracked: pid -> location

    def counts(self) -> tuple[int, int]:
        raise NotImplementedError

    def routes(self, path: str):
        if path == "/truth":
            return json.dumps(self.truth).encode(), "application/json"
        if path != "/health":
            return None
        with self.lock:
            checked_out, tracked = self.counts()
            holders = self.probe.holders()
        body = {"pool": {"checked_out": checked_out, "pool_idle": self.idle()}, "tracking": {"tracked": tracked},
                "holders": holders}
        return json.dumps(body).encode(), "application/json"


class ProbePsycopgApp(ProbeApp):
    def __init__(self, args) -> None:
        super().__init__()
        import poolscope_probe
        from psycopg_pool import ConnectionPool

        # Outside the pool, and older than any of the pool's idle connections.
        self.outside = connect(args.conninfo, args.app_name)
        self.truth["outside"].append(self.outside.info.backend_pid)
        time.sleep(0.2)
        self.pool = ConnectionPool(args.conninfo, min_size=6, max_size=12, name="probe", open=True,
                                   kwargs={"application_name": args.app_name, "autocommit": True})
        self.pool.wait(timeout=30)
        self.probe = poolscope_probe.install(self.pool)
        self.held = [self.refresh_odds() for _ in range(2)] + [self.export_report()]
        self.dead = self.export_report()
        pid = self.dead.info.backend_pid
        del self.truth["untracked"][pid]
        self.truth["dead"].append(pid)
        with psycopg.connect(args.conninfo, application_name="pool_apps-admin", autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        self.tracked = self.pool.getconn(timeout=10)
        self.probe.mark_tracked(self.tracked, route="/api/bets")
        self.tracked.execute("SELECT 1")
        # PoolScope calls a claimed pid dead only once it was taken 5 s before the snapshot (a younger one may just
        # be newer than the snapshot): be ready after that.
        time.sleep(5.5)

    def refresh_odds(self):
        self.truth["untracked"][0] = here()
        conn = self.pool.getconn(timeout=10)
        self.truth["untracked"][conn.info.backend_pid] = self.truth["untracked"].pop(0)
        conn.execute("SELECT 1")
        return conn

    def export_report(self):
        self.truth["untracked"][0] = here()
        conn = self.pool.getconn(timeout=10)
        self.truth["untracked"][conn.info.backend_pid] = self.truth["untracked"].pop(0)
        conn.execute("SELECT 2")
        return conn

    def counts(self) -> tuple[int, int]:
        stats = self.pool.get_stats()
        return stats.get("pool_size", 0) - stats.get("pool_available", 0), 1

    def idle(self) -> int:
        return self.pool.get_stats().get("pool_available", 0)


class ProbeSqlAlchemyApp(ProbeApp):
    def __init__(self, args) -> None:
        super().__init__()
        import poolscope_probe
        from sqlalchemy.pool import QueuePool

        self.pool = QueuePool(lambda: connect(args.conninfo, args.app_name), pool_size=5, max_overflow=3, timeout=10)
        self.probe = poolscope_probe.install(self.pool)
        self.held = [self.settle_bets() for _ in range(2)] + [self.nightly_job()]
        self.tracked = self.pool.connect()
        self.probe.mark_tracked(self.tracked, route="settlement")
        self.tracked.cursor().execute("SELECT 1")
        self.pool.connect().close()  # opened, then back in the pool

    def _pid(self, fairy) -> int:
        cur = fairy.cursor()
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]

    def settle_bets(self):
        location = here()
        fairy = self.pool.connect()
        self.truth["untracked"][self._pid(fairy)] = location
        return fairy

    def nightly_job(self):
        location = here()
        fairy = self.pool.connect()
        self.truth["untracked"][self._pid(fairy)] = location
        return fairy

    def counts(self) -> tuple[int, int]:
        return self.pool.checkedout(), 1

    def idle(self) -> int:
        return self.pool.checkedin()


APPS = {"sqlalchemy": SqlAlchemyApp, "probe-psycopg": ProbePsycopgApp, "probe-sqlalchemy": ProbeSqlAlchemyApp, "prometheus": PrometheusApp, "gosql": GoSqlApp}


def serve(app) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            answer = app.routes(self.path)
            if answer is None:
                self.send_error(404)
                return
            body, content_type = answer
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(APPS))
    parser.add_argument("--conninfo", required=True)
    parser.add_argument("--app-name", required=True, help="application_name of every connection")
    parser.add_argument("--max-seconds", type=float, default=300, help="exit after this long in any case")
    args = parser.parse_args(argv)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    parent = os.getppid()
    app = APPS[args.kind](args)
    server = serve(app)
    print(f"PORT {server.server_address[1]}", flush=True)
    deadline = time.monotonic() + args.max_seconds
    while not stop.wait(0.2):
        if os.getppid() != parent or time.monotonic() > deadline:
            break
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
