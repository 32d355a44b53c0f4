#!/usr/bin/python3
"""Smoke test of the demo fixture (resources/demo/demo.py up): run by CTest with FIXTURES_REQUIRED demo.

Reads $POOLSCOPE_TEST_STATE/state.json (or the folder given as argv[1]) and checks, against the live
processes, what PoolScope relies on: the seed-shaped /health/detailed fields, a stable discrepancy equal
to the untracked connections, and those connections in pg_stat_activity with the right application_name
and state. Prints "N passed, M failed"; exits non-zero on any failure.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request

import psycopg

PASSED = 0
FAILED = 0


def check(name: str, condition: bool, detail: str = "") -> bool:
    global PASSED, FAILED
    if condition:
        PASSED += 1
        print(f"PASS {name}")
    else:
        FAILED += 1
        print(f"FAIL {name}{': ' + detail if detail else ''}")
    return condition


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


POOL_KEYS = {"checked_out", "pool_size", "pool_available", "pool_min", "pool_max", "requests_waiting"}
TRACKING_KEYS = {"total_active", "total_acquired", "total_released", "total_leaks", "tracking_discrepancy", "routes"}
ROUTE_KEYS = {"acquired", "released", "active", "leaks"}
EXPECTED = {  # name -> (routes, untracked idle, untracked idle in transaction), as demo.py starts them
    "web": ({"/api/bets", "/api/odds", "/api/users/<id>"}, 7, 1),
    "worker_odds": ({"odds.fetch", "odds.publish"}, 4, 0),
    "worker_settlement": ({"settlement.run", "settlement.payout"}, 2, 1),
    "reports": ({"reports.build", "reports.export"}, 3, 0),
}
PROMETHEUS = {"reports"}  # targets that read /metrics (OpenTelemetry names) instead of the seed's JSON


def get_metrics(url: str) -> dict:
    """{'name{labels}': value} of a Prometheus text body (the demo writes no escapes, timestamps or exemplars)."""
    with urllib.request.urlopen(url, timeout=5) as response:
        content_type = response.headers.get("Content-Type", "")
        text = response.read().decode()
    if not content_type.startswith("text/plain"):
        raise ValueError(f"{url}: Content-Type {content_type!r}")
    series = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            series[key] = float(value)
    return series


def check_metrics(service: dict, held: int) -> None:
    """The Prometheus payload: OpenTelemetry names for the pool, the app's tracked gauge, used - tracked = held."""
    name = service["name"]
    pool = f'db_client_connection_pool_name="{name}"'
    used_key = f'db_client_connection_count{{{pool},db_client_connection_state="used"}}'
    tracked_key = f'app_db_connections_tracked{{pool="{name}"}}'
    series = get_metrics(service["url"])
    check(f"{name}: /metrics has OpenTelemetry names and the tracked gauge",
          {used_key, f'db_client_connection_count{{{pool},db_client_connection_state="idle"}}',
           f"db_client_connection_max{{{pool}}}", tracked_key} <= set(series), str(sorted(series)))
    check(f"{name}: /metrics pool max", series.get(f"db_client_connection_max{{{pool}}}") == EXPECTED_MAX[name])
    gaps = []
    for _ in range(20):
        series = get_metrics(service["url"])
        gaps.append(series.get(used_key, 0) - series.get(tracked_key, 0))
        time.sleep(0.1)
    check(f"{name}: /metrics used - tracked is never below the untracked count", min(gaps) >= held, str(gaps))
    check(f"{name}: /metrics minimum used - tracked equals the untracked count ({held})", min(gaps) == held,
          str(gaps))


EXPECTED_MAX = {"reports": 8}


