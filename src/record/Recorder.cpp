#include "Recorder.h"

#include "HolderJson.h"
#include "RecordingFormat.h"
#include "store/Session.h"
#include "workspace/WorkspaceFile.h"

#include <QDateTime>
#include <QFileInfo>
#include <QSet>

#include <sqlite3.h>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

bool sameValue(double a, double b)
{
    return isPresent(a) ? (isPresent(b) && a == b) : !isPresent(b);
}

bool sameRoute(const RouteStats& a, const RouteStats& b)
{
    return a.name == b.name && sameValue(a.acquired, b.acquired) && sameValue(a.released, b.released)
        && sameValue(a.active, b.active) && sameValue(a.leaks, b.leaks);
}

bool sameIdentity(const Backend& a, const Backend& b)
{
    return a.pid == b.pid && a.backendStartMs == b.backendStartMs && a.datname == b.datname && a.usename == b.usename
        && a.clientAddr == b.clientAddr && a.clientPort == b.clientPort && a.backendType == b.backendType;
}

bool sameMutable(const Backend& a, const Backend& b)
{
    return a.applicationName == b.applicationName && a.state == b.state && a.xactStartMs == b.xactStartMs
        && a.queryStartMs == b.queryStartMs && a.stateChangeMs == b.stateChangeMs && a.waitEventType == b.waitEventType
        && a.waitEvent == b.waitEvent && a.query == b.query && a.withheld == b.withheld;
}

} // namespace

Recorder::Recorder(Session* session, QObject* parent)
    : QObject(parent)
    , m_session(session)
{
    m_commitTimer.setSingleShot(true);
    m_commitTimer.setInterval(0);
    connect(&m_commitTimer, &QTimer::timeout, this, [this] { flush(); });
}

Recorder::~Recorder()
{
    close();
}

