#pragma once

// CSV exports of a session (live or replayed) and of a recording.
//
// Every file is RFC 4180 (see CsvWriter), UTF-8 without a BOM, CRLF line ends, with one header row.
// Timestamps are ISO 8601 UTC with milliseconds ("2026-11-27T03:12:00.000Z"); an absent value (a
// metric the payload lacked, a NULL pg_stat_activity timestamp, an unknown latency) is an empty field.
// Numbers are written in the shortest form that reads back exactly ("12", "0.25").
// Files are written through QSaveFile: either the whole file is there or the old one is untouched.
//
// Column names are stable (append only):
//   timeline: timestamp,target,ok,error,latency_ms,checked_out,tracked,discrepancy,acquired_total,
//             released_total,leaks_total,pool_min,pool_max,pool_size,pool_idle,waiting,backends
//             One row per target per poll, ordered by time. ok is 1 or 0; error is the failure reason;
//             backends is the server-side backend count of the target's application_name at that time.
//   routes:   timestamp,target,route,acquired,released,active,leaks
//   backends: timestamp,database,pid,application_name,usename,client_addr,client_port,backend_type,state,
//             backend_start,xact_start,query_start,state_change,wait_event_type,wait_event,query
//             timestamp is when the row was observed (the pg_stat_activity read).
//   events:   timestamp,severity,source,kind,message
//   holders:  timestamp,target,backend_pid,acquired_at,tracked,route,location,stack
//             The connections each target's app reported checked out (the holders contract); tracked is 1
//             or 0; location is the innermost frame ("jobs.py:88 in refresh_odds()"); stack is every frame,
//             one per line. With redaction, literals in frames become "?" (redactFrame).
//   poolers:  timestamp,pooler,database,user,pool_mode,cl_active,cl_waiting,sv_active,sv_idle,sv_used,maxwait
//             One row per pgbouncer read per pool (SHOW POOLS), ordered by time; database/user name the
//             pool; maxwait in seconds (maxwait + maxwait_us). A failed read, or a pool missing from a
//             read, is a row with empty numbers (a gap).
//
// Formula injection: a text cell (names, errors, application_name, query text, messages: anything that
// came from a payload or a database) that starts with =, +, -, @, a tab or a CR gets a ' in front, so
// that a spreadsheet shows it instead of evaluating it (OWASP). Numbers PoolScope writes (counts,
// discrepancies, latencies, pids, ports, timestamps) are never changed. ExportOptions::raw turns it off.
//
// Redaction (ExportOptions::redact): query text is replaced by its fingerprint (literals replaced,
// fingerprintQuery()) and client addresses are masked (redactClientAddress()).

#include "format/Format.h" // isoTimestamp(), the time format of every CSV column
#include "store/Session.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <limits>
#include <vector>

namespace poolscope {

class RecordingReader;

struct ExportOptions
{
    qint64 fromMs = std::numeric_limits<qint64>::min(); // inclusive
    qint64 toMs = std::numeric_limits<qint64>::max(); // inclusive
    bool redact = false;
    bool raw = false; // text cells written as they are (no formula neutralisation)
    // Called now and then with the fraction written (0..1); returning false cancels the export (the
    // file is left as it was). Lets a background job show progress and honour Cancel.
    std::function<bool(double fraction)> progress;
};

// What the Session exports read, copied on the Session's thread so that a job can write the file on
// another thread while the Session goes on growing. Copy only what the export needs.
struct SessionExportData
{
    std::vector<TargetState> targets;
    std::vector<DatabaseState> databases;
    QList<Event> events;
    std::vector<PoolerState> poolers;

    enum Part { Targets = 1, Databases = 2, Events = 4, Poolers = 8, All = 15 };
    static SessionExportData copyOf(const Session& session, int parts = All);
};

QStringList timelineColumns();
QStringList routesColumns();
QStringList backendsColumns();
QStringList eventsColumns();
QStringList holdersColumns();
QStringList poolersColumns();

// Each returns false and sets *error (naming the path) when the file cannot be written.
bool exportTimeline(
    const Session& session, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
// The routes of each target's newest successful poll within the range (what the routes view shows).
bool exportRoutes(
    const Session& session, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
// From a recording: each target's routes as they were at fromMs, then one row per route change
// (a route that appeared, changed its counters or moved) up to toMs.
bool exportRoutes(
    RecordingReader& reader, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
// The backends of one pg_stat_activity read. Range ignored.
bool exportBackends(
    const ActivitySnapshot& snapshot, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
// The backends of several reads in one file, one read after another (e.g. every database's snapshot at the time
// cursor: the database column tells them apart). Range ignored.
bool exportBackends(const QList<ActivitySnapshot>& snapshots, const QString& path, const ExportOptions& options = {},
    QString* error = nullptr);
// The newest successful read of every database of the session, when within the range.
bool exportBackends(
    const Session& session, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
// From a recording, over a range: for every database, the backends as they were at fromMs, then one row
// each time a backend appeared or changed up to toMs. (A backend leaving is not a row.)
bool exportBackends(
    RecordingReader& reader, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
bool exportEvents(
    const Session& session, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
// The holders each target's newest successful poll within the range reported.
bool exportHolders(
    const Session& session, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
// From a recording: each target's holders as they were at fromMs, then the whole set at each change up to toMs.
bool exportHolders(
    RecordingReader& reader, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
// Every pgbouncer's pools over time (a reopened recording has them too).
bool exportPoolers(
    const Session& session, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);

// The same exports from a copy (callable from any thread).
bool exportTimeline(
    const SessionExportData& data, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
bool exportRoutes(
    const SessionExportData& data, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
bool exportBackends(
    const SessionExportData& data, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
bool exportEvents(
    const SessionExportData& data, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
bool exportHolders(
    const SessionExportData& data, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);
bool exportPoolers(
    const SessionExportData& data, const QString& path, const ExportOptions& options = {}, QString* error = nullptr);

} // namespace poolscope
