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

namespace poolscope {

class RecordingSource;
class Session;
struct SessionContent;

// Reads a recording (src/record/SCHEMA.md) for review mode: format 2 (written by Recorder) and format 1
// (SQLite, written by PoolScope before format 2; read-only). The format is told by the file's first bytes.
//
// open() refuses, with a clear message, a file that is missing, empty, not a PoolScope recording, or written
// by a newer format. A damaged file opens when its header can be read: every part that fails is listed in
// problems() and whatever can be read is returned. Nothing is ever written through a reader.
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
    bool isOpen() const { return m_source != nullptr; }
    QString path() const { return m_path; }
    QString errorString() const { return m_error; }
    // Parts of a damaged recording that could not be read ("samples: database disk image is malformed
    // after 1200 rows"). Empty for a healthy file. load() and the queries below add to it.
    QStringList problems() const;

    int formatVersion() const;
    QString poolscopeVersion() const;
    QString createdAt() const;
    // The workspace recorded in the file; rebuilt from the recorded target and database names when unreadable.
    Workspace workspace() const;
    TimeRange timeRange();
    // Changes whenever a Recorder writing the same file adds to it (format 2: the file's size); -1 when closed.
    qint64 dataVersion();

    // Builds a Session exactly as the live one was built: every recorded sample, snapshot and event is
    // fed in the order the live Session received it (snapshots rebuilt from the backend changes).
    std::unique_ptr<Session> load(QObject* parent = nullptr);
    // Feeds the recording into an existing Session (normally one built from workspace()).
    // False when some part could not be read (see problems()); what could be read was fed.
    bool loadInto(Session& session);
    // The same into plain data (no QObject), so that a job can read a recording off the GUI thread and
    // hand the result to a Session (Session::adopt): the timeline of opening a recording. Format 2 reads it
    // lazily: a pg_stat_activity read gives its head and each target's backend count (kept as the backends
    // change, not counted over every read's backends), and each database's newest read, backends and all, is
    // given once at the end; the backends at another moment are snapshotAt's. The Session is the one loadInto
    // builds. `progress` gets the fraction read now and then; when it returns false reading stops (false,
    // "load: canceled" in problems()).
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
    // True when the recording can hold pgbouncer reads (format 2 always; format 1 files made before pooler reads
    // were recorded have no pooler tables).
    bool hasPoolerTables() const;

private:
    bool fail(const QString& message, QString* error);

    std::unique_ptr<RecordingSource> m_source; // the reader of the file's format, while open
    QString m_path;
    QString m_error;
};

} // namespace poolscope