bool Recorder::open(const QString& path, QString* error)
{
    auto refuse = [&](const QString& message) {
        m_lastError = message;
        if (error)
            *error = message;
        closeDatabase();
        return false;
    };
    if (isRecording())
        return refuse(u"Already recording to %1."_s.arg(m_path));
    if (!m_session)
        return refuse(u"No session to record."_s);
    const QFileInfo info(path);
    if (info.exists() && info.size() > 0) {
        return refuse(
            u"%1 already exists; a recording is never appended to or overwritten. Choose a new file name."_s.arg(path));
    }

    m_path = path;
    const QByteArray nativePath = QFile::encodeName(path);
    if (sqlite3_open_v2(nativePath.constData(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr)
        != SQLITE_OK) {
        const QString reason = m_db ? sqliteError(m_db) : u"out of memory"_s;
        return refuse(u"Cannot create the recording %1: %2"_s.arg(path, reason));
    }
    sqlite3_extended_result_codes(m_db, 1);

    QString reason;
    {
        SqliteStatement wal;
        if (!wal.prepare(m_db, "PRAGMA journal_mode=WAL", &reason))
            return refuse(u"Cannot create the recording %1: %2"_s.arg(path, reason));
        if (wal.step() != SQLITE_ROW || wal.text(0).compare(u"wal"_s, Qt::CaseInsensitive) != 0)
            return refuse(u"Cannot create the recording %1: the file system does not support WAL mode"_s.arg(path));
    }
    const QByteArray pragmas
        = "PRAGMA synchronous=NORMAL; PRAGMA application_id=" + QByteArray::number(recording::kApplicationId)
        + "; PRAGMA user_version=" + QByteArray::number(recording::kFormatVersion) + ";";
    if (!sqliteExec(m_db, pragmas.constData(), &reason) || !sqliteExec(m_db, "BEGIN", &reason)
        || !sqliteExec(m_db, recording::kSchemaSql, &reason)
        || !sqliteExec(m_db, recording::kPoolerSchemaSql, &reason)) {
        return refuse(u"Cannot create the recording %1: %2"_s.arg(path, reason));
    }

    {
        SqliteStatement meta;
        if (!meta.prepare(m_db, "INSERT INTO meta(key, value) VALUES(?1, ?2)", &reason))
            return refuse(u"Cannot create the recording %1: %2"_s.arg(path, reason));
        const QList<std::pair<QString, QString>> entries {
            { u"format_version"_s, QString::number(recording::kFormatVersion) },
            { u"application"_s, u"PoolScope"_s },
            { u"poolscope_version"_s, QStringLiteral(POOLSCOPE_VERSION) },
            { u"created_at"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) },
            { u"workspace"_s, QString::fromUtf8(workspaceToJson(withoutSecrets(m_session->workspace()))) },
        };
        for (const auto& [key, value] : entries) {
            meta.bindText(1, key);
            meta.bindText(2, value, false);
            if (!meta.exec())
                return refuse(u"Cannot create the recording %1: %2"_s.arg(path, sqliteError(m_db)));
            meta.reset();
        }
    }

    struct Prepared
    {
        SqliteStatement* statement;
        const char* sql;
    };
    const Prepared statements[] = {
        { &m_begin, "BEGIN" },
        { &m_commit, "COMMIT" },
        { &m_insertTarget, "INSERT INTO targets(name, application_name, database) VALUES(?1, ?2, ?3)" },
        { &m_insertDatabase, "INSERT INTO databases(name) VALUES(?1)" },
        { &m_insertSample,
            "INSERT INTO samples(seq, target_id, ts, ok, error, latency_ms, checked_out, tracked, discrepancy, "
            "acquired_total, released_total, leaks_total, pool_min, pool_max, pool_size, pool_idle, waiting) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)" },
        { &m_insertRoute, "INSERT INTO routes(target_id, name) VALUES(?1, ?2)" },
        { &m_insertRouteChange,
            "INSERT INTO route_changes(route_id, sample_seq, position, acquired, released, active, leaks, gone) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)" },
        { &m_insertSnapshot,
            "INSERT INTO snapshots(seq, database_id, ts, server_ts, latency_ms, ok, error, backend_count) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)" },
        { &m_insertText, "INSERT INTO texts(text) VALUES(?1)" },
        { &m_insertBackend,
            "INSERT INTO backends(database_id, pid, backend_start, datname, usename, client_addr, client_port, "
            "backend_type, first_seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)" },
        { &m_insertBackendChange,
            "INSERT INTO backend_changes(backend_id, snapshot_seq, kind, application_name, state, xact_start, "
            "query_start, state_change, wait_event_type, wait_event, query_id, withheld) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)" },
        { &m_markGone, "UPDATE backends SET gone_seq = ?2 WHERE id = ?1" },
        { &m_insertHolderSet, "INSERT INTO holder_sets(sample_seq, target_id, holders) VALUES(?1, ?2, ?3)" },
        { &m_insertEvent,
            "INSERT INTO events(seq, ts, severity, source, kind, message) VALUES(?1, ?2, ?3, ?4, ?5, ?6)" },
    };
    for (const auto& prepared : statements) {
        if (!prepared.statement->prepare(m_db, prepared.sql, &reason))
            return refuse(u"Cannot create the recording %1: %2"_s.arg(path, reason));
    }
    if (!preparePoolerStatements(&reason))
        return refuse(u"Cannot create the recording %1: %2"_s.arg(path, reason));
    m_inTransaction = true;

    const Workspace& workspace = m_session->workspace();
    for (const auto& target : workspace.targets) {
        if (!targetLive(target.name))
            return refuse(u"Cannot create the recording %1: %2"_s.arg(path, m_lastError));
    }
    for (const auto& database : workspace.databases) {
        if (!databaseLive(database.name))
            return refuse(u"Cannot create the recording %1: %2"_s.arg(path, m_lastError));
    }
    for (const auto& pooler : workspace.poolers) {
        if (!poolerLive(pooler.name))
            return refuse(u"Cannot create the recording %1: %2"_s.arg(path, m_lastError));
    }
    if (!m_commit.exec())
        return refuse(u"Cannot create the recording %1: %2"_s.arg(path, sqliteError(m_db)));
    m_inTransaction = false;

    int pageSize = 4096;
    {
        SqliteStatement page;
        if (page.prepare(m_db, "PRAGMA page_size") && page.step() == SQLITE_ROW)
            pageSize = static_cast<int>(page.integer(0, 4096));
    }
    m_pageSize = pageSize;
    int current = 0;
    int highwater = 0;
    sqlite3_db_status(m_db, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highwater, 0);
    m_pagesWrittenBase = current;
    m_ticks = 0;
    m_lastError.clear();

    connect(m_session, &Session::sampleAdded, this, &Recorder::onSampleAdded);
    connect(m_session, &Session::snapshotAdded, this, &Recorder::onSnapshotAdded);
    connect(m_session, &Session::eventAdded, this, &Recorder::onEventAdded);
    connect(m_session, &Session::poolerSnapshotAdded, this, &Recorder::onPoolerSnapshotAdded);
    return true;
}

