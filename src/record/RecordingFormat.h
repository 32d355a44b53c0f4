#pragma once

// Constants of the recording file format (see SCHEMA.md next to this file).

namespace poolscope::recording {

// PRAGMA application_id: "PSCR" in ASCII. Identifies a PoolScope recording.
inline constexpr int kApplicationId = 0x50534352;
// PRAGMA user_version: the format version. Bumped only on changes an older reader cannot ignore;
// additive changes (a new table, a new nullable column, a new meta key) keep the version.
inline constexpr int kFormatVersion = 1;

// Kinds of a backend_changes row.
inline constexpr int kBackendAppeared = 0;
inline constexpr int kBackendChanged = 1;
inline constexpr int kBackendGone = 2;

// The schema of format 1. Metric columns of `samples` are named after metricKey() in Metric order.
inline constexpr const char* kSchemaSql = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE targets(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, application_name TEXT, database TEXT);
CREATE TABLE databases(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE samples(
    seq INTEGER PRIMARY KEY, target_id INTEGER NOT NULL, ts INTEGER NOT NULL, ok INTEGER NOT NULL,
    error TEXT, latency_ms INTEGER,
    checked_out REAL, tracked REAL, discrepancy REAL, acquired_total REAL, released_total REAL, leaks_total REAL,
    pool_min REAL, pool_max REAL, pool_size REAL, pool_idle REAL, waiting REAL);
CREATE INDEX samples_by_target_ts ON samples(target_id, ts);
CREATE TABLE routes(id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL, name TEXT NOT NULL, UNIQUE(target_id, name));
CREATE TABLE route_changes(
    route_id INTEGER NOT NULL, sample_seq INTEGER NOT NULL, position INTEGER NOT NULL,
    acquired REAL, released REAL, active REAL, leaks REAL, gone INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(route_id, sample_seq)) WITHOUT ROWID;
CREATE INDEX route_changes_by_sample ON route_changes(sample_seq);
CREATE TABLE snapshots(
    seq INTEGER PRIMARY KEY, database_id INTEGER NOT NULL, ts INTEGER NOT NULL, server_ts INTEGER,
    latency_ms INTEGER, ok INTEGER NOT NULL, error TEXT, backend_count INTEGER);
CREATE INDEX snapshots_by_database_ts ON snapshots(database_id, ts);
CREATE TABLE texts(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE backends(
    id INTEGER PRIMARY KEY, database_id INTEGER NOT NULL, pid INTEGER NOT NULL, backend_start INTEGER,
    datname TEXT, usename TEXT, client_addr TEXT, client_port INTEGER, backend_type TEXT,
    first_seq INTEGER NOT NULL, gone_seq INTEGER);
CREATE INDEX backends_alive ON backends(database_id, first_seq, gone_seq);
CREATE TABLE backend_changes(
    backend_id INTEGER NOT NULL, snapshot_seq INTEGER NOT NULL, kind INTEGER NOT NULL,
    application_name TEXT, state TEXT, xact_start INTEGER, query_start INTEGER, state_change INTEGER,
    wait_event_type TEXT, wait_event TEXT, query_id INTEGER, withheld INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(backend_id, snapshot_seq)) WITHOUT ROWID;
CREATE INDEX backend_changes_by_snapshot ON backend_changes(snapshot_seq);
CREATE TABLE holder_sets(sample_seq INTEGER PRIMARY KEY, target_id INTEGER NOT NULL, holders TEXT);
CREATE INDEX holder_sets_by_target ON holder_sets(target_id, sample_seq);
CREATE TABLE events(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, severity TEXT NOT NULL, source TEXT, kind TEXT,
    message TEXT);
)sql";

// pgbouncer reads (additive to format 1: a recording without these tables opens, with no pooler data).
// Each read is a row of pooler_reads (seq shared with samples/snapshots/events); its SHOW POOLS rows are
// always written; its SHOW SERVERS/CLIENTS rows only when they differ from the previous successful read's
// (links_seq names the read whose rows apply).
inline constexpr const char* kPoolerSchemaSql = R"sql(
CREATE TABLE poolers(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, database TEXT);
CREATE TABLE pooler_reads(
    seq INTEGER PRIMARY KEY, pooler_id INTEGER NOT NULL, ts INTEGER NOT NULL, latency_ms INTEGER,
    ok INTEGER NOT NULL, error TEXT, links_seq INTEGER);
CREATE INDEX pooler_reads_by_pooler_ts ON pooler_reads(pooler_id, ts);
CREATE TABLE pooler_pools(
    read_seq INTEGER NOT NULL, position INTEGER NOT NULL, database TEXT, user TEXT,
    cl_active INTEGER, cl_waiting INTEGER, sv_active INTEGER, sv_idle INTEGER, sv_used INTEGER,
    maxwait_us INTEGER, pool_mode TEXT, PRIMARY KEY(read_seq, position)) WITHOUT ROWID;
CREATE TABLE pooler_servers(
    read_seq INTEGER NOT NULL, position INTEGER NOT NULL, remote_pid INTEGER, ptr TEXT, link TEXT,
    database TEXT, user TEXT, state TEXT, connect_time INTEGER, request_time INTEGER,
    PRIMARY KEY(read_seq, position)) WITHOUT ROWID;
CREATE TABLE pooler_clients(
    read_seq INTEGER NOT NULL, position INTEGER NOT NULL, addr TEXT, port INTEGER, application_name TEXT,
    ptr TEXT, link TEXT, database TEXT, user TEXT, state TEXT, connect_time INTEGER, request_time INTEGER,
    PRIMARY KEY(read_seq, position)) WITHOUT ROWID;
)sql";

} // namespace poolscope::recording
