#pragma once

#include "types/ActivitySnapshot.h"
#include "types/Event.h"
#include "types/PoolerSnapshot.h"
#include "types/Sample.h"
#include "types/Workspace.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

struct sqlite3;

namespace poolscope {

class Session;
class SqliteStatement;
struct SessionContent;

// Reads a recording written by Recorder (schema: src/record/SCHEMA.md) for review mode.
//
// open() refuses, with a clear message, a file that is missing, not a SQLite database, not a
// PoolScope recording, or written by a newer format. A damaged file opens when its header can be
// read: every part that fails is listed in problems() and whatever can be read is returned.
// Not thread-safe; one reader per thread.
class RecordingReader
{
public:
    struct TimeRange
    {
        qint64 firstMs = 0; // 0 when the recording is empty
        qint64 lastMs = 0;
    };
    // One recorded route change (a route that appeared, changed its counters or moved).
    struct RouteChange
    {
        qint64 timestampMs = 0;
        QString target;
        RouteStats route;
    };
    // One recorded backend change (a backend that appeared or changed), with the row after it.
    struct BackendChange
    {
        qint64 timestampMs = 0;
        QString database;
        Backend backend;
    };

    RecordingReader();
    ~RecordingReader();
    RecordingReader(const RecordingReader&) = delete;
    RecordingReader& operator=(const RecordingReader&) = delete;

    bool open(const QString& path, QString* error = nullptr);
    void close();
    bool isOpen() const { return m_db != nullptr; }
    QString path() const { return m_path; }
    QString errorString() const { return m_error; }
    // Parts of a damaged recording that could not be read ("samples: database disk image is malformed
    // after 1200 rows"). Empty for a healthy file. load() and the queries below add to it.
    QStringList problems() const { return m_problems; }

    int formatVersion() const { return m_formatVersion; }
    QString poolscopeVersion() const { return m_meta.value(QStringLiteral("poolscope_version")); }
    QString createdAt() const { return m_meta.value(QStringLiteral("created_at")); }
    // The workspace recorded in the file; rebuilt from the targets/databases tables when unreadable.
    Workspace workspace() const { return m_workspace; }
    TimeRange timeRange();
    // Changes whenever another connection (a Recorder writing the same file) commits; -1 when closed.
    qint64 dataVersion();

    // Builds a Session exactly as the live one was built: every recorded sample, snapshot and event is
    // fed in the order the live Session received it (snapshots rebuilt from the backend changes).
    std::unique_ptr<Session> load(QObject* parent = nullptr);
    // Feeds the recording into an existing Session (normally one built from workspace()).
    // False when some part could not be read (see problems()); what could be read was fed.
    bool loadInto(Session& session);
    // The same into plain data (no QObject), so that a job can read a recording off the GUI thread and
    // hand the result to a Session (Session::adopt). `progress` gets the fraction read now and then;
    // when it returns false reading stops (false, "load: canceled" in problems()).
    bool read(SessionContent& content, const std::function<bool(double fraction)>& progress = {});

    // The newest successful pg_stat_activity read of `database` at or before tMs, rebuilt from the
    // change rows; backends ordered by pid, then backend_start. A default snapshot when there is none.
    ActivitySnapshot snapshotAt(const QString& database, qint64 tMs);
    // The routes of the newest successful sample of `target` at or before tMs, in payload order.
    QList<RouteStats> routesAt(const QString& target, qint64 tMs);
    // The holders the newest successful sample of `target` at or before tMs reported (none in recordings made
    // before the holders contract: they have no holder_sets table).
    HolderReport holdersAt(const QString& target, qint64 tMs);
    // One recorded change of a target's holders (the whole set after it).
    struct HolderChange
    {
        qint64 timestampMs = 0;
        QString target;
        HolderReport report;
    };
    // Recorded holder set changes within [fromMs, toMs], in recording order.
    QList<HolderChange> holderChanges(qint64 fromMs, qint64 toMs);
    // Recorded changes within [fromMs, toMs], in recording order.
    QList<RouteChange> routeChanges(qint64 fromMs, qint64 toMs);
    // The backends of `database` as they were at fromMs, then every appearance or change up to toMs.
    QList<BackendChange> backendChanges(const QString& database, qint64 fromMs, qint64 toMs);
    // The newest successful pgbouncer read of `pooler` at or before tMs (pools, servers and clients as
    // read then). A default snapshot (timestampMs 0) when there is none or the recording has no pooler
    // tables (made before pooler reads were recorded).
    PoolerSnapshot poolerSnapshotAt(const QString& pooler, qint64 tMs);
    // True when the recording has the pooler tables (recordings made before they existed do not).
    bool hasPoolerTables() const { return m_hasPoolerTables; }

private:
    bool fail(const QString& message, QString* error);
    void problem(const QString& part, const QString& what);
    void readMeta();
    void readNames();
    bool hasTable(const char* name);
    // A holder_sets row's holders: its comma-separated ids of holder objects interned in `texts`.
    QList<Holder> holdersOf(const QString& ids);
    void readPoolerNames();
    // The id of `name` in `ids`, read again with `reload` when absent (a recording being written adds names as
    // they are first seen); -1 when there is none.
    qint64 idOf(const QHash<QString, qint64>& ids, const QString& name, void (RecordingReader::*reload)());
    // The newest successful row of `table` (snapshots, samples, pooler_reads: ok, ts, seq) whose `owner`
    // column is ownerId, at or before tMs, its `columns` in *row. False when there is none or it cannot be read
    // (then a problem of `table`).
    bool newestOkRowAt(
        SqliteStatement* row, const char* columns, const char* table, const char* owner, qint64 ownerId, qint64 tMs);
    QString poolerDatabase(const QString& pooler) const;
    template <typename Sink> bool feed(Sink& sink, const std::function<bool(double)>& progress);

    sqlite3* m_db = nullptr;
    QString m_path;
    QString m_error;
    QStringList m_problems;
    int m_formatVersion = 0;
    QHash<QString, QString> m_meta;
    Workspace m_workspace;
    QHash<QString, qint64> m_targetIds;
    QHash<qint64, Holder> m_holderTexts; // texts id -> holder read from it
    QHash<qint64, QString> m_targetNames;
    QHash<QString, qint64> m_databaseIds;
    QHash<qint64, QString> m_databaseNames;
    bool m_hasPoolerTables = false;
    QHash<QString, qint64> m_poolerIds;
    QHash<qint64, QString> m_poolerNames;
};

} // namespace poolscope
