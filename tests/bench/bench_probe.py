#!/usr/bin/python3
"""What the PoolScope probe costs per checkout: getconn + putconn on a real psycopg_pool ConnectionPool and a real
SQLAlchemy QueuePool against the demo's PostgreSQL, without and with resources/probes/poolscope_probe.py installed.

    bench_probe.py [--checkouts N] [--conninfo DSN]      (ctest -L bench runs it with the demo fixture)

Prints one line per pool: median µs per checkout over 5 rounds without and with the probe, and the difference.
Checkouts do not query (the cost measured is the pool's and the probe's, not PostgreSQL's).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "resources",
                                "probes"))
import poolscope_probe  # noqa: E402
import psycopg  # noqa: E402


def rounds(checkout, n: int, repeat: int = 5) -> float:
    """Median µs per checkout over `repeat` rounds of n checkouts (after a warm-up round)."""
    checkout(n // 10)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        checkout(n)
        times.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(times)


def psycopg_pool_loop(pool):
    def run(n: int) -> None:
        for _ in range(n):
            conn = pool.getconn()
            pool.putconn(conn)
    return run


def sqlalchemy_loop(pool):
    def run(n: int) -> None:
        for _ in range(n):
            pool.connect().close()
    return run


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=int, default=20000)
    parser.add_argument("--conninfo")
    args = parser.parse_args(argv)
    conninfo = args.conninfo
    if not conninfo:
        state = os.environ.get("POOLSCOPE_TEST_STATE")
        if not state:
            print("bench_probe: give --conninfo or run it through ctest (the demo fixture)", file=sys.stderr)
            return 2
        with open(os.path.join(state, "state.json"), encoding="utf-8") as f:
            conninfo = json.load(f)["conninfo"]

    from psycopg_pool import ConnectionPool
    from sqlalchemy.pool import QueuePool

    results = []
    pool = ConnectionPool(conninfo, min_size=2, max_size=2, open=True, kwargs={"application_name": "bench_probe"})
    pool.wait(timeout=30)
    without = rounds(psycopg_pool_loop(pool), args.checkouts)
    poolscope_probe.install(pool)
    with_probe = rounds(psycopg_pool_loop(pool), args.checkouts)
    pool.close()
    results.append(("psycopg_pool 3.1 ConnectionPool", without, with_probe))

    qp = QueuePool(lambda: psycopg.connect(conninfo, application_name="bench_probe", autocommit=True), pool_size=2)
    without = rounds(sqlalchemy_loop(qp), args.checkouts)
    poolscope_probe.install(qp)
    with_probe = rounds(sqlalchemy_loop(qp), args.checkouts)
    qp.dispose()
    results.append(("SQLAlchemy 1.4 QueuePool", without, with_probe))

    print(f"{'pool':34} {'without':>10} {'with probe':>11} {'probe cost':>11}   (median µs per checkout, "
          f"{args.checkouts} checkouts x 5)")
    for name, a, b in results:
        print(f"{name:34} {a:10.1f} {b:11.1f} {b - a:+11.1f}")
    # Sanity, not a budget: the probe recorded and forgot every checkout.
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
