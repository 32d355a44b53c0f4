#pragma once

#include "PoolerHistory.h"
#include "TargetHistory.h"
#include "types/ActivitySnapshot.h"
#include "types/Event.h"
#include "types/PoolerSnapshot.h"
#include "types/Sample.h"
#include "types/Workspace.h"

#include <QObject>

#include <functional>
#include <map>
#include <vector>

namespace poolscope {

// Rebuilds the past from a recording: what pg_stat_activity and a target's routes looked like at a moment.
// The Session keeps only the newest snapshot in memory; a recording (live with recording on, or reopened
// for review) keeps every change, so the time cursor asks it.
class SnapshotArchive
{
public:
    virtual ~SnapshotArchive() = default;
    // The newest successful snapshot of `database` at or before tMs (empty backends, timestampMs 0 if none).
    virtual ActivitySnapshot snapshotAt(const QString& database, qint64 tMs) const = 0;
    // The routes of the newest successful poll of `target` at or before tMs.
    virtual QList<RouteStats> routesAt(const QString& target, qint64 tMs) const = 0;
    // The holders the newest successful poll of `target` at or before tMs reported (none by default).
    virtual HolderReport holdersAt(const QString& target, qint64 tMs) const
    {
        Q_UNUSED(target);
        Q_UNUSED(tMs);
        return {};
    }
    // The newest successful read of pgbouncer `pooler` at or before tMs (timestampMs 0 if none).
    virtual PoolerSnapshot poolerSnapshotAt(const QString& pooler, qint64 tMs) const
    {
        Q_UNUSED(tMs);
        PoolerSnapshot none;
        none.pooler = pooler;
        return none;
    }
};

// Everything known about one health target.
struct TargetState
{
    TargetConfig config;
    TargetHistory history;
    Sample latest; // the newest poll, possibly failed; timestampMs == 0 before the first
    Sample lastOk; // the newest successful poll
    int consecutiveFailures = 0;
    qint64 backendCount = -1; // backends of config.applicationName in the newest snapshot, -1 unknown
    // The app's holders as reported apart from a poll (Session::addHolders: a fleet window's agent snapshot).
    HolderReport reportedHolders;

    bool polled() const { return latest.timestampMs != 0; }
};

// Everything known about one database.
struct DatabaseState
{
    DatabaseConfig config;
    ActivitySnapshot latest; // the newest read, possibly failed
    ActivitySnapshot lastOk; // the newest successful read
    int consecutiveFailures = 0;

    bool polled() const { return latest.timestampMs != 0; }
};

// Everything known about one pgbouncer.
struct PoolerState
{
    PoolerConfig config;
    PoolerHistory history; // per pool: cl_active, cl_waiting, sv_active, sv_idle, maxwait
    PoolerSnapshot latest; // the newest read, possibly failed
    PoolerSnapshot lastOk; // the newest successful read
    int consecutiveFailures = 0;

    bool polled() const { return latest.timestampMs != 0; }
};

// The state a Session holds, as plain data: built off the GUI thread from a recording
// (RecordingReader::read) and handed to a Session in one go (Session::adopt). Fed exactly as Session is.
struct SessionContent
{
    explicit SessionContent(const Workspace& workspace = {});

    std::vector<TargetState> targets;
    std::vector<DatabaseState> databases;
    std::vector<PoolerState> poolers;
    QList<Event> events;
    qint64 firstMs = 0;
    qint64 lastMs = 0;

    // Index of the target/database fed, -1 when unknown (then nothing is kept).
    int addSample(const Sample& sample);
    int addSnapshot(const ActivitySnapshot& snapshot);
    int addPoolerSnapshot(const PoolerSnapshot& snapshot);
    void addEvent(const Event& event);

