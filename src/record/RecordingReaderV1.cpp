#include "RecordingReaderV1.h"

#include "HolderJson.h"
#include "workspace/WorkspaceFile.h"

#include "RecordingFormat.h"
#include "SqliteStatement.h"
#include "store/Session.h"

#include <QFile>
#include <QFileInfo>
#include <QUrl>

#include <sqlite3.h>

#include <algorithm>
#include <map>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// Columns read by readBackend(), in order, for a query joining backends b, backend_changes c, texts t.
constexpr const char* kBackendColumns
    = "b.pid, b.backend_start, b.datname, b.usename, b.client_addr, b.client_port, b.backend_type, "
      "c.application_name, c.state, c.xact_start, c.query_start, c.state_change, c.wait_event_type, c.wait_event, "
      "t.text, c.withheld";

Backend readBackend(const SqliteStatement& s, int first)
{
    Backend b;
    b.pid = static_cast<int>(s.integer(first + 0));
    b.backendStartMs = s.time(first + 1);
    b.datname = s.text(first + 2);
    b.usename = s.text(first + 3);
    b.clientAddr = s.text(first + 4);
    b.clientPort = static_cast<int>(s.integer(first + 5, -1));
    b.backendType = s.text(first + 6);
    b.applicationName = s.text(first + 7);
    b.state = s.text(first + 8);
    b.xactStartMs = s.time(first + 9);
    b.queryStartMs = s.time(first + 10);
    b.stateChangeMs = s.time(first + 11);
    b.waitEventType = s.text(first + 12);
    b.waitEvent = s.text(first + 13);
    b.query = s.text(first + 14);
    b.withheld = s.integer(first + 15) != 0;
    return b;
}

Event::Severity severityFromName(const QString& name)
{
    if (name == u"critical"_s)
        return Event::Severity::Critical;
    if (name == u"warning"_s)
        return Event::Severity::Warning;
    return Event::Severity::Info;
}

QByteArray withBackendColumns(const char* before, const char* after)
{
    return QByteArray(before) + kBackendColumns + after;
}

// Columns of pooler_pools, pooler_servers and pooler_clients after read_seq and position.
constexpr const char* kPoolColumns
    = "database, user, cl_active, cl_waiting, sv_active, sv_idle, sv_used, maxwait_us, pool_mode";
constexpr const char* kServerColumns = "remote_pid, ptr, link, database, user, state, connect_time, request_time";
constexpr const char* kClientColumns
    = "addr, port, application_name, ptr, link, database, user, state, connect_time, request_time";

PoolerPool readPool(const SqliteStatement& s, int first)
{
    PoolerPool p;
    p.database = s.text(first + 0);
    p.user = s.text(first + 1);
    p.clActive = static_cast<int>(s.integer(first + 2));
    p.clWaiting = static_cast<int>(s.integer(first + 3));
    p.svActive = static_cast<int>(s.integer(first + 4));
    p.svIdle = static_cast<int>(s.integer(first + 5));
    p.svUsed = static_cast<int>(s.integer(first + 6));
    p.maxwaitUs = s.integer(first + 7);
    p.poolMode = s.text(first + 8);
    return p;
}

PoolerServer readServer(const SqliteStatement& s, int first)
{
    PoolerServer server;
    server.remotePid = static_cast<int>(s.integer(first + 0));
    server.ptr = s.text(first + 1);
    server.link = s.text(first + 2);
    server.database = s.text(first + 3);
    server.user = s.text(first + 4);
    server.state = s.text(first + 5);
    server.connectTimeMs = s.time(first + 6);
    server.requestTimeMs = s.time(first + 7);
    return server;
}

PoolerClient readClient(const SqliteStatement& s, int first)
{
    PoolerClient client;
    client.addr = s.text(first + 0);
    client.port = static_cast<int>(s.integer(first + 1, -1));
    client.applicationName = s.text(first + 2);
    client.ptr = s.text(first + 3);
    client.link = s.text(first + 4);
    client.database = s.text(first + 5);
    client.user = s.text(first + 6);
    client.state = s.text(first + 7);
    client.connectTimeMs = s.time(first + 8);
    client.requestTimeMs = s.time(first + 9);
    return client;
}

QByteArray selectRows(const char* columns, const char* table, const char* tail)
{
    return QByteArray("SELECT read_seq, ") + columns + " FROM " + table + tail;
}

// A query read row by row; a failure mid-way is reported once as a problem of `part`.
struct Cursor
{
    SqliteStatement statement;
    QString part;
    bool has = false;
    qint64 key = 0;
    qint64 rows = 0;
};

} // namespace

RecordingReaderV1::~RecordingReaderV1()
{
    close();
}

void RecordingReaderV1::close()
{
    if (m_db)
        sqlite3_close_v2(m_db);
    m_db = nullptr;
    m_copy.reset();
    m_problems.clear();
    m_meta.clear();
    m_workspace = Workspace();
    m_targetIds.clear();
    m_holderTexts.clear();
    m_targetNames.clear();
    m_databaseIds.clear();
    m_databaseNames.clear();
    m_hasPoolerTables = false;
    m_poolerIds.clear();
    m_poolerNames.clear();
    m_formatVersion = 0;
}