def check_payload_shape(name: str, payload: dict) -> None:
    check(f"{name}: top-level fields", set(payload) == {"status", "process", "database", "holders"},
          str(sorted(payload)))
    holders = payload.get("holders", [])
    check(f"{name}: holders follow the contract", isinstance(holders, list) and all(
        set(h) == {"backend_pid", "acquired_at", "tracked", "route", "stack"} and isinstance(h["backend_pid"], int)
        and isinstance(h["tracked"], bool) and isinstance(h["stack"], list) and h["acquired_at"].endswith("Z")
        for h in holders), json.dumps(holders)[:400])
    check(f"{name}: status healthy, process named", payload.get("status") == "healthy"
          and payload.get("process") == name, f"{payload.get('status')!r} {payload.get('process')!r}")
    database = payload.get("database", {})
    pool = database.get("pool", {})
    tracking = database.get("tracking", {})
    check(f"{name}: database.pool fields", set(pool) == POOL_KEYS, str(sorted(pool)))
    check(f"{name}: database.tracking fields", set(tracking) == TRACKING_KEYS, str(sorted(tracking)))
    check(f"{name}: all numbers are integers",
          all(isinstance(v, int) for v in list(pool.values()) + [v for k, v in tracking.items() if k != "routes"]))
    check(f"{name}: checked_out = pool_size - pool_available",
          pool.get("checked_out") == pool.get("pool_size", 0) - pool.get("pool_available", 0), json.dumps(pool))
    check(f"{name}: tracking_discrepancy = checked_out - total_active",
          tracking.get("tracking_discrepancy") == pool.get("checked_out", 0) - tracking.get("total_active", 0))
    check(f"{name}: total_acquired - total_released = total_active",
          tracking.get("total_acquired", 0) - tracking.get("total_released", 0) == tracking.get("total_active"))
    routes = tracking.get("routes", {})
    expected_routes = EXPECTED[name][0]
    check(f"{name}: routes", isinstance(routes, dict) and expected_routes <= set(routes), str(sorted(routes)))
    check(f"{name}: route fields", all(isinstance(r, dict) and set(r) == ROUTE_KEYS for r in routes.values()))


def check_service(service: dict, conninfo: str) -> None:
    name = service["name"]
    health_url = service.get("health_url", service["url"])
    base = health_url.rsplit("/health/detailed", 1)[0]
    status, body = get_json(base + "/health")
    check(f"{name}: /health", status == 200 and body == {"status": "ok"}, f"{status} {body}")
    status, stats = get_json(base + "/pool/stats")
    check(f"{name}: /pool/stats is psycopg_pool's get_stats()", status == 200
          and {"pool_min", "pool_max", "pool_size", "pool_available", "requests_waiting"} <= set(stats), str(stats))

    status, first = get_json(health_url)
    check(f"{name}: /health/detailed answers 200", status == 200)
    check_payload_shape(name, first)

    # The discrepancy is the untracked (+ leaked) count plus whatever tracked requests are in flight at that
    # instant: never below it, and exactly it over a few polls.
    for attempt in range(3):
        _, admin_before = get_json(base + "/admin/state")
        discrepancies = []
        for _ in range(20):
            _, payload = get_json(health_url)
            discrepancies.append(payload["database"]["tracking"]["tracking_discrepancy"])
            time.sleep(0.1)
        _, admin = get_json(base + "/admin/state")
        if admin_before["leaked_pids"] == admin["leaked_pids"]:
            break
    last = payload
    held = len(admin["untracked_pids"]) + len(admin["leaked_pids"])
    _, idle, in_tx = EXPECTED[name]
    check(f"{name}: /admin/state names the process", admin.get("name") == name
          and admin.get("application_name") == service["application_name"])
    check(f"{name}: {idle + in_tx} untracked connections", len(admin["untracked_pids"]) == idle + in_tx
          and len(admin["untracked_idle_pids"]) == idle and len(admin["untracked_in_transaction_pids"]) == in_tx,
          json.dumps(admin))
    check(f"{name}: admin state fields", {"leak_per_minute", "leak_started_at", "leak_paused_reason"} <= set(admin))
    check(f"{name}: discrepancy never below the untracked count", min(discrepancies) >= held,
          f"held {held}, polls {discrepancies}")
    check(f"{name}: minimum discrepancy equals the untracked count ({held})", min(discrepancies) == held,
          f"polls {discrepancies}")
    check(f"{name}: traffic moves the counters",
          last["database"]["tracking"]["total_acquired"] > first["database"]["tracking"]["total_acquired"],
          f"{first['database']['tracking']['total_acquired']} -> {last['database']['tracking']['total_acquired']}")
    if name in PROMETHEUS:
        check_metrics(service, held)

    with psycopg.connect(conninfo, application_name="poolscope_smoke", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid, application_name, state, query FROM pg_stat_activity WHERE pid = ANY(%s)",
            (admin["untracked_pids"],)).fetchall()
    by_pid = {row[0]: row for row in rows}
    check(f"{name}: untracked pids are live backends", set(by_pid) == set(admin["untracked_pids"]),
          f"missing {sorted(set(admin['untracked_pids']) - set(by_pid))}")
    check(f"{name}: untracked backends have application_name {service['application_name']!r}",
          all(row[1] == service["application_name"] for row in rows), str([row[1] for row in rows]))
    check(f"{name}: untracked idle backends are 'idle'",
          all(by_pid.get(pid, (0, "", "missing"))[2] == "idle" for pid in admin["untracked_idle_pids"]),
          str([by_pid.get(pid, (0, "", "missing"))[2] for pid in admin["untracked_idle_pids"]]))
    check(f"{name}: untracked in-transaction backends are 'idle in transaction'",
          all(by_pid.get(pid, (0, "", "missing"))[2] == "idle in transaction"
              for pid in admin["untracked_in_transaction_pids"]))
    untracked_holders = {h["backend_pid"]: h for h in last["holders"] if not h["tracked"]}
    check(f"{name}: the probe reports every untracked connection as an untracked holder",
          set(admin["untracked_pids"]) <= set(untracked_holders), f"{sorted(untracked_holders)} {admin}")
    check(f"{name}: untracked holders point at the startup cache warmer",
          all(untracked_holders[pid]["stack"][0].startswith("demo_service.py:")
              and untracked_holders[pid]["stack"][0].endswith(":warm_settings_cache")
              and untracked_holders[pid]["route"] == "startup cache warmer"
              for pid in admin["untracked_pids"] if pid in untracked_holders),
          json.dumps([untracked_holders.get(pid) for pid in admin["untracked_pids"]])[:400])
    check(f"{name}: untracked backends last ran the startup cache warmer",
          all("FROM settings WHERE key = " in row[3] for row in rows), str([row[3] for row in rows]))


