#!/usr/bin/python3
"""Serves /metrics with the series a `poolscope agent` serves (README, "Watching a fleet"), for tests and
benches of the window's Prometheus source without an agent: services web (replicas web-1, web-2),
worker_odds (growing) and worker_settlement, each value changing with every scrape so that a backfill that
mixed up points would show. With --log FILE, every value served is appended as "target metric value".
With --token TOKEN, /api/v1/snapshot serves the agent's snapshot (the shape of `poolscope agent`'s) to a
request with "Authorization: Bearer TOKEN" and 401 to any other: web-1 and web-2 read database "app", where
pid 101 (application web) has sat idle for an hour, pid 102 (web) is active and pid 103 is another app's.

usage: fake_agent.py --port PORT [--log FILE] [--token TOKEN]
"""
import argparse
import datetime
import http.server
import json
import threading

REPLICAS = [
    # service, target, base checked_out, base tracked, verdict
    ("web", "web-1", 10, 6, "stable"),
    ("web", "web-2", 12, 8, "stable"),
    ("worker_odds", "worker_odds", 20, 10, "growing"),
    ("worker_settlement", "worker_settlement", 5, 5, "none"),
]
VERDICTS = ["none", "stable", "growing", "unknown"]


class State:
    lock = threading.Lock()
    scrapes = 0
    log = None
    token = None


def exposition(n):
    lines = []
    served = []

    def gauge(name, help_text, rows):
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        for labels, value in rows:
            text = ",".join(f'{k}="{v}"' for k, v in labels.items())
            lines.append(f"{name}{{{text}}} {value}")
            if "target" in labels and "verdict" not in labels:
                served.append(f"{labels['target']} {name} {value}")

    def rows(fn):
        return [({"target": t, "service": s}, fn(s, t, c, k, v)) for s, t, c, k, v in REPLICAS]

    gauge("poolscope_target_up", "1 when the newest poll succeeded", rows(lambda *_: 1))
    # The growing service leaks one connection per scrape; the others wobble by scrape number.
    def checked(s, t, c, k, v):
        return c + (n if v == "growing" else n % 3)
    gauge("poolscope_checked_out", "checked out", rows(checked))
    gauge("poolscope_tracked", "tracked", rows(lambda s, t, c, k, v: k))
    gauge("poolscope_discrepancy", "checked_out - tracked", rows(lambda s, t, c, k, v: checked(s, t, c, k, v) - k))
    gauge("poolscope_pool_max", "pool max", rows(lambda *_: 100))
    verdict_rows = []
    for s, t, c, k, v in REPLICAS:
        for value in VERDICTS:
            verdict_rows.append(({"target": t, "service": s, "verdict": value}, 1 if value == v else 0))
    gauge("poolscope_verdict", "one per verdict value", verdict_rows)
    return "\n".join(lines) + "\n", served


def snapshot():
    now = datetime.datetime.now(datetime.timezone.utc)

    def iso(seconds_ago):
        return (now - datetime.timedelta(seconds=seconds_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def backend(pid, app, state, idle):
        return {"pid": pid, "application_name": app, "usename": "app", "client_addr": "127.0.0.1",
                "state": state, "backend_start": iso(7200), "state_change": iso(idle), "query": f"SELECT {pid}"}

    targets = []
    for s, t, c, k, v in REPLICAS:
        suspects = [{"pid": 101, "application_name": "web", "state": "idle", "idle_seconds": 3600}] if s == "web" else []
        targets.append({"name": t, "service": s, "database": "app" if s == "web" else "other",
                        "application_name": s, "suspects": suspects})
    return {"generated_at": iso(0), "status": "warning", "reasons": [], "targets": targets,
            "databases": [{"name": "app", "ok": True, "error": None,
                           "backends": [backend(101, "web", "idle", 3600), backend(102, "web", "active", 1),
                                        backend(103, "batch", "idle", 5)]},
                          {"name": "other", "ok": False, "error": "connection refused", "backends": []}]}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] == "/api/v1/snapshot" and State.token:
            if self.headers.get("Authorization") != f"Bearer {State.token}":
                self.send_error(401)
                return
            data = json.dumps(snapshot()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if self.path.split("?")[0] != "/metrics":
            self.send_error(404)
            return
        with State.lock:
            State.scrapes += 1
            body, served = exposition(State.scrapes)
            if State.log:
                with open(State.log, "a") as handle:
                    handle.write("\n".join(served) + "\n")
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log")
    parser.add_argument("--token")
    args = parser.parse_args()
    State.log = args.log
    State.token = args.token
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