void Recorder::close()
{
    if (!m_db)
        return;
    flush();
    closeDatabase();
}

void Recorder::closeDatabase()
{
    if (m_session)
        disconnect(m_session, nullptr, this, nullptr);
    m_commitTimer.stop();
    for (SqliteStatement* statement : { &m_begin, &m_commit, &m_insertTarget, &m_insertDatabase, &m_insertSample,
             &m_insertRoute, &m_insertRouteChange, &m_insertSnapshot, &m_insertText, &m_insertBackend,
             &m_insertBackendChange, &m_markGone, &m_insertEvent, &m_insertHolderSet }) {
        statement->finalize();
    }
    finalizePoolerStatements();
    if (m_db) {
        if (m_inTransaction)
            sqliteExec(m_db, "ROLLBACK");
        sqlite3_close_v2(m_db);
    }
    m_db = nullptr;
    m_inTransaction = false;
    m_targets.clear();
    m_databases.clear();
    m_textIds.clear();
    m_poolers.clear();
    m_nextSeq = 1;
}

bool Recorder::flush()
{
    if (!m_db || !m_inTransaction)
        return m_db != nullptr;
    m_commitTimer.stop();
    if (!fileStillThere())
        return false;
    if (!m_commit.exec()) {
        fail(sqliteError(m_db));
        return false;
    }
    m_inTransaction = false;
    ++m_ticks;
    Q_EMIT tickCommitted(m_ticks);
    return true;
}

qint64 Recorder::bytesWritten() const
{
    if (!m_db)
        return 0;
    int current = 0;
    int highwater = 0;
    sqlite3_db_status(m_db, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highwater, 0);
    return (current - m_pagesWrittenBase) * m_pageSize;
}

qint64 Recorder::fileSize() const
{
    if (m_path.isEmpty())
        return 0;
    return QFileInfo(m_path).size() + QFileInfo(m_path + u"-wal"_s).size();
}

bool Recorder::fileStillThere()
{
    if (QFileInfo::exists(m_path))
        return true;
    fail(u"the file was removed"_s);
    return false;
}

void Recorder::fail(const QString& what)
{
    m_lastError = u"Recording to %1 stopped: %2"_s.arg(m_path, what);
    closeDatabase();
    Q_EMIT failed(m_lastError);
}

bool Recorder::begin()
{
    if (!m_db)
        return false;
    if (m_inTransaction)
        return true;
    if (!m_begin.exec()) {
        fail(sqliteError(m_db));
        return false;
    }
    m_inTransaction = true;
    m_commitTimer.start();
    return true;
}

Recorder::TargetLive* Recorder::targetLive(const QString& name)
{
    auto it = m_targets.find(name);
    if (it != m_targets.end())
        return &it.value();
    const TargetConfig* config = m_session->workspace().target(name);
    m_insertTarget.bindText(1, name, false);
    m_insertTarget.bindText(2, config ? config->applicationName : QString());
    m_insertTarget.bindText(3, config ? config->database : QString());
    const bool ok = m_insertTarget.exec();
    m_insertTarget.reset();
    if (!ok) {
        m_lastError = sqliteError(m_db);
        return nullptr;
    }
    TargetLive live;
    live.id = sqlite3_last_insert_rowid(m_db);
    return &m_targets.insert(name, live).value();
}

