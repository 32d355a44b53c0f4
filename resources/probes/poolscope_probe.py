"""PoolScope probe: report which code holds each pooled PostgreSQL connection (the holders contract).

Standard library only; drop this one file next to your code. One import and one call:

    import poolscope_probe
    probe = poolscope_probe.install(pool)      # a psycopg_pool.ConnectionPool, or a SQLAlchemy Engine / Pool

Every checkout is then recorded with the backend pid, the time and a few stack frames of *your* code
(frames of this probe, of the pool library, of psycopg/SQLAlchemy and of contextlib are skipped); every
checkin forgets it. Serve the result inside your health payload:

    payload["holders"] = probe.holders()
or on its own URL:
    probe.flask_route(app, "/poolscope/holders")      # Flask
    app = probe.wsgi(app, "/poolscope/holders")        # any WSGI app
    body = probe.json()                                # anything else

Your own tracking (the count PoolScope compares with the pool's) marks what it knows:

    conn = pool.getconn()
    probe.mark_tracked(conn, route="/api/bets")       # the connection went through your tracking

Each holder: {"backend_pid": 4242, "acquired_at": "2026-11-27T03:01:12.301Z", "tracked": false,
"route": "/api/bets" | null, "stack": ["settlement/jobs.py:88:refresh_odds", ...]} (innermost frame first).
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import os as _os
import sys as _sys
import threading as _threading
import time as _time

__all__ = ["Probe", "install", "holders"]

MAX_FRAMES = 5  # frames kept per holder (PoolScope accepts up to 32)
_MAX_CHARS = 1000  # PoolScope's cap on a string

# Frames from files under these directories (or named like this module) are not the app's code.
_SKIPPED_PACKAGES = ("psycopg_pool", "psycopg", "sqlalchemy")
_SKIPPED_FILES = {_os.path.normcase(_os.path.abspath(__file__)).removesuffix("c")}
for _name in ("contextlib", "threading"):
    _module = _sys.modules.get(_name)
    if _module is not None and getattr(_module, "__file__", None):
        _SKIPPED_FILES.add(_os.path.normcase(_os.path.abspath(_module.__file__)))

_probes: list["Probe"] = []
_probes_lock = _threading.Lock()


def _library_roots() -> tuple[str, ...]:
    roots = []
    for name in _SKIPPED_PACKAGES:
        module = _sys.modules.get(name)
        path = getattr(module, "__file__", None) if module else None
        if path:
            roots.append(_os.path.normcase(_os.path.dirname(_os.path.abspath(path))) + _os.sep)
    return tuple(roots)


class Probe:
    """The holders of one pool. Thread-safe; every method is cheap."""

    def __init__(self, frames: int = MAX_FRAMES) -> None:
        self._lock = _threading.Lock()
        self._held: dict[int, dict] = {}  # id(dbapi connection) -> holder
        self._frames = max(0, min(int(frames), 32))
        self._roots = _library_roots()
        self._names: dict[str, str] = {}  # file name -> name shown (relative to sys.path) or "" (skipped)

    # ---- recording ------------------------------------------------------------------------------
    def _shown_name(self, filename: str) -> str:
        name = self._names.get(filename)
        if name is not None:
            return name
        full = _os.path.normcase(_os.path.abspath(filename))
        if full in _SKIPPED_FILES or full.startswith(self._roots) or filename.startswith("<frozen"):
            name = ""
        else:
            name = filename
            best = ""
            for entry in _sys.path:
                root = _os.path.normcase(_os.path.abspath(entry or ".")) + _os.sep
                if full.startswith(root) and len(root) > len(best):
                    best = root
            if best:
                name = full[len(best):]
        self._names[filename] = name
        return name

    def _stack(self) -> list[str]:
        frames = []
        frame = _sys._getframe(2)
        while frame is not None and len(frames) < self._frames:
            code = frame.f_code
            name = self._shown_name(code.co_filename)
            if name:
                frames.append(f"{name}:{frame.f_lineno}:{code.co_name}"[:_MAX_CHARS])
            frame = frame.f_back
        return frames

    def checked_out(self, dbapi_conn, pid: int | None) -> None:
        """Records a checkout (the install helpers call this)."""
        if pid is None:
            return
        holder = {"backend_pid": int(pid), "acquired_at": _time.time(), "tracked": False, "route": None,
                  "stack": self._stack()}
        with self._lock:
            self._held[id(dbapi_conn)] = holder

    def checked_in(self, dbapi_conn) -> None:
        with self._lock:
            self._held.pop(id(dbapi_conn), None)

    # ---- the app's tracking ---------------------------------------------------------------------
    def mark_tracked(self, conn, route: str | None = None, tracked: bool = True) -> None:
        """Says that a checked-out connection went through the app's own tracking (and for which route)."""
        key = id(_dbapi_connection(conn))
        with self._lock:
            holder = self._held.get(key)
            if holder is not None:
                holder["tracked"] = bool(tracked)
                if route is not None:
                    holder["route"] = str(route)[:_MAX_CHARS]

    def set_route(self, conn, route: str) -> None:
        """Names the route or task a checked-out connection serves, tracked or not."""
        key = id(_dbapi_connection(conn))
        with self._lock:
            holder = self._held.get(key)
            if holder is not None:
                holder["route"] = str(route)[:_MAX_CHARS]

    # ---- serving --------------------------------------------------------------------------------
    def holders(self) -> list[dict]:
        """Every connection checked out now, as the holders contract's JSON objects."""
        with self._lock:
            held = [dict(h) for h in self._held.values()]
        for h in held:
            h["acquired_at"] = _rfc3339(h["acquired_at"])
            h["stack"] = list(h["stack"])
        held.sort(key=lambda h: (h["acquired_at"], h["backend_pid"]))
        return held

    def payload(self) -> dict:
        return {"holders": self.holders()}

    def json(self) -> str:
        return _json.dumps(self.payload())

    def wsgi(self, app=None, path: str = "/poolscope/holders"):
        """A WSGI app answering `path` with the holders (and passing everything else to `app`)."""

        def application(environ, start_response):
            if environ.get("PATH_INFO") == path or app is None:
                body = self.json().encode()
                start_response("200 OK", [("Content-Type", "application/json"),
                                          ("Content-Length", str(len(body))), ("Cache-Control", "no-store")])
                return [body]
            return app(environ, start_response)

        return application

    def flask_route(self, flask_app, rule: str = "/poolscope/holders") -> None:
        """Adds a GET route to a Flask app that answers with the holders."""

        def poolscope_holders():
            return flask_app.response_class(self.json(), mimetype="application/json")

        flask_app.add_url_rule(rule, "poolscope_holders", poolscope_holders, methods=["GET"])