def main() -> int:
    state_dir = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("POOLSCOPE_TEST_STATE", "")
    if not state_dir:
        print("FAIL usage: demo_smoke.py STATE_DIR (or set POOLSCOPE_TEST_STATE)")
        print("0 passed, 1 failed")
        return 2
    try:
        with open(os.path.join(state_dir, "state.json"), encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError) as exc:
        print(f"FAIL {state_dir}/state.json: {exc}")
        print("0 passed, 1 failed")
        return 1

    check("state.json fields", {"pgdata", "pg_port", "pg_pid", "socket_dir", "database", "conninfo",
                                "limited_conninfo", "services", "workspace"} <= set(state), str(sorted(state)))
    names = [s.get("name") for s in state.get("services", [])]
    check("state.json services", names == ["web", "worker_odds", "worker_settlement", "reports"], str(names))
    check("state.json formats", [s.get("format") for s in state.get("services", [])]
          == ["prometheus" if n in PROMETHEUS else "json" for n in names])
    try:
        with open(state["workspace"], encoding="utf-8") as handle:
            workspace = json.load(handle)
        targets = workspace.get("targets", [])
        check("workspace.json version 1 with four targets", workspace.get("version") == 1
              and [t.get("name") for t in targets] == names)
        check("workspace.json targets use state's urls, 1 s interval, auto profile",
              all(t.get("url") == s["url"] and t.get("interval") == 1 and t.get("timeout") == 2
                  and t.get("profile") == "auto" and t.get("database") == "demo"
                  and t.get("application_name") == s["name"] for t, s in zip(targets, state["services"])))
        check("workspace.json: the Prometheus target names its pool and maps its tracked gauge with a selector",
              all((t.get("pool"), t.get("fields")) == ((t["name"], {"tracked": f'app_db_connections_tracked{{pool="{t["name"]}"}}'})
                                                       if t["name"] in PROMETHEUS else (None, None)) for t in targets),
              str(targets))
        check("workspace.json database", workspace.get("databases") == [
            {"name": "demo", "conninfo": state["conninfo"], "interval": 1}], str(workspace.get("databases")))
        check("workspace.json thresholds", workspace.get("thresholds") == {
            "discrepancy_warning": 20, "discrepancy_critical": 25})
    except (OSError, ValueError, KeyError) as exc:
        check("workspace.json readable", False, str(exc))

    for service in state.get("services", []):
        try:
            check_service(service, state["conninfo"])
        except Exception as exc:  # noqa: BLE001 - report and go on with the next service
            check(f"{service.get('name')}: reachable", False, f"{type(exc).__name__}: {exc}")

    try:
        with psycopg.connect(state["limited_conninfo"], autocommit=True) as conn:
            superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
            withheld = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'web'"
                " AND query = '<insufficient privilege>'").fetchone()[0]
        check("poolscope_limited logs in and is not a superuser", superuser is False)
        check("poolscope_limited sees other sessions' queries withheld", withheld >= 8, f"{withheld} withheld")
    except psycopg.Error as exc:
        check("poolscope_limited logs in", False, str(exc))

    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