Recorder::DatabaseLive* Recorder::databaseLive(const QString& name)
{
    auto it = m_databases.find(name);
    if (it != m_databases.end())
        return &it.value();
    m_insertDatabase.bindText(1, name, false);
    const bool ok = m_insertDatabase.exec();
    m_insertDatabase.reset();
    if (!ok) {
        m_lastError = sqliteError(m_db);
        return nullptr;
    }
    DatabaseLive live;
    live.id = sqlite3_last_insert_rowid(m_db);
    return &m_databases.insert(name, live).value();
}

void Recorder::onSampleAdded(int targetIndex)
{
    if (!begin())
        return;
    if (!writeSample(m_session->target(targetIndex).latest))
        fail(sqliteError(m_db));
}

void Recorder::onSnapshotAdded(int databaseIndex)
{
    if (!begin())
        return;
    if (!writeSnapshot(m_session->database(databaseIndex).latest))
        fail(sqliteError(m_db));
}

void Recorder::onEventAdded(int eventIndex)
{
    if (!begin())
        return;
    if (!writeEvent(m_session->events().at(eventIndex)))
        fail(sqliteError(m_db));
}

bool Recorder::writeSample(const Sample& sample)
{
    TargetLive* target = targetLive(sample.target);
    if (!target)
        return false;
    const qint64 seq = m_nextSeq++;
    auto& s = m_insertSample;
    s.bindInt(1, seq);
    s.bindInt(2, target->id);
    s.bindInt(3, sample.timestampMs);
    s.bindInt(4, sample.ok() ? 1 : 0);
    s.bindText(5, sample.error);
    if (sample.latencyMs >= 0)
        s.bindInt(6, sample.latencyMs);
    for (int i = 0; i < kMetricCount; ++i)
        s.bindReal(7 + i, sample.metrics[static_cast<Metric>(i)]);
    const bool ok = s.exec();
    s.reset();
    if (!ok)
        return false;

    // Routes: only the ones that are new, changed counters or moved, and the ones that went away.
    QHash<QString, int> previous;
    for (int i = 0; i < target->routes.size(); ++i)
        previous.insert(target->routes.at(i).name, i);
    auto writeRoute = [&](const RouteStats& route, int position, bool gone) {
        auto idIt = target->routeIds.find(route.name);
        if (idIt == target->routeIds.end()) {
            m_insertRoute.bindInt(1, target->id);
            m_insertRoute.bindText(2, route.name, false);
            const bool inserted = m_insertRoute.exec();
            m_insertRoute.reset();
            if (!inserted)
                return false;
            idIt = target->routeIds.insert(route.name, sqlite3_last_insert_rowid(m_db));
        }
        auto& c = m_insertRouteChange;
        c.bindInt(1, idIt.value());
        c.bindInt(2, seq);
        c.bindInt(3, position);
        if (!gone) {
            c.bindReal(4, route.acquired);
            c.bindReal(5, route.released);
            c.bindReal(6, route.active);
            c.bindReal(7, route.leaks);
        }
        c.bindInt(8, gone ? 1 : 0);
        const bool written = c.exec();
        c.reset();
        return written;
    };
    QSet<QString> present;
    for (int i = 0; i < sample.routes.size(); ++i) {
        const RouteStats& route = sample.routes.at(i);
        present.insert(route.name);
        const auto prev = previous.constFind(route.name);
        if (prev != previous.constEnd() && prev.value() == i && sameRoute(target->routes.at(i), route))
            continue;
        if (!writeRoute(route, i, false))
            return false;
    }
    for (const auto& route : std::as_const(target->routes)) {
        if (!present.contains(route.name) && !writeRoute(route, -1, true))
            return false;
    }
    target->routes = sample.routes;

    // Holders: the whole set, when a successful sample's differs from the previous one's.
    if (sample.ok() && (sample.holdersReported != target->holdersReported || sample.holders != target->holders)) {
        m_insertHolderSet.bindInt(1, seq);
        m_insertHolderSet.bindInt(2, target->id);
        if (sample.holdersReported) {
            // Each holder once in `texts` (a held connection looks the same poll after poll): the row lists ids.
            QStringList ids;
            for (const Holder& holder : sample.holders) {
                const qint64 id = textId(QString::fromUtf8(holderToJson(holder)));
                if (id < 0)
                    return false;
                ids.append(QString::number(id));
            }
            m_insertHolderSet.bindText(3, ids.join(u','), false);
        }
        const bool written = m_insertHolderSet.exec();
        m_insertHolderSet.reset();
        if (!written)
            return false;
        target->holdersReported = sample.holdersReported;
        target->holders = sample.holders;
    }
    return true;
}