def _rfc3339(seconds: float) -> str:
    stamp = _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dbapi_connection(conn):
    """The driver's connection behind a SQLAlchemy Connection or pool proxy; the connection itself otherwise."""
    for _ in range(3):
        inner = getattr(conn, "dbapi_connection", None)  # SQLAlchemy 2.0 pool proxy
        if inner is None and type(conn).__module__.startswith("sqlalchemy"):
            inner = getattr(conn, "connection", None)  # SQLAlchemy Connection -> proxy -> driver connection
        if inner is None or inner is conn:
            return conn
        conn = inner
    return conn


def _pid_of(dbapi_conn) -> int | None:
    info = getattr(dbapi_conn, "info", None)
    pid = getattr(info, "backend_pid", None)  # psycopg 3
    if pid is None and hasattr(dbapi_conn, "get_backend_pid"):  # psycopg2
        pid = dbapi_conn.get_backend_pid()
    if pid is None and hasattr(dbapi_conn, "pgconn"):
        pid = getattr(dbapi_conn.pgconn, "backend_pid", None)
    return pid


def _install_psycopg_pool(pool, probe: Probe) -> None:
    getconn = pool.getconn
    putconn = pool.putconn

    def probed_getconn(*args, **kwargs):
        conn = getconn(*args, **kwargs)
        probe.checked_out(conn, _pid_of(conn))
        return conn

    def probed_putconn(conn, *args, **kwargs):
        probe.checked_in(conn)
        return putconn(conn, *args, **kwargs)

    # On the instance: pool.connection() calls self.getconn()/self.putconn() and so goes through them too.
    pool.getconn = probed_getconn
    pool.putconn = probed_putconn


def _install_sqlalchemy(target, probe: Probe) -> None:
    from sqlalchemy import event

    pool = getattr(target, "pool", target)  # an Engine's pool, or the pool itself

    def on_checkout(dbapi_conn, _record, _proxy):
        probe.checked_out(dbapi_conn, _pid_of(dbapi_conn))

    def on_checkin(dbapi_conn, _record):
        if dbapi_conn is not None:
            probe.checked_in(dbapi_conn)

    event.listen(pool, "checkout", on_checkout)
    event.listen(pool, "checkin", on_checkin)


def install(pool, frames: int = MAX_FRAMES) -> Probe:
    """Installs a probe on a psycopg_pool ConnectionPool or a SQLAlchemy Engine/Pool and returns it."""
    probe = Probe(frames)
    module = type(pool).__module__
    if module.startswith("sqlalchemy"):
        _install_sqlalchemy(pool, probe)
    elif hasattr(pool, "getconn") and hasattr(pool, "putconn"):
        _install_psycopg_pool(pool, probe)
    else:
        raise TypeError(f"poolscope_probe.install: not a psycopg_pool ConnectionPool or a SQLAlchemy "
                        f"Engine/Pool: {type(pool).__module__}.{type(pool).__name__}")
    with _probes_lock:
        _probes.append(probe)
    return probe


def holders() -> list[dict]:
    """The holders of every pool a probe was installed on in this process."""
    with _probes_lock:
        probes = list(_probes)
    return [h for probe in probes for h in probe.holders()]
