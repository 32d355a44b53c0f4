#pragma once

#include "SqliteStatement.h"
#include "types/ActivitySnapshot.h"
#include "types/PoolerSnapshot.h"
#include "types/Sample.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>

#include <utility>

struct sqlite3;

namespace poolscope {

class Session;
struct Event;

// Records a live Session to a single SQLite file (schema: src/record/SCHEMA.md).
//
// From open() on, every sample, pg_stat_activity snapshot and event the Session receives is written.
// Everything the Session receives within one pass of the event loop (a "tick") goes into one
// transaction, committed when control returns to the event loop (or by flush()); a kill -9 loses at
// most that tick. Samples are stored whole; routes and backends are stored as changes only.
//
// open() creates a new file and refuses an existing non-empty one: a recording is never appended to
// (pick a new name). On a write error (disk full, the file removed, ...) failed() is emitted once and
// recording stops; the Session itself is not affected.
class Recorder : public QObject
{
    Q_OBJECT
public:
    explicit Recorder(Session* session, QObject* parent = nullptr);
    ~Recorder() override;

    bool open(const QString& path, QString* error = nullptr);
    // Commits what is pending and closes the file (checkpointing the WAL into it).
    void close();
    bool isRecording() const { return m_db != nullptr; }
    QString path() const { return m_path; }

    // Commits the open transaction now; false (and failed()) on error.
    bool flush();

    // Bytes SQLite has written (pages written to the WAL or the file) since open().
    qint64 bytesWritten() const;
    // Size of the recording on disk now: the file plus its WAL.
    qint64 fileSize() const;
    // Transactions committed since open().
    qint64 ticksCommitted() const { return m_ticks; }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void failed(const QString& message);
    void tickCommitted(qint64 tick);

private:
    struct LiveBackend
    {
        qint64 id = 0;
        Backend row;
    };
    using BackendKey = std::pair<int, qint64>; // pid, backend_start
    struct DatabaseLive
    {
        qint64 id = 0;
        QHash<BackendKey, LiveBackend> backends;
    };
    struct TargetLive
    {
        qint64 id = 0;
        QHash<QString, qint64> routeIds;
        QList<RouteStats> routes; // of the previous sample
        bool holdersReported = false; // of the previous successful sample
        QList<Holder> holders;
    };

    void onSampleAdded(int targetIndex);
    void onSnapshotAdded(int databaseIndex);
    void onEventAdded(int eventIndex);
    void onPoolerSnapshotAdded(int poolerIndex);

    bool writeSample(const Sample& sample);
    bool writeSnapshot(const ActivitySnapshot& snapshot);
    bool writeEvent(const Event& event);
    bool insertBackend(DatabaseLive& db, qint64 seq, const Backend& backend, qint64* id);
    bool insertBackendChange(qint64 backendId, qint64 seq, int kind, const Backend* backend);
    qint64 textId(const QString& text); // 0 for an empty text, -1 on error
    TargetLive* targetLive(const QString& name);
    DatabaseLive* databaseLive(const QString& name);

    // pgbouncer reads (tables poolers, pooler_reads, pooler_pools, pooler_servers, pooler_clients).
    struct PoolerLive
    {
        qint64 id = 0;
        qint64 linksSeq = 0; // the read whose SHOW SERVERS/CLIENTS rows are the newest written
        QList<PoolerServer> servers;
        QList<PoolerClient> clients;
    };
    bool preparePoolerStatements(QString* reason);
    void finalizePoolerStatements();
    PoolerLive* poolerLive(const QString& name);
    bool writePoolerSnapshot(const PoolerSnapshot& snapshot);

    bool begin();
    bool fileStillThere();
    void fail(const QString& what);
    void closeDatabase();

    Session* m_session = nullptr;
    sqlite3* m_db = nullptr;
    QString m_path;
    QString m_lastError;
    QTimer m_commitTimer;
    bool m_inTransaction = false;
    qint64 m_ticks = 0;
    qint64 m_nextSeq = 1;
    qint64 m_pageSize = 4096;
    qint64 m_pagesWrittenBase = 0;

    QHash<QString, TargetLive> m_targets;
    QHash<QString, DatabaseLive> m_databases;
    QHash<QString, qint64> m_textIds;

    SqliteStatement m_begin, m_commit;
    SqliteStatement m_insertTarget, m_insertDatabase, m_insertSample, m_insertRoute, m_insertRouteChange;
    SqliteStatement m_insertSnapshot, m_insertText, m_insertBackend, m_insertBackendChange, m_markGone;
    SqliteStatement m_insertEvent, m_insertHolderSet;

    QHash<QString, PoolerLive> m_poolers;
    SqliteStatement m_insertPooler, m_insertPoolerRead, m_insertPoolerPool, m_insertPoolerServer, m_insertPoolerClient;
};

} // namespace poolscope