qint64 Recorder::textId(const QString& text)
{
    if (text.isEmpty())
        return 0;
    const auto it = m_textIds.constFind(text);
    if (it != m_textIds.constEnd())
        return it.value();
    m_insertText.bindText(1, text, false);
    const bool ok = m_insertText.exec();
    m_insertText.reset();
    if (!ok)
        return -1;
    const qint64 id = sqlite3_last_insert_rowid(m_db);
    m_textIds.insert(text, id);
    return id;
}

bool Recorder::insertBackend(DatabaseLive& db, qint64 seq, const Backend& backend, qint64* id)
{
    auto& b = m_insertBackend;
    b.bindInt(1, db.id);
    b.bindInt(2, backend.pid);
    b.bindTime(3, backend.backendStartMs);
    b.bindText(4, backend.datname);
    b.bindText(5, backend.usename);
    b.bindText(6, backend.clientAddr);
    if (backend.clientPort >= 0)
        b.bindInt(7, backend.clientPort);
    b.bindText(8, backend.backendType);
    b.bindInt(9, seq);
    const bool ok = b.exec();
    b.reset();
    if (!ok)
        return false;
    *id = sqlite3_last_insert_rowid(m_db);
    return insertBackendChange(*id, seq, recording::kBackendAppeared, &backend);
}

bool Recorder::insertBackendChange(qint64 backendId, qint64 seq, int kind, const Backend* backend)
{
    auto& c = m_insertBackendChange;
    c.bindInt(1, backendId);
    c.bindInt(2, seq);
    c.bindInt(3, kind);
    if (backend) {
        const qint64 queryId = textId(backend->query);
        if (queryId < 0) {
            c.reset();
            return false;
        }
        c.bindText(4, backend->applicationName);
        c.bindText(5, backend->state);
        c.bindTime(6, backend->xactStartMs);
        c.bindTime(7, backend->queryStartMs);
        c.bindTime(8, backend->stateChangeMs);
        c.bindText(9, backend->waitEventType);
        c.bindText(10, backend->waitEvent);
        if (queryId > 0)
            c.bindInt(11, queryId);
        c.bindInt(12, backend->withheld ? 1 : 0);
    } else {
        c.bindInt(12, 0);
    }
    const bool ok = c.exec();
    c.reset();
    if (!ok || kind != recording::kBackendGone)
        return ok;
    m_markGone.bindInt(1, backendId);
    m_markGone.bindInt(2, seq);
    const bool marked = m_markGone.exec();
    m_markGone.reset();
    return marked;
}