    // A read told by its head and its backend counts rather than its backends: a recording's timeline read
    // (RecordingReaderV2) keeps each target's count as the backends change instead of listing every read's
    // backends. `head` is the read without backends; for a successful one, `countOf(targetIndex, poolers)`
    // gives the number of backends of each target counted by addSnapshot (backendsCounted), with the poolers'
    // newest reads addSnapshot would pass to backendBelongsTo. The database's latest/lastOk keep the head
    // until setNewestSnapshot. The same timeline as addSnapshot with the backends.
    using BackendCount = std::function<qint64(std::size_t targetIndex, const QList<const PoolerSnapshot*>& poolers)>;
    int addCountedSnapshot(const ActivitySnapshot& head, const BackendCount& countOf);
    // The newest successful read of its database, backends and all, once the reads are fed (addCountedSnapshot):
    // becomes lastOk, and latest when that is the same read. Ignored for an unknown database.
    void setNewestSnapshot(const ActivitySnapshot& snapshot);
};

// Owns the history of a monitoring session, live or replayed. Views, analysis, the recorder and
// exports read from it; sources (or a recording) feed it. Lives on the GUI thread.
class Session : public QObject
{
    Q_OBJECT
public:
    explicit Session(Workspace workspace, QObject* parent = nullptr);
    ~Session() override;

    const Workspace& workspace() const { return m_workspace; }
    // Thresholds edited in the GUI apply at once (and are saved with the workspace by whoever saves it).
    void setThresholds(const Thresholds& thresholds);
    // The workspace edited in the window (WorkspaceDialog, Save As): the same targets and databases (names, in
    // order) with new settings, thresholds and path. False, and nothing changes, when one was added, removed,
    // renamed or moved (sameShape): the histories are kept by index, so that takes a new Session.
    bool updateWorkspace(const Workspace& workspace);
    static bool sameShape(const Workspace& a, const Workspace& b);

    int targetCount() const { return static_cast<int>(m_targets.size()); }
    const TargetState& target(int index) const { return m_targets.at(static_cast<std::size_t>(index)); }
    int targetIndex(const QString& name) const;

    int databaseCount() const { return static_cast<int>(m_databases.size()); }
    const DatabaseState& database(int index) const { return m_databases.at(static_cast<std::size_t>(index)); }
    int databaseIndex(const QString& name) const;

    int poolerCount() const { return static_cast<int>(m_poolers.size()); }
    const PoolerState& pooler(int index) const { return m_poolers.at(static_cast<std::size_t>(index)); }
    int poolerIndex(const QString& name) const;
    // The newest successful reads of the poolers in front of `database` (a databases[] name) at a moment
    // (kLive: the newest), by the rule of snapshotAt: a read newer than the moment comes from the archive
    // (a recording), without one it is not used. A pointer to an archived read stays valid until the next
    // call asks for the same pooler at another moment.
    QList<const PoolerSnapshot*> poolerSnapshotsFor(const QString& database, qint64 cursorMs) const;

    // Backends of the target in its database's newest successful snapshot: by application_name, or behind
    // pgbouncer through its pgbouncer_clients (backendBelongsTo).
    QList<Backend> backendsOf(int targetIndex) const;

    // Review mode: the session was rebuilt from a recording; no sources feed it.
    bool isReview() const { return m_review; }
    void setReview(bool review) { m_review = review; }

    void setArchive(const SnapshotArchive* archive) { m_archive = archive; }
    const SnapshotArchive* archive() const { return m_archive; }

    // A database's snapshot at a moment (a ViewState's cursor): the newest successful one for kLive (0)
    // or when it is not after the moment; otherwise from the archive (without one, empty).
    ActivitySnapshot snapshotAt(int databaseIndex, qint64 cursorMs) const;
    // A target's routes at a moment, by the same rule (without an archive, from the route history).
    QList<RouteStats> routesAt(int targetIndex, qint64 cursorMs) const;
    // What the target's app reported of its holders (backend pid, acquired_at, tracked, route, stack) at a
    // moment, by the same rule: the newest successful poll, or the archive's answer for an earlier cursor.
    // A report given by addHolders is used when it is not older than the newest poll's (and not after the moment).
    HolderReport holdersAt(int targetIndex, qint64 cursorMs) const;
    // What the target's app reported of its holders, read apart from a poll (a fleet window's metrics come from
    // Prometheus, its holders from the agent's snapshot); it replaces the previous one. Unknown targets are
    // ignored. Emits nothing: add the database's snapshot read with it next (snapshotAdded runs the analysis).
    void addHolders(const QString& target, const HolderReport& report);