bool RecordingReaderV1::fail(const QString& message, QString* error)
{
    if (m_db)
        sqlite3_close_v2(m_db);
    m_db = nullptr;
    m_copy.reset();
    m_error = message;
    if (error)
        *error = message;
    return false;
}

void RecordingReaderV1::problem(const QString& part, const QString& what)
{
    const QString line = u"%1: %2"_s.arg(part, what);
    if (!m_problems.contains(line))
        m_problems.append(line);
}

bool RecordingReaderV1::open(const QString& path, QString* error)
{
    close();
    m_path = path;
    m_error.clear();

    // RecordingReader::open has checked that the file exists, can be read and starts as a SQLite file.
    // Format-1 files are written by no PoolScope any more, so one is read as it is when opened, and never
    // written: SQLite would checkpoint a write-ahead log into the file, roll a hot journal back into it, or
    // leave -wal and -shm files beside it. A recording that was interrupted (its -wal or -journal still beside
    // it) is copied with that file into a private folder, and SQLite recovers the copy; any other file is
    // opened immutable (no locks, no files beside it).
    QString file = QFileInfo(path).absoluteFilePath();
    bool interrupted = false;
    for (const QString& suffix : { u"-wal"_s, u"-journal"_s })
        interrupted = interrupted || QFileInfo::exists(file + suffix);
    if (interrupted) {
        m_copy = std::make_unique<QTemporaryDir>();
        const QString copy = m_copy->filePath(QFileInfo(file).fileName());
        bool copied = m_copy->isValid() && QFile::copy(file, copy);
        for (const QString& suffix : { u"-wal"_s, u"-journal"_s }) {
            if (copied && QFileInfo::exists(file + suffix))
                copied = QFile::copy(file + suffix, copy + suffix);
        }
        if (!copied) {
            return fail(u"Cannot open %1: it was interrupted while being written, and it cannot be copied to %2 "
                        "to be recovered there without changing it"_s.arg(path, m_copy->path()),
                error);
        }
        file = copy;
    }
    const QByteArray uri = QUrl::fromLocalFile(file).toEncoded() + (interrupted ? "" : "?immutable=1");
    const int flags = SQLITE_OPEN_URI | (interrupted ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
    if (sqlite3_open_v2(uri.constData(), &m_db, flags, nullptr) != SQLITE_OK) {
        const QString reason = m_db ? sqliteError(m_db) : u"out of memory"_s;
        return fail(u"Cannot open %1: %2"_s.arg(path, reason), error);
    }
    sqlite3_busy_timeout(m_db, 2000);

    auto pragmaInt = [this](const char* sql, qint64* value, QString* reason) {
        SqliteStatement s;
        if (!s.prepare(m_db, sql, reason))
            return false;
        if (s.step() != SQLITE_ROW) {
            *reason = sqliteError(m_db);
            return false;
        }
        *value = s.integer(0);
        return true;
    };
    QString reason;
    qint64 applicationId = 0;
    if (!pragmaInt("PRAGMA application_id", &applicationId, &reason)) {
        // A file shorter than its header says (a truncated copy) is refused by SQLite unless the schema is
        // "writable"; nothing is ever written through this connection, so ask for that and read on.
        if ((sqlite3_errcode(m_db) & 0xff) != SQLITE_CORRUPT || !sqliteExec(m_db, "PRAGMA writable_schema=ON")
            || !pragmaInt("PRAGMA application_id", &applicationId, &reason)) {
            return fail(u"%1 is damaged: its header cannot be read (%2)."_s.arg(path, reason), error);
        }
        problem(u"file"_s, u"shorter than its header says (truncated); showing what is there"_s);
    }
    if (applicationId != recording::kApplicationId)
        return fail(u"%1 is a SQLite database but not a PoolScope recording."_s.arg(path), error);
    qint64 version = 0;
    if (!pragmaInt("PRAGMA user_version", &version, &reason))
        return fail(u"%1 is damaged: its format version cannot be read (%2)."_s.arg(path, reason), error);
    if (version > recording::kFormatVersion) {
        return fail(u"%1 was recorded by a newer PoolScope (format %2); this build reads up to %3."_s.arg(path)
                        .arg(version)
                        .arg(recording::kNewestFormat),
            error);
    }
    if (version < 1)
        return fail(u"%1 is damaged: its format version is %2."_s.arg(path).arg(version), error);
    m_formatVersion = static_cast<int>(version);

    {
        SqliteStatement check;
        if (!check.prepare(m_db, "PRAGMA quick_check(20)", &reason)) {
            problem(u"integrity check"_s, reason);
        } else {
            int rc = 0;
            QStringList lines;
            while ((rc = check.step()) == SQLITE_ROW) {
                const QString text = check.text(0);
                if (text != u"ok"_s)
                    lines.append(text.split(u'\n', Qt::SkipEmptyParts));
            }
            lines.removeAll(u"*** in database main ***"_s);
            if (!lines.isEmpty()) {
                const qsizetype shown = std::min<qsizetype>(lines.size(), 3);
                QString summary = lines.mid(0, shown).join(u"; "_s);
                if (lines.size() > shown)
                    summary += u" (and more)"_s;
                problem(u"integrity check"_s, summary);
            }
            if (rc != SQLITE_DONE)
                problem(u"integrity check"_s, sqliteError(m_db));
        }
    }

    readMeta();
    readNames();
    readPoolerNames();
    return true;
}

void RecordingReaderV1::readPoolerNames()
{
    // Recordings made before pooler reads were recorded have no pooler tables: they open without pooler data.
    SqliteStatement exists;
    if (!exists.prepare(m_db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pooler_reads'")
        || exists.step() != SQLITE_ROW) {
        return;
    }
    m_hasPoolerTables = true;
    QString reason;
    SqliteStatement poolers;
    if (!poolers.prepare(m_db, "SELECT id, name, database FROM poolers ORDER BY id", &reason)) {
        problem(u"poolers"_s, reason);
        return;
    }
    int rc = 0;
    while ((rc = poolers.step()) == SQLITE_ROW) {
        const qint64 id = poolers.integer(0);
        const QString name = poolers.text(1);
        m_poolerIds.insert(name, id);
        m_poolerNames.insert(id, name);
        const bool known = std::any_of(m_workspace.poolers.cbegin(), m_workspace.poolers.cend(),
            [&](const PoolerConfig& p) { return p.name == name; });
        if (!known) {
            PoolerConfig config;
            config.name = name;
            config.database = poolers.text(2);
            m_workspace.poolers.append(config);
        }
    }
    if (rc != SQLITE_DONE)
        problem(u"poolers"_s, sqliteError(m_db));
}

void RecordingReaderV1::readMeta()
{
    SqliteStatement s;
    QString reason;
    if (!s.prepare(m_db, "SELECT key, value FROM meta", &reason)) {
        problem(u"meta"_s, reason);
    } else {
        int rc = 0;
        while ((rc = s.step()) == SQLITE_ROW)
            m_meta.insert(s.text(0), s.text(1));
        if (rc != SQLITE_DONE)
            problem(u"meta"_s, sqliteError(m_db));
    }
    const QString json = m_meta.value(u"workspace"_s);
    if (json.isEmpty()) {
        problem(u"meta.workspace"_s, u"missing; rebuilt from the recorded target and database names"_s);
        return;
    }
    const WorkspaceResult parsed = parseWorkspace(json.toUtf8(), m_path + u" (meta.workspace)"_s);
    if (!parsed.ok()) {
        problem(u"meta.workspace"_s,
            parsed.errors.join(u"; "_s) + u"; rebuilt from the recorded target and database names"_s);
        return;
    }
    m_workspace = *parsed.workspace;
}

void RecordingReaderV1::readNames()
{
    QString reason;
    SqliteStatement targets;
    if (!targets.prepare(m_db, "SELECT id, name, application_name, database FROM targets ORDER BY id", &reason)) {
        problem(u"targets"_s, reason);
    } else {
        int rc = 0;
        while ((rc = targets.step()) == SQLITE_ROW) {
            const qint64 id = targets.integer(0);
            const QString name = targets.text(1);
            m_targetIds.insert(name, id);
            m_targetNames.insert(id, name);
            if (!m_workspace.target(name)) {
                TargetConfig config;
                config.name = name;
                config.applicationName = targets.text(2);
                config.database = targets.text(3);
                m_workspace.targets.append(config);
            }
        }
        if (rc != SQLITE_DONE)
            problem(u"targets"_s, sqliteError(m_db));
    }
    SqliteStatement databases;
    if (!databases.prepare(m_db, "SELECT id, name FROM databases ORDER BY id", &reason)) {
        problem(u"databases"_s, reason);
    } else {
        int rc = 0;
        while ((rc = databases.step()) == SQLITE_ROW) {
            const qint64 id = databases.integer(0);
            const QString name = databases.text(1);
            m_databaseIds.insert(name, id);
            m_databaseNames.insert(id, name);
            if (!m_workspace.database(name)) {
                DatabaseConfig config;
                config.name = name;
                m_workspace.databases.append(config);
            }
        }
        if (rc != SQLITE_DONE)
            problem(u"databases"_s, sqliteError(m_db));
    }
}

qint64 RecordingReaderV1::dataVersion()
{
    return m_db ? 0 : -1; // read as it was when opened (open())
}

RecordingReader::TimeRange RecordingReaderV1::timeRange()
{
    TimeRange range;
    if (!m_db)
        return range;
    const std::pair<const char*, const char*> tables[] = {
        { "samples", "SELECT MIN(ts), MAX(ts) FROM samples" },
        { "snapshots", "SELECT MIN(ts), MAX(ts) FROM snapshots" },
        { "events", "SELECT MIN(ts), MAX(ts) FROM events" },
        { "pooler_reads", "SELECT MIN(ts), MAX(ts) FROM pooler_reads" },
    };
    for (const auto& [table, sql] : tables) {
        if (!m_hasPoolerTables && qstrcmp(table, "pooler_reads") == 0)
            continue;
        SqliteStatement s;
        QString reason;
        if (!s.prepare(m_db, sql, &reason)) {
            problem(QString::fromLatin1(table), reason);
            continue;
        }
        const int rc = s.step();
        if (rc != SQLITE_ROW) {
            problem(QString::fromLatin1(table), sqliteError(m_db));
            continue;
        }
        if (s.isNull(0))
            continue;
        const qint64 first = s.integer(0);
        const qint64 last = s.integer(1);
        if (range.firstMs == 0 || first < range.firstMs)
            range.firstMs = first;
        range.lastMs = std::max(range.lastMs, last);
    }
    return range;
}

bool RecordingReaderV1::loadInto(Session& session)
{
    return feed(session, {});
}

bool RecordingReaderV1::read(SessionContent& content, const std::function<bool(double)>& progress)
{
    return feed(content, progress);
}

template <typename Sink> bool RecordingReaderV1::feed(Sink& session, const std::function<bool(double)>& progress)
{
    if (!m_db)
        return false;
    const qsizetype problemsBefore = m_problems.size();
    qint64 lastSeq = 0; // for the progress: samples are read in seq order
    if (progress) {
        SqliteStatement s;
        if (s.prepare(m_db, "SELECT MIN(seq), MAX(seq) FROM samples") && s.step() == SQLITE_ROW && !s.isNull(0))
            lastSeq = s.integer(1);
    }
    qint64 fed = 0;

    auto start = [this](Cursor& cursor, const QString& part, QByteArrayView sql) {
        cursor.part = part;
        QString reason;
        if (!cursor.statement.prepare(m_db, sql, &reason)) {
            problem(part, reason);
            return;
        }
        cursor.has = true;
    };
    auto advance = [this](Cursor& cursor) {
        if (!cursor.statement.isValid()) {
            cursor.has = false;
            return;
        }
        const int rc = cursor.statement.step();
        if (rc == SQLITE_ROW) {
            cursor.has = true;
            cursor.key = cursor.statement.integer(0);
            ++cursor.rows;
            return;
        }
        cursor.has = false;
        if (rc != SQLITE_DONE)
            problem(cursor.part, u"%1 (read %2 rows)"_s.arg(sqliteError(m_db)).arg(cursor.rows));
        cursor.statement.finalize();
    };

    Cursor samples, routes, snapshots, changes, events;
    start(samples, u"samples"_s,
        "SELECT seq, target_id, ts, ok, error, latency_ms, checked_out, tracked, discrepancy, acquired_total, "
        "released_total, leaks_total, pool_min, pool_max, pool_size, pool_idle, waiting FROM samples ORDER BY seq");
    start(routes, u"route_changes"_s,
        "SELECT c.sample_seq, r.target_id, r.name, c.position, c.acquired, c.released, c.active, c.leaks, c.gone "
        "FROM route_changes c JOIN routes r ON r.id = c.route_id ORDER BY c.sample_seq");
    start(snapshots, u"snapshots"_s,
        "SELECT seq, database_id, ts, server_ts, latency_ms, ok, error FROM snapshots ORDER BY seq");
    start(changes, u"backend_changes"_s,
        withBackendColumns("SELECT c.snapshot_seq, c.backend_id, c.kind, b.database_id, ",
            " FROM backend_changes c JOIN backends b ON b.id = c.backend_id LEFT JOIN texts t ON t.id = c.query_id "
            "ORDER BY c.snapshot_seq, c.kind DESC"));
    start(events, u"events"_s, "SELECT seq, ts, severity, source, kind, message FROM events ORDER BY seq");
    Cursor holderSets; // recordings made before the holders contract have none
    if (hasTable("holder_sets"))
        start(
            holderSets, u"holder_sets"_s, "SELECT sample_seq, target_id, holders FROM holder_sets ORDER BY sample_seq");
    for (Cursor* cursor : { &samples, &routes, &snapshots, &changes, &events, &holderSets })
        advance(*cursor);
    QHash<qint64, std::pair<bool, QList<Holder>>> holderState; // target id -> (reported, holders)

    // pgbouncer reads, when the recording has them.
    Cursor poolerReads, poolerPools, poolerServers, poolerClients;
    if (m_hasPoolerTables) {
        start(poolerReads, u"pooler_reads"_s,
            "SELECT seq, pooler_id, ts, latency_ms, ok, error, links_seq FROM pooler_reads ORDER BY seq");
        start(poolerPools, u"pooler_pools"_s, selectRows(kPoolColumns, "pooler_pools", " ORDER BY read_seq, position"));
        start(poolerServers, u"pooler_servers"_s,
            selectRows(kServerColumns, "pooler_servers", " ORDER BY read_seq, position"));
        start(poolerClients, u"pooler_clients"_s,
            selectRows(kClientColumns, "pooler_clients", " ORDER BY read_seq, position"));
        for (Cursor* cursor : { &poolerReads, &poolerPools, &poolerServers, &poolerClients })
            advance(*cursor);
    }
    struct PoolerLinks
    {
        QList<PoolerServer> servers;
        QList<PoolerClient> clients;
    };
    QHash<qint64, PoolerLinks> poolerLinks; // pooler id -> the newest SHOW SERVERS/CLIENTS rows
    // Rows of read `seq` from a child cursor (rows of a read not listed are skipped).
    auto rowsOf = [&advance](Cursor& cursor, qint64 seq, auto&& take) {
        while (cursor.has && cursor.key <= seq) {
            if (cursor.key == seq)
                take(cursor.statement);
            advance(cursor);
        }
    };

    struct RouteState
    {
        int position = 0;
        RouteStats stats;
    };
    QHash<qint64, QHash<QString, RouteState>> routeState; // target id -> route name -> state
    // Per database: the backends, kept sorted by (pid, backend_start) and shared with the snapshots fed
    // (a tick without changes costs no copy), and each recorded backend id's place in that order.
    struct BackendState
    {
        QList<Backend> rows;
        QHash<qint64, std::pair<int, qint64>> keys; // backend id -> (pid, backend_start)
    };
    QHash<qint64, BackendState> backendState;
    auto findRow = [](QList<Backend>& rows, std::pair<int, qint64> key) {
        return std::lower_bound(rows.begin(), rows.end(), key,
            [](const Backend& b, std::pair<int, qint64> k) { return std::pair(b.pid, b.backendStartMs) < k; });
    };

    while (samples.has || snapshots.has || events.has || poolerReads.has) {
        qint64 next = std::numeric_limits<qint64>::max();
        for (const Cursor* cursor : { &samples, &snapshots, &events, &poolerReads }) {
            if (cursor->has)
                next = std::min(next, cursor->key);
        }
        if (poolerReads.has && poolerReads.key == next) {
            const SqliteStatement& s = poolerReads.statement;
            const qint64 poolerId = s.integer(1);
            PoolerSnapshot snapshot;
            snapshot.pooler = m_poolerNames.value(poolerId);
            snapshot.database = poolerDatabase(snapshot.pooler);
            snapshot.timestampMs = s.integer(2);
            snapshot.latencyMs = s.integer(3, -1);
            snapshot.error = s.text(5);
            if (s.integer(4) == 0 && snapshot.error.isEmpty())
                snapshot.error = u"failed"_s;
            const qint64 linksSeq = s.integer(6);
            rowsOf(poolerPools, next, [&](const SqliteStatement& r) { snapshot.pools.append(readPool(r, 1)); });
            PoolerLinks& links = poolerLinks[poolerId];
            if (snapshot.ok() && linksSeq == next) {
                links = {};
                rowsOf(poolerServers, next, [&](const SqliteStatement& r) { links.servers.append(readServer(r, 1)); });
                rowsOf(poolerClients, next, [&](const SqliteStatement& r) { links.clients.append(readClient(r, 1)); });
            }
            if (snapshot.ok()) {
                snapshot.servers = links.servers;
                snapshot.clients = links.clients;
            }
            advance(poolerReads);
            session.addPoolerSnapshot(snapshot);
        } else if (samples.has && samples.key == next) {
            const SqliteStatement& s = samples.statement;
            const qint64 targetId = s.integer(1);
            while (routes.has && routes.key <= next) {
                const SqliteStatement& r = routes.statement;
                auto& state = routeState[r.integer(1)];
                const QString name = r.text(2);
                if (r.integer(8) != 0) {
                    state.remove(name);
                } else {
                    RouteState entry;
                    entry.position = static_cast<int>(r.integer(3));
                    entry.stats.name = name;
                    entry.stats.acquired = r.real(4);
                    entry.stats.released = r.real(5);
                    entry.stats.active = r.real(6);
                    entry.stats.leaks = r.real(7);
                    state.insert(name, entry);
                }
                advance(routes);
            }
            while (holderSets.has && holderSets.key <= next) {
                const SqliteStatement& h = holderSets.statement;
                auto& state = holderState[h.integer(1)];
                state.first = !h.isNull(2);
                state.second = state.first ? holdersOf(h.text(2)) : QList<Holder>();
                advance(holderSets);
            }
            Sample sample;
            sample.target = m_targetNames.value(targetId);
            sample.timestampMs = s.integer(2);
            sample.error = s.text(4);
            if (s.integer(3) == 0 && sample.error.isEmpty())
                sample.error = u"failed"_s;
            sample.latencyMs = s.integer(5, -1);
            for (int i = 0; i < kMetricCount; ++i)
                sample.metrics.set(static_cast<Metric>(i), s.real(6 + i));
            std::map<int, RouteStats> ordered;
            for (const auto& entry : std::as_const(routeState[targetId]))
                ordered.emplace(entry.position, entry.stats);
            for (auto& [position, stats] : ordered)
                sample.routes.append(std::move(stats));
            if (sample.ok()) {
                const auto holders = holderState.constFind(targetId);
                if (holders != holderState.constEnd()) {
                    sample.holdersReported = holders->first;
                    sample.holders = holders->second;
                }
            }
            const qint64 seq = s.integer(0);
            advance(samples);
            session.addSample(sample);
            if (progress && (++fed % 512) == 0
                && !progress(lastSeq > 0 ? static_cast<double>(seq) / static_cast<double>(lastSeq) : -1.0)) {
                problem(u"load"_s, u"canceled"_s);
                return false;
            }
        } else if (snapshots.has && snapshots.key == next) {
            const SqliteStatement& s = snapshots.statement;
            const qint64 databaseId = s.integer(1);
            while (changes.has && changes.key <= next) {
                const SqliteStatement& c = changes.statement;
                BackendState& changeState = backendState[c.integer(3)];
                const qint64 backendId = c.integer(1);
                if (c.integer(2) == recording::kBackendGone) {
                    const auto key = changeState.keys.take(backendId);
                    const auto it = findRow(changeState.rows, key);
                    if (it != changeState.rows.end() && it->pid == key.first && it->backendStartMs == key.second)
                        changeState.rows.erase(it);
                } else {
                    Backend row = readBackend(c, 4);
                    const std::pair<int, qint64> key(row.pid, row.backendStartMs);
                    changeState.keys.insert(backendId, key);
                    const auto it = findRow(changeState.rows, key);
                    if (it != changeState.rows.end() && it->pid == key.first && it->backendStartMs == key.second)
                        *it = std::move(row);
                    else
                        changeState.rows.insert(it, std::move(row));
                }
                advance(changes);
            }
            ActivitySnapshot snapshot;
            snapshot.database = m_databaseNames.value(databaseId);
            snapshot.timestampMs = s.integer(2);
            snapshot.serverTimeMs = s.time(3);
            snapshot.latencyMs = s.integer(4, -1);
            snapshot.error = s.text(6);
            if (s.integer(5) == 0 && snapshot.error.isEmpty())
                snapshot.error = u"failed"_s;
            if (snapshot.ok())
                snapshot.backends = backendState[databaseId].rows;
            advance(snapshots);
            session.addSnapshot(snapshot);
        } else {
            const SqliteStatement& s = events.statement;
            Event event;
            event.timestampMs = s.integer(1);
            event.severity = severityFromName(s.text(2));
            event.source = s.text(3);
            event.kind = s.text(4);
            event.message = s.text(5);
            advance(events);
            session.addEvent(event);
        }
    }
    return m_problems.size() == problemsBefore;
}

ActivitySnapshot RecordingReaderV1::snapshotAt(const QString& database, qint64 tMs)
{
    ActivitySnapshot snapshot;
    snapshot.database = database;
    if (!m_db)
        return snapshot;
    const qint64 databaseId = m_databaseIds.value(database, -1);
    SqliteStatement head;
    if (databaseId < 0
        || !newestOkRowAt(&head, "seq, ts, server_ts, latency_ms", "snapshots", "database_id", databaseId, tMs))
        return snapshot;
    const qint64 seq = head.integer(0);
    snapshot.timestampMs = head.integer(1);
    snapshot.serverTimeMs = head.time(2);
    snapshot.latencyMs = head.integer(3, -1);

    QString reason;
    SqliteStatement rows;
    if (!rows.prepare(m_db,
            withBackendColumns("SELECT ",
                " FROM backends b JOIN backend_changes c ON c.backend_id = b.id AND c.snapshot_seq = "
                "(SELECT MAX(snapshot_seq) FROM backend_changes WHERE backend_id = b.id AND snapshot_seq <= ?2) "
                "LEFT JOIN texts t ON t.id = c.query_id "
                "WHERE b.database_id = ?1 AND b.first_seq <= ?2 AND (b.gone_seq IS NULL OR b.gone_seq > ?2) "
                "ORDER BY b.pid, b.backend_start"),
            &reason)) {
        problem(u"backends"_s, reason);
        return snapshot;
    }
    rows.bindInt(1, databaseId);
    rows.bindInt(2, seq);
    int step = 0;
    while ((step = rows.step()) == SQLITE_ROW)
        snapshot.backends.append(readBackend(rows, 0));
    if (step != SQLITE_DONE)
        problem(u"backends"_s, sqliteError(m_db));
    return snapshot;
}

bool RecordingReaderV1::newestOkRowAt(
    SqliteStatement* row, const char* columns, const char* table, const char* owner, qint64 ownerId, qint64 tMs)
{
    const QString name = QString::fromLatin1(table);
    const QByteArray sql = QByteArray("SELECT ") + columns + " FROM " + table + " WHERE " + owner
        + " = ?1 AND ts <= ?2 AND ok = 1 ORDER BY ts DESC, seq DESC LIMIT 1";
    QString reason;
    if (!row->prepare(m_db, sql, &reason)) {
        problem(name, reason);
        return false;
    }
    row->bindInt(1, ownerId);
    row->bindInt(2, tMs);
    const int rc = row->step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        problem(name, sqliteError(m_db));
    return rc == SQLITE_ROW;
}

QString RecordingReaderV1::poolerDatabase(const QString& pooler) const
{
    for (const PoolerConfig& p : m_workspace.poolers) {
        if (p.name == pooler)
            return p.database;
    }
    return {};
}

PoolerSnapshot RecordingReaderV1::poolerSnapshotAt(const QString& pooler, qint64 tMs)
{
    PoolerSnapshot snapshot;
    snapshot.pooler = pooler;
    snapshot.database = poolerDatabase(pooler);
    if (!m_db || !m_hasPoolerTables)
        return snapshot;
    const qint64 poolerId = m_poolerIds.value(pooler, -1);
    SqliteStatement head;
    if (poolerId < 0
        || !newestOkRowAt(&head, "seq, ts, latency_ms, links_seq", "pooler_reads", "pooler_id", poolerId, tMs))
        return snapshot;
    const qint64 seq = head.integer(0);
    snapshot.timestampMs = head.integer(1);
    snapshot.latencyMs = head.integer(2, -1);
    const qint64 linksSeq = head.integer(3);
    struct Part
    {
        const char* table;
        const char* columns;
        qint64 seq;
        std::function<void(const SqliteStatement&)> take;
    };
    const Part parts[] = {
        { "pooler_pools", kPoolColumns, seq, [&](const SqliteStatement& r) { snapshot.pools.append(readPool(r, 1)); } },
        { "pooler_servers", kServerColumns, linksSeq,
            [&](const SqliteStatement& r) { snapshot.servers.append(readServer(r, 1)); } },
        { "pooler_clients", kClientColumns, linksSeq,
            [&](const SqliteStatement& r) { snapshot.clients.append(readClient(r, 1)); } },
    };
    QString reason;
    for (const Part& part : parts) {
        const QString name = QString::fromLatin1(part.table);
        SqliteStatement rows;
        if (!rows.prepare(
                m_db, selectRows(part.columns, part.table, " WHERE read_seq = ?1 ORDER BY position"), &reason)) {
            problem(name, reason);
            continue;
        }
        rows.bindInt(1, part.seq);
        int step = 0;
        while ((step = rows.step()) == SQLITE_ROW)
            part.take(rows);
        if (step != SQLITE_DONE)
            problem(name, sqliteError(m_db));
    }
    return snapshot;
}

QList<RouteStats> RecordingReaderV1::routesAt(const QString& target, qint64 tMs)
{
    QList<RouteStats> result;
    if (!m_db)
        return result;
    const qint64 targetId = m_targetIds.value(target, -1);
    SqliteStatement head;
    if (targetId < 0 || !newestOkRowAt(&head, "seq", "samples", "target_id", targetId, tMs))
        return result;
    QString reason;
    SqliteStatement rows;
    if (!rows.prepare(m_db,
            "SELECT r.name, c.acquired, c.released, c.active, c.leaks FROM routes r JOIN route_changes c "
            "ON c.route_id = r.id AND c.sample_seq = "
            "(SELECT MAX(sample_seq) FROM route_changes WHERE route_id = r.id AND sample_seq <= ?2) "
            "WHERE r.target_id = ?1 AND c.gone = 0 ORDER BY c.position",
            &reason)) {
        problem(u"route_changes"_s, reason);
        return result;
    }
    rows.bindInt(1, targetId);
    rows.bindInt(2, head.integer(0));
    int step = 0;
    while ((step = rows.step()) == SQLITE_ROW) {
        RouteStats route;
        route.name = rows.text(0);
        route.acquired = rows.real(1);
        route.released = rows.real(2);
        route.active = rows.real(3);
        route.leaks = rows.real(4);
        result.append(route);
    }
    if (step != SQLITE_DONE)
        problem(u"route_changes"_s, sqliteError(m_db));
    return result;
}

bool RecordingReaderV1::hasTable(const char* name)
{
    SqliteStatement s;
    if (!m_db || !s.prepare(m_db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1"))
        return false;
    s.bindText(1, QString::fromLatin1(name), false);
    return s.step() == SQLITE_ROW;
}

QList<Holder> RecordingReaderV1::holdersOf(const QString& ids)
{
    QList<Holder> holders;
    SqliteStatement text;
    for (const QStringView part : QStringView(ids).split(u',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const qint64 id = part.toLongLong(&ok);
        auto it = ok ? m_holderTexts.constFind(id) : m_holderTexts.constEnd();
        if (ok && it == m_holderTexts.constEnd()) {
            if (!text.isValid() && !text.prepare(m_db, "SELECT text FROM texts WHERE id = ?1")) {
                problem(u"holder_sets"_s, sqliteError(m_db));
                return holders;
            }
            text.bindInt(1, id);
            QString damaged;
            std::optional<Holder> holder;
            if (text.step() == SQLITE_ROW)
                holder = holderFromJson(text.text(0).toUtf8(), &damaged);
            else
                damaged = u"no text %1"_s.arg(id);
            text.reset();
            if (!holder) {
                problem(u"holder_sets"_s, damaged);
                continue;
            }
            it = m_holderTexts.insert(id, *holder);
        }
        if (!ok) {
            problem(u"holder_sets"_s, u"\"%1\" is not a text id"_s.arg(part.toString()));
            continue;
        }
        holders.append(it.value());
    }
    return holders;
}

HolderReport RecordingReaderV1::holdersAt(const QString& target, qint64 tMs)
{
    HolderReport report;
    if (!m_db || !hasTable("holder_sets"))
        return report;
    const qint64 targetId = m_targetIds.value(target, -1);
    SqliteStatement head;
    if (targetId < 0 || !newestOkRowAt(&head, "seq, ts", "samples", "target_id", targetId, tMs))
        return report;
    QString reason;
    SqliteStatement set;
    if (!set.prepare(m_db,
            "SELECT holders FROM holder_sets WHERE target_id = ?1 AND sample_seq <= ?2 ORDER BY sample_seq DESC "
            "LIMIT 1",
            &reason)) {
        problem(u"holder_sets"_s, reason);
        return report;
    }
    set.bindInt(1, targetId);
    set.bindInt(2, head.integer(0));
    if (set.step() != SQLITE_ROW || set.isNull(0))
        return report;
    report.reported = true;
    report.timestampMs = head.integer(1);
    report.holders = holdersOf(set.text(0));
    return report;
}

QList<RecordingReader::HolderChange> RecordingReaderV1::holderChanges(qint64 fromMs, qint64 toMs)
{
    QList<HolderChange> changes;
    if (!m_db || !hasTable("holder_sets"))
        return changes;
    readNames();
    QString reason;
    SqliteStatement rows;
    if (!rows.prepare(m_db,
            "SELECT s.ts, h.target_id, h.holders FROM holder_sets h JOIN samples s ON s.seq = h.sample_seq "
            "WHERE s.ts >= ?1 AND s.ts <= ?2 ORDER BY h.sample_seq",
            &reason)) {
        problem(u"holder_sets"_s, reason);
        return changes;
    }
    rows.bindInt(1, fromMs);
    rows.bindInt(2, toMs);
    int step = 0;
    while ((step = rows.step()) == SQLITE_ROW) {
        HolderChange change;
        change.timestampMs = rows.integer(0);
        change.target = m_targetNames.value(rows.integer(1));
        change.report.timestampMs = change.timestampMs;
        change.report.reported = !rows.isNull(2);
        if (change.report.reported)
            change.report.holders = holdersOf(rows.text(2));
        changes.append(change);
    }
    if (step != SQLITE_DONE)
        problem(u"holder_sets"_s, sqliteError(m_db));
    return changes;
}

QList<RecordingReader::RouteChange> RecordingReaderV1::routeChanges(qint64 fromMs, qint64 toMs)
{
    QList<RouteChange> result;
    if (!m_db)
        return result;
    QString reason;
    SqliteStatement rows;
    if (!rows.prepare(m_db,
            "SELECT s.ts, s.target_id, r.name, c.acquired, c.released, c.active, c.leaks FROM route_changes c "
            "JOIN samples s ON s.seq = c.sample_seq JOIN routes r ON r.id = c.route_id "
            "WHERE c.gone = 0 AND s.ts >= ?1 AND s.ts <= ?2 ORDER BY c.sample_seq, c.position",
            &reason)) {
        problem(u"route_changes"_s, reason);
        return result;
    }
    rows.bindInt(1, fromMs);
    rows.bindInt(2, toMs);
    int step = 0;
    while ((step = rows.step()) == SQLITE_ROW) {
        RouteChange change;
        change.timestampMs = rows.integer(0);
        change.target = m_targetNames.value(rows.integer(1));
        change.route.name = rows.text(2);
        change.route.acquired = rows.real(3);
        change.route.released = rows.real(4);
        change.route.active = rows.real(5);
        change.route.leaks = rows.real(6);
        result.append(change);
    }
    if (step != SQLITE_DONE)
        problem(u"route_changes"_s, sqliteError(m_db));
    return result;
}

QList<RecordingReader::BackendChange> RecordingReaderV1::backendChanges(
    const QString& database, qint64 fromMs, qint64 toMs)
{
    QList<BackendChange> result;
    if (!m_db)
        return result;
    const qint64 databaseId = m_databaseIds.value(database, -1);
    if (databaseId < 0)
        return result;
    const ActivitySnapshot initial = snapshotAt(database, fromMs);
    qint64 afterSeq = 0;
    if (initial.timestampMs != 0) {
        for (const Backend& backend : initial.backends)
            result.append(BackendChange { initial.timestampMs, database, backend });
        SqliteStatement seq;
        if (newestOkRowAt(&seq, "seq", "snapshots", "database_id", databaseId, fromMs))
            afterSeq = seq.integer(0);
    }
    QString reason;
    SqliteStatement rows;
    if (!rows.prepare(m_db,
            withBackendColumns("SELECT s.ts, ",
                " FROM backend_changes c JOIN snapshots s ON s.seq = c.snapshot_seq "
                "JOIN backends b ON b.id = c.backend_id LEFT JOIN texts t ON t.id = c.query_id "
                "WHERE b.database_id = ?1 AND c.kind <> 2 AND c.snapshot_seq > ?2 AND s.ts >= ?3 AND s.ts <= ?4 "
                "ORDER BY c.snapshot_seq, b.pid, b.backend_start"),
            &reason)) {
        problem(u"backend_changes"_s, reason);
        return result;
    }
    rows.bindInt(1, databaseId);
    rows.bindInt(2, afterSeq);
    rows.bindInt(3, fromMs);
    rows.bindInt(4, toMs);
    int step = 0;
    while ((step = rows.step()) == SQLITE_ROW)
        result.append(BackendChange { rows.integer(0), database, readBackend(rows, 1) });
    if (step != SQLITE_DONE)
        problem(u"backend_changes"_s, sqliteError(m_db));
    return result;
}

} // namespace poolscope