bool Recorder::writeSnapshot(const ActivitySnapshot& snapshot)
{
    DatabaseLive* db = databaseLive(snapshot.database);
    if (!db)
        return false;
    const qint64 seq = m_nextSeq++;
    auto& s = m_insertSnapshot;
    s.bindInt(1, seq);
    s.bindInt(2, db->id);
    s.bindInt(3, snapshot.timestampMs);
    s.bindTime(4, snapshot.serverTimeMs);
    if (snapshot.latencyMs >= 0)
        s.bindInt(5, snapshot.latencyMs);
    s.bindInt(6, snapshot.ok() ? 1 : 0);
    s.bindText(7, snapshot.error);
    if (snapshot.ok())
        s.bindInt(8, snapshot.backends.size());
    const bool ok = s.exec();
    s.reset();
    if (!ok)
        return false;
    if (!snapshot.ok())
        return true; // the backends as last seen stay as they were

    QSet<BackendKey> seen;
    seen.reserve(snapshot.backends.size());
    for (const Backend& backend : snapshot.backends) {
        const BackendKey key { backend.pid, backend.backendStartMs };
        seen.insert(key);
        auto it = db->backends.find(key);
        if (it == db->backends.end()) {
            LiveBackend live;
            if (!insertBackend(*db, seq, backend, &live.id))
                return false;
            live.row = backend;
            db->backends.insert(key, live);
            continue;
        }
        LiveBackend& live = it.value();
        if (!sameIdentity(live.row, backend)) {
            // Same pid and start but other identity columns: record as a different backend.
            if (!insertBackendChange(live.id, seq, recording::kBackendGone, nullptr)
                || !insertBackend(*db, seq, backend, &live.id)) {
                return false;
            }
        } else if (!sameMutable(live.row, backend)) {
            if (!insertBackendChange(live.id, seq, recording::kBackendChanged, &backend))
                return false;
        }
        live.row = backend;
    }
    for (auto it = db->backends.begin(); it != db->backends.end();) {
        if (seen.contains(it.key())) {
            ++it;
            continue;
        }
        if (!insertBackendChange(it->id, seq, recording::kBackendGone, nullptr))
            return false;
        it = db->backends.erase(it);
    }
    return true;
}

bool Recorder::writeEvent(const Event& event)
{
    auto& e = m_insertEvent;
    e.bindInt(1, m_nextSeq++);
    e.bindInt(2, event.timestampMs);
    e.bindText(3, severityName(event.severity), false);
    e.bindText(4, event.source);
    e.bindText(5, event.kind);
    e.bindText(6, event.message);
    const bool ok = e.exec();
    e.reset();
    return ok;
}

bool Recorder::preparePoolerStatements(QString* reason)
{
    const std::pair<SqliteStatement*, const char*> statements[] = {
        { &m_insertPooler, "INSERT INTO poolers(name, database) VALUES(?1, ?2)" },
        { &m_insertPoolerRead,
            "INSERT INTO pooler_reads(seq, pooler_id, ts, latency_ms, ok, error, links_seq) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)" },
        { &m_insertPoolerPool,
            "INSERT INTO pooler_pools(read_seq, position, database, user, cl_active, cl_waiting, sv_active, sv_idle, "
            "sv_used, maxwait_us, pool_mode) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)" },
        { &m_insertPoolerServer,
            "INSERT INTO pooler_servers(read_seq, position, remote_pid, ptr, link, database, user, state, "
            "connect_time, request_time) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)" },
        { &m_insertPoolerClient,
            "INSERT INTO pooler_clients(read_seq, position, addr, port, application_name, ptr, link, database, user, "
            "state, connect_time, request_time) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)" },
    };
    for (const auto& [statement, sql] : statements) {
        if (!statement->prepare(m_db, sql, reason))
            return false;
    }
    return true;
}

void Recorder::finalizePoolerStatements()
{
    for (SqliteStatement* statement :
        { &m_insertPooler, &m_insertPoolerRead, &m_insertPoolerPool, &m_insertPoolerServer, &m_insertPoolerClient })
        statement->finalize();
}

Recorder::PoolerLive* Recorder::poolerLive(const QString& name)
{
    auto it = m_poolers.find(name);
    if (it != m_poolers.end())
        return &it.value();
    const int index = m_session->poolerIndex(name);
    m_insertPooler.bindText(1, name, false);
    m_insertPooler.bindText(2, index >= 0 ? m_session->pooler(index).config.database : QString());
    const bool ok = m_insertPooler.exec();
    m_insertPooler.reset();
    if (!ok) {
        m_lastError = sqliteError(m_db);
        return nullptr;
    }
    PoolerLive live;
    live.id = sqlite3_last_insert_rowid(m_db);
    return &m_poolers.insert(name, live).value();
}