    // Forgets every target's history before cutoffMs (TargetHistory::dropBefore): `poolscope agent` keeps only
    // what its Diagnosis needs. Emits nothing; events stay (they are capped anyway).
    void dropHistoryBefore(qint64 cutoffMs);

    // Earliest and latest timestamp of anything recorded, 0 when empty.
    qint64 firstTimestampMs() const { return m_firstMs; }
    qint64 lastTimestampMs() const { return m_lastMs; }

    // The newest kMaxEvents events (older ones stay in the recording, not in memory); droppedEvents()
    // counts those let go. An index of eventAdded() is valid until the next event is added.
    static constexpr int kMaxEvents = 10'000;
    const QList<Event>& events() const { return m_events; }
    qint64 droppedEvents() const { return m_droppedEvents; }

    // Review mode: takes the targets, databases and time range read from a recording (built for this
    // workspace) in one go; its events are added with addEvent (they are signalled one by one).
    // Emits nothing: call it before views are built on the Session.
    void adopt(SessionContent content);

    // A window over Prometheus zoomed out past its oldest point: every target's history rebuilt with the
    // older rows before its own (fleet/OlderHistory), one per target in order. The targets' configuration,
    // latest poll and failure count stay (the newest rows are the same); firstTimestampMs moves back.
    // False, and nothing changes, when the count differs. Emits historyReplaced().
    bool replaceTargetHistories(std::vector<TargetHistory> histories);

public Q_SLOTS:
    // Samples for unknown targets are ignored (a workspace reload may race with a reply in flight).
    void addSample(const poolscope::Sample& sample);
    void addSnapshot(const poolscope::ActivitySnapshot& snapshot);
    void addPoolerSnapshot(const poolscope::PoolerSnapshot& snapshot);
    void addEvent(const poolscope::Event& event);

Q_SIGNALS:
    void sampleAdded(int targetIndex);
    void snapshotAdded(int databaseIndex);
    void poolerSnapshotAdded(int poolerIndex);
    void eventAdded(int eventIndex);
    void thresholdsChanged();
    // updateWorkspace changed a setting or the path.
    void workspaceChanged();
    // replaceTargetHistories rebuilt the histories: whatever was derived from them is to be derived again.
    void historyReplaced();

private:
    void noteTime(qint64 ms);

    Workspace m_workspace;
    std::vector<TargetState> m_targets;
    std::vector<DatabaseState> m_databases;
    std::vector<PoolerState> m_poolers;
    qint64 m_firstMs = 0;
    qint64 m_lastMs = 0;
    QList<Event> m_events;
    qint64 m_droppedEvents = 0;
    bool m_review = false;
    const SnapshotArchive* m_archive = nullptr;
    mutable std::map<QString, PoolerSnapshot> m_archivedPoolers; // pooler -> its read at the last cursor asked
};

// True when a backend belongs to the target. A target with pgbouncer_clients: a server connection of one of
// `poolers` (SHOW SERVERS.remote_pid == pid) is linked now to a client that matches them. Otherwise: the
// target names an application_name and the backend has it.
bool backendBelongsTo(
    const Backend& backend, const TargetConfig& target, const QList<const PoolerSnapshot*>& poolers = {});
// True when the timeline counts the target's backends on each read of its database (it names an
// application_name or pgbouncer_clients).
bool backendsCounted(const TargetConfig& target);
// True when backendBelongsTo depends on the poolers' reads (pgbouncer_clients), not on the backend alone.
bool backendsLinkedByPoolers(const TargetConfig& target);
// The backends of `backends` that belong to the target (backendBelongsTo).
qint64 countBackendsOf(
    const QList<Backend>& backends, const TargetConfig& target, const QList<const PoolerSnapshot*>& poolers);

} // namespace poolscope
