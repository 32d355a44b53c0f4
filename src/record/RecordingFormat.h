#pragma once

// Constants of the recording file formats (see SCHEMA.md next to this file).

#include <array>
#include <cstddef>
#include <cstdint>

namespace poolscope::recording {

// ---- Format 2: PoolScope's own append-only file ----

// The file starts with these 8 bytes, then the format version (u32 LE) and 4 reserved zero bytes.
inline constexpr char kMagic2[8] = { 'P', 'S', 'R', 'E', 'C', '\r', '\n', '\x1a' };
inline constexpr int kHeaderSize2 = 16;
inline constexpr int kFormatVersion2 = 2;
// The newest format this build writes (Recorder) and reads (RecordingReader).
inline constexpr int kNewestFormat = kFormatVersion2;

// Record: u32 payload length | u8 type | payload | u32 CRC-32 of type and payload (all little endian).
inline constexpr int kRecordOverhead = 9;
inline constexpr std::uint32_t kMaxRecordPayload = 256U * 1024U * 1024U; // a longer length is damage
enum class RecordType : std::uint8_t { Meta = 1, Keyframe = 2, Frame = 3 };

// A keyframe is written before a frame when this many frames follow the previous one, or this much time, or
// when the frames since the previous one add up to kKeyframeEveryBytesRatio times its size (but not before
// kKeyframeMinFrames frames): replaying a block to a moment then decodes at most about two keyframes' worth,
// and keyframes take at most about as many bytes as the frames.
inline constexpr int kKeyframeEveryFrames = 512;
inline constexpr std::int64_t kKeyframeEveryMs = 10 * 60 * 1000;
inline constexpr int kKeyframeEveryBytesRatio = 1;
inline constexpr int kKeyframeMinFrames = 16;

// Items of a frame or keyframe.
enum class ItemKind : std::uint8_t { Sample = 1, Snapshot = 2, Event = 3, Pooler = 4 };

// CRC-32 (IEEE 802.3, the one of zlib and PNG), continued from `crc` (0 to start).
inline std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0)
{
    static constexpr auto kTable = [] {
        std::array<std::uint32_t, 256> table {};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1U) ? (0xEDB88320U ^ (c >> 1)) : (c >> 1);
            table[i] = c;
        }
        return table;
    }();
    crc = ~crc;
    for (std::size_t i = 0; i < size; ++i)
        crc = kTable[(crc ^ data[i]) & 0xffU] ^ (crc >> 8);
    return ~crc;
}

// ---- Format 1: SQLite (read only since format 2) ----

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