void Recorder::onPoolerSnapshotAdded(int poolerIndex)
{
    if (!begin())
        return;
    if (!writePoolerSnapshot(m_session->pooler(poolerIndex).latest))
        fail(sqliteError(m_db));
}

bool Recorder::writePoolerSnapshot(const PoolerSnapshot& snapshot)
{
    PoolerLive* pooler = poolerLive(snapshot.pooler);
    if (!pooler)
        return false;
    const qint64 seq = m_nextSeq++;
    // SHOW SERVERS/CLIENTS rows are written again only when they changed (idle held connections do not).
    const bool newLinks = snapshot.ok()
        && (pooler->linksSeq == 0 || snapshot.servers != pooler->servers || snapshot.clients != pooler->clients);
    auto& r = m_insertPoolerRead;
    r.bindInt(1, seq);
    r.bindInt(2, pooler->id);
    r.bindInt(3, snapshot.timestampMs);
    if (snapshot.latencyMs >= 0)
        r.bindInt(4, snapshot.latencyMs);
    r.bindInt(5, snapshot.ok() ? 1 : 0);
    r.bindText(6, snapshot.error);
    if (snapshot.ok())
        r.bindInt(7, newLinks ? seq : pooler->linksSeq);
    const bool ok = r.exec();
    r.reset();
    if (!ok)
        return false;
    if (!snapshot.ok())
        return true; // a gap: no rows

    for (qsizetype i = 0; i < snapshot.pools.size(); ++i) {
        const PoolerPool& p = snapshot.pools.at(i);
        auto& s = m_insertPoolerPool;
        s.bindInt(1, seq);
        s.bindInt(2, i);
        s.bindText(3, p.database);
        s.bindText(4, p.user);
        s.bindInt(5, p.clActive);
        s.bindInt(6, p.clWaiting);
        s.bindInt(7, p.svActive);
        s.bindInt(8, p.svIdle);
        s.bindInt(9, p.svUsed);
        s.bindInt(10, p.maxwaitUs);
        s.bindText(11, p.poolMode);
        const bool written = s.exec();
        s.reset();
        if (!written)
            return false;
    }
    if (!newLinks)
        return true;
    for (qsizetype i = 0; i < snapshot.servers.size(); ++i) {
        const PoolerServer& server = snapshot.servers.at(i);
        auto& s = m_insertPoolerServer;
        s.bindInt(1, seq);
        s.bindInt(2, i);
        s.bindInt(3, server.remotePid);
        s.bindText(4, server.ptr);
        s.bindText(5, server.link);
        s.bindText(6, server.database);
        s.bindText(7, server.user);
        s.bindText(8, server.state);
        s.bindTime(9, server.connectTimeMs);
        s.bindTime(10, server.requestTimeMs);
        const bool written = s.exec();
        s.reset();
        if (!written)
            return false;
    }
    for (qsizetype i = 0; i < snapshot.clients.size(); ++i) {
        const PoolerClient& client = snapshot.clients.at(i);
        auto& s = m_insertPoolerClient;
        s.bindInt(1, seq);
        s.bindInt(2, i);
        s.bindText(3, client.addr);
        if (client.port >= 0)
            s.bindInt(4, client.port);
        s.bindText(5, client.applicationName);
        s.bindText(6, client.ptr);
        s.bindText(7, client.link);
        s.bindText(8, client.database);
        s.bindText(9, client.user);
        s.bindText(10, client.state);
        s.bindTime(11, client.connectTimeMs);
        s.bindTime(12, client.requestTimeMs);
        const bool written = s.exec();
        s.reset();
        if (!written)
            return false;
    }
    pooler->linksSeq = seq;
    pooler->servers = snapshot.servers;
    pooler->clients = snapshot.clients;
    return true;
}

} // namespace poolscope
