#!/usr/bin/python3
"""PoolScope demo service: one process shaped like the seed's app.

A Flask app with a real psycopg_pool.ConnectionPool, a connection tracker like the seed's
connection_ctx()/get_db_connection(), and connections taken OUTSIDE the tracker (the seed's
"15 untracked connections"): a few at startup kept forever, and optionally a growing leak.

    demo_service.py --name web --port 8001 --conninfo "host=127.0.0.1 port=5432 dbname=poolscope_demo user=postgres" \
        --application-name web --pool-min 4 --pool-max 20 --untracked 7 --untracked-in-transaction 1 --kind web

Endpoints:
    GET  /health                {"status": "ok"}
    GET  /health/detailed       seed-shaped pool + tracking payload, with "holders" (the PoolScope probe)
    GET  /pool/stats            psycopg_pool get_stats(), raw
    GET  /metrics               with --metrics: Prometheus text, OpenTelemetry names (db_client_connection_*)
                                and the app's tracked gauge app_db_connections_tracked{pool=NAME}
    GET  /admin, /admin/state   pids of the untracked and leaked connections, leak switch state
    POST /admin/leak            {"per_minute": R}   R = 0 turns the leak off
    POST /admin/hold            {"route": "/api/bets", "seconds": 40}   hold one TRACKED connection (a tracked leak)
    web only: GET /api/bets, /api/odds, /api/users/<id>

Requires Python 3.11 with Debian's python3-flask (2.2) and python3-psycopg-pool (3.1); --metrics also
python3-prometheus-client.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import signal
import sys
import threading
import time
import urllib.request

import psycopg
from flask import Flask, jsonify, request
from psycopg_pool import ConnectionPool
from werkzeug.serving import make_server

# The PoolScope probe (resources/probes/poolscope_probe.py): every checkout with its backend pid and code location.
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "probes"))
import poolscope_probe  # noqa: E402 - after the path above

LEAK_AFTER_SECONDS = 30.0

WEB_ROUTES = ["/api/bets", "/api/odds", "/api/users/<id>"]
WORKER_JOBS = {
    "worker_odds": ["odds.fetch", "odds.publish"],
    "worker_settlement": ["settlement.run", "settlement.payout"],
    "reports": ["reports.build", "reports.export"],
}

log = logging.getLogger("demo_service")


class ConnectionTracker:
    """Thread-safe per-route counts of tracked connections (the seed's tracking system).

    The lock also serialises "release + putconn" against health reads, so that a health read never
    sees a connection already back in the pool but still counted as active: the discrepancy
    checked_out - total_active is then never below the number of untracked connections.
    """

    def __init__(self, route_names: list[str]) -> None:
        self.lock = threading.Lock()
        self._routes = {name: {"acquired": 0, "released": 0, "active": 0, "leaks": 0} for name in route_names}
        self._active: dict[int, dict] = {}  # id(conn) -> {"route", "since", "leaked"}
        self.total_acquired = 0
        self.total_released = 0
        self.total_leaks = 0

    def _route(self, route: str) -> dict:
        return self._routes.setdefault(route, {"acquired": 0, "released": 0, "active": 0, "leaks": 0})

    def acquired(self, route: str, conn) -> None:
        with self.lock:
            self._record_acquired(route, conn)

    def _record_acquired(self, route: str, conn) -> None:
        entry = self._route(route)
        entry["acquired"] += 1
        entry["active"] += 1
        self.total_acquired += 1
        self._active[id(conn)] = {"route": route, "since": time.monotonic(), "leaked": False}

    def _record_released(self, conn) -> None:
        info = self._active.pop(id(conn), None)
        if info is None:
            return
        entry = self._route(info["route"])
        entry["released"] += 1
        entry["active"] -= 1
        self.total_released += 1

    def check_leaks(self) -> None:
        """Counts every tracked connection held longer than LEAK_AFTER_SECONDS, once. Caller holds the lock."""
        now = time.monotonic()
        for info in self._active.values():
            if not info["leaked"] and now - info["since"] > LEAK_AFTER_SECONDS:
                info["leaked"] = True
                self._route(info["route"])["leaks"] += 1
                self.total_leaks += 1

    def snapshot(self) -> dict:
        """Caller holds the lock."""
        self.check_leaks()
        return {
            "total_active": len(self._active),
            "total_acquired": self.total_acquired,
            "total_released": self.total_released,
            "total_leaks": self.total_leaks,
            "routes": {name: dict(entry) for name, entry in sorted(self._routes.items())},
        }


class DemoService:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.name = args.name
        self.kind = args.kind or ("web" if args.name == "web" else "worker")
        if self.kind == "web":
            routes = WEB_ROUTES
        else:
            routes = WORKER_JOBS.get(args.name, [f"{args.name}.run", f"{args.name}.tick"])
        self.route_names = routes
        self.tracker = ConnectionTracker(routes)
        self.stop = threading.Event()
        self.state_lock = threading.Lock()
        self.untracked: list[tuple[object, int, str]] = []  # (conn, pid, "idle" | "idle in transaction")
        self.leaked: list[tuple[object, int]] = []
        self.leak_per_minute = max(0.0, float(args.leak_per_minute or 0))
        self.leak_started_at: float | None = None
        self.leak_paused_reason: str | None = None
        self.leak_changed = threading.Event()
        self.pool = ConnectionPool(
            args.conninfo,
            min_size=args.pool_min,
            max_size=args.pool_max,
            # autocommit: the last statement pg_stat_activity shows is the query itself, not "COMMIT"
            kwargs={"application_name": args.application_name, "autocommit": True},
            name=args.name,
            open=True,
        )
        # One import and one call: PoolScope then sees which code holds each connection.
        self.probe = poolscope_probe.install(self.pool)
        if self.leak_per_minute > 0:
            self.leak_started_at = time.time()

    # ---- the seed's tracking wrappers -------------------------------------------------------
    @contextlib.contextmanager
    def connection_ctx(self, route: str):
        """Tracked acquisition (the seed's connection_ctx() / get_db_connection())."""
        conn = self.pool.getconn(timeout=10)
        try:
            self.tracker.acquired(route, conn)
            self.probe.mark_tracked(conn, route=route)
        except BaseException:
            self.pool.putconn(conn)
            raise
        try:
            yield conn
            conn.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                conn.rollback()
            raise
        finally:
            with self.tracker.lock:
                self.tracker._record_released(conn)
                self.pool.putconn(conn)

    def _run_tracked(self, route: str, sql: str, params=None, hold_ms: tuple[int, int] = (20, 200)) -> list:
        started = time.monotonic()
        with self.connection_ctx(route) as conn:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                rows = cur.fetchall() if cur.description else []
            hold = random.uniform(hold_ms[0], hold_ms[1]) / 1000.0
            remaining = hold - (time.monotonic() - started)
            if remaining > 0:
                time.sleep(remaining)
        return rows

    # ---- untracked connections --------------------------------------------------------------
    def _prime(self, conn, sql: str, in_transaction: bool, route: str) -> int:
        """Runs `sql` on a connection taken outside the tracker; returns its backend pid."""
        self.probe.set_route(conn, route)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        if in_transaction:
            conn.autocommit = False  # the SELECT opens a transaction that is never committed
        with conn.cursor() as cur:
            cur.execute(sql)
            cur.fetchall()
        return pid

    def warm_settings_cache(self, key: str, in_transaction: bool) -> tuple[object, int]:
        """The seed's mystery: a "startup cache warmer" that takes a connection and never gives it back."""
        conn = self.pool.getconn(timeout=30)  # outside the tracker, on purpose
        return conn, self._prime(conn, f"SELECT key, value FROM settings WHERE key = '{key}'", in_transaction,
                                 "startup cache warmer")

    def take_startup_connections(self) -> None:
        for i in range(self.args.untracked):
            conn, pid = self.warm_settings_cache("feature_flags", in_transaction=False)
            self.untracked.append((conn, pid, "idle"))
        for i in range(self.args.untracked_in_transaction):
            conn, pid = self.warm_settings_cache("rate_limits", in_transaction=True)
            self.untracked.append((conn, pid, "idle in transaction"))

    def leak_loop(self) -> None:
        """A "report export" that leaks one connection every 60/R seconds while the switch is on.

        The first leak happens as soon as the switch is turned on, then one every 60/R seconds.
        """
        next_at: float | None = None
        while not self.stop.is_set():
            with self.state_lock:
                rate = self.leak_per_minute
            if rate <= 0:
                next_at = None
                self.leak_changed.wait(1.0)
                self.leak_changed.clear()
                continue
            now = time.monotonic()
            if next_at is None:
                next_at = now
            if next_at > now:
                if self.leak_changed.wait(min(next_at - now, 1.0)):
                    self.leak_changed.clear()
                    next_at = None  # the rate changed: leak now, then at the new pace
                continue
            next_at = now + 60.0 / rate
            self.leak_once()

    def leak_once(self) -> None:
        stats = self.pool.get_stats()
        checked_out = stats.get("pool_size", 0) - stats.get("pool_available", 0)
        if checked_out >= self.args.pool_max - 2:
            with self.state_lock:
                self.leak_paused_reason = (
                    f"{checked_out} connections are checked out and the pool max is {self.args.pool_max}:"
                    " the demo stops leaking 2 below max so it never deadlocks")
            return
        try:
            conn, pid = self.export_report(random.randint(1, 100))
        except Exception as exc:  # noqa: BLE001 - keep the demo alive
            log.warning("leak: could not take a connection: %s", exc)
            return
        with self.state_lock:
            self.leaked.append((conn, pid))
            self.leak_paused_reason = None
        log.info("leak: report export kept connection pid %d (%d leaked so far)", pid, len(self.leaked))

    def export_report(self, user_id: int) -> tuple[object, int]:
        """A "report export" that forgets to give its connection back."""
        conn = self.pool.getconn(timeout=30)  # outside the tracker, and never returned
        return conn, self._prime(conn, "SELECT count(*) FROM bets WHERE created_at > now() - interval '1 day'"
                                 f" AND user_id = {user_id}", False, "report export")

    def set_leak(self, per_minute: float) -> None:
        with self.state_lock:
            was = self.leak_per_minute
            self.leak_per_minute = per_minute
            if per_minute > 0 and (was <= 0 or self.leak_started_at is None):
                self.leak_started_at = time.time()
            elif per_minute <= 0:
                self.leak_started_at = None
                self.leak_paused_reason = None
        self.leak_changed.set()

    # ---- work -------------------------------------------------------------------------------
    def api_bets(self) -> list:
        user_id = random.randint(1, 100)
        status = random.choice(["open", "open", "settled"])
        return self._run_tracked(
            "/api/bets",
            f"SELECT id, stake, odds, status FROM bets WHERE user_id = {user_id} AND status = '{status}'"
            " ORDER BY created_at DESC LIMIT 20")

    def api_odds(self) -> list:
        market = random.choice(["match_winner", "total_goals", "both_teams_score"])
        return self._run_tracked(
            "/api/odds",
            f"SELECT id, event, market, price FROM odds WHERE market = '{market}' ORDER BY updated_at DESC LIMIT 50")

    def api_user(self, user_id: int) -> list:
        return self._run_tracked(
            "/api/users/<id>", f"SELECT id, name, balance, created_at FROM users WHERE id = {int(user_id)}")

    def run_job(self, job: str) -> None:
        n = random.randint(1, 200)
        if job == "odds.fetch":
            sql = ("SELECT id, event, market, price FROM odds WHERE market = 'match_winner'"
                   " AND updated_at > now() - interval '5 minutes' LIMIT 100")
        elif job == "odds.publish":
            sql = f"UPDATE odds SET price = round(price * 1.01, 2), updated_at = now() WHERE id = {n}"
        elif job == "settlement.run":
            sql = ("SELECT id, user_id, stake, odds FROM bets WHERE status = 'open'"
                   " AND created_at < now() - interval '1 hour' LIMIT 50")
        elif job == "settlement.payout":
            sql = f"UPDATE users SET balance = balance + 12.50 WHERE id = {random.randint(1, 100)}"
        else:
            sql = f"SELECT count(*) FROM bets WHERE user_id = {random.randint(1, 100)}"
        self._run_tracked(job, sql)

    def traffic_loop(self, worker_index: int) -> None:
        """Keeps the process busy so the numbers move: web calls its own HTTP routes, workers run jobs."""
        base = f"http://127.0.0.1:{self.args.port}"
        rng = random.Random(os.getpid() * 31 + worker_index)
        while not self.stop.is_set():
            try:
                if self.kind == "web":
                    choice = rng.random()
                    if choice < 0.45:
                        path = "/api/bets"
                    elif choice < 0.8:
                        path = "/api/odds"
                    else:
                        path = f"/api/users/{rng.randint(1, 100)}"
                    with urllib.request.urlopen(base + path, timeout=10) as response:
                        response.read()
                else:
                    self.run_job(rng.choice(self.route_names))
            except Exception as exc:  # noqa: BLE001 - traffic must keep going
                if not self.stop.is_set():
                    log.warning("traffic: %s", exc)
            self.stop.wait(rng.uniform(0.25, 0.6))

    def hold_tracked(self, route: str, seconds: float) -> None:
        def hold() -> None:
            try:
                with self.connection_ctx(route) as conn:
                    with conn.cursor() as cur:
                        cur.execute(f"SELECT {int(seconds)} AS hold_seconds")
                    self.stop.wait(seconds)
            except Exception as exc:  # noqa: BLE001
                log.warning("hold: %s", exc)

        threading.Thread(target=hold, name="hold", daemon=True).start()

    # ---- payloads ---------------------------------------------------------------------------
    def health_detailed(self) -> dict:
        with self.tracker.lock:
            stats = self.pool.get_stats()  # one call: pool_size and pool_available are consistent
            tracking = self.tracker.snapshot()
            holders = self.probe.holders()  # under the same lock: consistent with the counts
        pool_size = stats.get("pool_size", 0)
        pool_available = stats.get("pool_available", 0)
        checked_out = pool_size - pool_available
        tracking["tracking_discrepancy"] = checked_out - tracking["total_active"]
        ordered_tracking = {
            "total_active": tracking["total_active"],
            "total_acquired": tracking["total_acquired"],
            "total_released": tracking["total_released"],
            "total_leaks": tracking["total_leaks"],
            "tracking_discrepancy": tracking["tracking_discrepancy"],
            "routes": tracking["routes"],
        }
        return {
            "status": "healthy",
            "process": self.name,
            "database": {
                "pool": {
                    "checked_out": checked_out,
                    "pool_size": pool_size,
                    "pool_available": pool_available,
                    "pool_min": stats.get("pool_min", self.args.pool_min),
                    "pool_max": stats.get("pool_max", self.args.pool_max),
                    "requests_waiting": stats.get("requests_waiting", 0),
                },
                "tracking": ordered_tracking,
            },
            "holders": holders,
        }

    def metrics(self) -> tuple[bytes, str]:
        """The pool as OpenTelemetry's Prometheus exporter names it, plus the app's own tracked gauge.

        One snapshot under the tracker's lock, as for /health/detailed: used - tracked is never below the
        connections held outside tracking."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
        from prometheus_client.core import GaugeMetricFamily

        with self.tracker.lock:
            stats = self.pool.get_stats()
            tracked = len(self.tracker._active)
        pool_size = stats.get("pool_size", 0)
        idle = stats.get("pool_available", 0)
        pool = self.name

        class Snapshot:
            def collect(self):
                count = GaugeMetricFamily("db_client_connection_count", "Connections in the pool, by state",
                                          labels=["db_client_connection_pool_name", "db_client_connection_state"])
                count.add_metric([pool, "used"], pool_size - idle)
                count.add_metric([pool, "idle"], idle)
                yield count
                for name, help_text, value in (
                        ("db_client_connection_max", "Most open connections allowed",
                         stats.get("pool_max", 0)),
                        ("db_client_connection_idle_min", "Fewest idle connections kept",
                         stats.get("pool_min", 0)),
                        ("db_client_connection_pending_requests", "Requests waiting for a connection",
                         stats.get("requests_waiting", 0))):
                    family = GaugeMetricFamily(name, help_text, labels=["db_client_connection_pool_name"])
                    family.add_metric([pool], value)
                    yield family
                own = GaugeMetricFamily("app_db_connections_tracked",
                                        "Connections the app's own tracker holds as taken", labels=["pool"])
                own.add_metric([pool], tracked)
                yield own

        registry = CollectorRegistry(auto_describe=False)
        registry.register(Snapshot())
        return generate_latest(registry), CONTENT_TYPE_LATEST

    def admin_state(self) -> dict:
        with self.state_lock:
            return {
                "name": self.name,
                "application_name": self.args.application_name,
                "kind": self.kind,
                "untracked_pids": [pid for _, pid, _ in self.untracked],
                "untracked_idle_pids": [pid for _, pid, st in self.untracked if st == "idle"],
                "untracked_in_transaction_pids": [pid for _, pid, st in self.untracked if st != "idle"],
                "leaked_pids": [pid for _, pid in self.leaked],
                "leak_per_minute": self.leak_per_minute,
                "leak_started_at": self.leak_started_at,
                "leak_paused_reason": self.leak_paused_reason,
                "pool_min": self.args.pool_min,
                "pool_max": self.args.pool_max,
                "pid": os.getpid(),
            }

    def close(self) -> None:
        self.stop.set()
        self.leak_changed.set()
        with self.state_lock:
            held = [conn for conn, _, _ in self.untracked] + [conn for conn, _ in self.leaked]
        for conn in held:
            with contextlib.suppress(Exception):
                conn.close()
        with contextlib.suppress(Exception):
            self.pool.close(timeout=3)


def build_app(service: DemoService) -> Flask:
    app = Flask(f"poolscope_demo_{service.name}")
    app.json.sort_keys = False

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    @app.get("/health/detailed")
    def health_detailed():
        return jsonify(service.health_detailed())

    @app.get("/pool/stats")
    def pool_stats():
        return jsonify(service.pool.get_stats())

    if service.args.metrics:
        @app.get("/metrics")
        def metrics():
            body, content_type = service.metrics()
            return body, 200, {"Content-Type": content_type}

    @app.get("/admin")
    def admin_index():
        return jsonify({
            "endpoints": {
                "GET /admin/state": "pids of the untracked and leaked connections, leak switch",
                "POST /admin/leak": '{"per_minute": R} leaks one untracked connection every 60/R s; 0 turns it off',
                "POST /admin/hold": '{"route": NAME, "seconds": S} holds one tracked connection (a tracked leak after 30 s)',
            },
            "state": service.admin_state(),
        })

    @app.get("/admin/state")
    def admin_state():
        return jsonify(service.admin_state())

    @app.post("/admin/leak")
    def admin_leak():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or "per_minute" not in body:
            return jsonify({"error": 'body must be a JSON object like {"per_minute": 6}'}), 400
        value = body["per_minute"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value > 600:
            return jsonify({"error": "/per_minute: must be a number between 0 and 600"}), 400
        service.set_leak(float(value))
        return jsonify(service.admin_state())

    @app.post("/admin/hold")
    def admin_hold():
        body = request.get_json(silent=True) or {}
        route = body.get("route", service.route_names[0])
        seconds = body.get("seconds", 40)
        if not isinstance(route, str) or not route:
            return jsonify({"error": "/route: must be a non-empty string"}), 400
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= 3600:
            return jsonify({"error": "/seconds: must be a number between 0 and 3600"}), 400
        service.hold_tracked(route, float(seconds))
        return jsonify({"holding": route, "seconds": seconds})

    if service.kind == "web":
        @app.get("/api/bets")
        def api_bets():
            return jsonify({"bets": len(service.api_bets())})

        @app.get("/api/odds")
        def api_odds():
            return jsonify({"odds": len(service.api_odds())})

        @app.get("/api/users/<int:user_id>")
        def api_user(user_id: int):
            rows = service.api_user(user_id)
            if not rows:
                return jsonify({"error": f"user {user_id} not found"}), 404
            return jsonify({"id": rows[0][0], "name": rows[0][1]})

    return app


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="PoolScope demo service (one pool-owning process)")
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--conninfo", required=True)
    parser.add_argument("--application-name", required=True)
    parser.add_argument("--pool-min", type=int, required=True)
    parser.add_argument("--pool-max", type=int, required=True)
    parser.add_argument("--untracked", type=int, required=True)
    parser.add_argument("--untracked-in-transaction", type=int, default=0)
    parser.add_argument("--kind", choices=["web", "worker"])
    parser.add_argument("--leak-per-minute", type=float, default=0.0)
    parser.add_argument("--metrics", action="store_true",
                        help="also serve /metrics: Prometheus text with OpenTelemetry names")
    parser.add_argument("--traffic-threads", type=int, default=2)
    parser.add_argument("--parent-pid", type=int, default=0,
                        help="exit when this process is gone (used by 'demo.py run')")
    args = parser.parse_args(argv)
    if args.pool_min < 0 or args.pool_max < 1 or args.pool_min > args.pool_max:
        parser.error("--pool-min/--pool-max: need 0 <= min <= max and max >= 1")
    if args.untracked < 0 or args.untracked_in_transaction < 0:
        parser.error("--untracked/--untracked-in-transaction: must be >= 0")
    if args.untracked + args.untracked_in_transaction > args.pool_max - 2:
        parser.error("--untracked + --untracked-in-transaction must leave at least 2 connections of --pool-max")
    return args


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {args.name} %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("psycopg.pool").setLevel(logging.WARNING)

    stop = threading.Event()

    def on_signal(signum, _frame):
        log.info("signal %d: shutting down", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    if args.metrics:
        try:
            import prometheus_client  # noqa: F401 - fail at startup, not on the first scrape
        except ImportError as exc:
            log.error("--metrics needs prometheus_client (Debian package python3-prometheus-client): %s", exc)
            return 1
    try:
        service = DemoService(args)
        service.pool.wait(timeout=30)
        service.take_startup_connections()
    except (psycopg.Error, Exception) as exc:  # noqa: BLE001
        log.error("startup failed: %s", exc)
        return 1
    log.info("pool min %d max %d, %d untracked connections taken at startup (pids %s)", args.pool_min,
             args.pool_max, len(service.untracked), [pid for _, pid, _ in service.untracked])

    app = build_app(service)
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    server_thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    server_thread.start()

    threads = [threading.Thread(target=service.leak_loop, name="leak", daemon=True)]
    for i in range(max(0, args.traffic_threads)):
        threads.append(threading.Thread(target=service.traffic_loop, args=(i,), name=f"traffic-{i}", daemon=True))
    for thread in threads:
        thread.start()
    log.info("listening on http://127.0.0.1:%d (%s)", args.port, service.kind)

    while not stop.wait(0.5):
        if args.parent_pid and (not pid_alive(args.parent_pid) or os.getppid() != args.parent_pid):
            log.info("parent %d is gone: shutting down", args.parent_pid)
            break

    service.stop.set()
    server.shutdown()
    for thread in threads:
        thread.join(timeout=3)
    service.close()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
