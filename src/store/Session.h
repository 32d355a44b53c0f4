#pragma once

#include "ActivitySnapshot.h"
#include "Event.h"
#include "Sample.h"
#include "TargetHistory.h"
#include "workspace/Workspace.h"

#include <QObject>

#include <vector>

namespace poolscope {

// Everything known about one health target.
struct TargetState
{
    TargetConfig config;
    TargetHistory history;
    Sample latest; // the newest poll, possibly failed; timestampMs == 0 before the first
    Sample lastOk; // the newest successful poll
    int consecutiveFailures = 0;
    qint64 backendCount = -1; // backends of config.applicationName in the newest snapshot, -1 unknown

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

// Owns the history of a monitoring session, live or replayed. Views, analysis, the recorder and
// exports read from it; sources (or a recording) feed it. Lives on the GUI thread.
class Session : public QObject
{
    Q_OBJECT
public:
    explicit Session(Workspace workspace, QObject* parent = nullptr);
    ~Session() override;

    const Workspace& workspace() const { return m_workspace; }

    int targetCount() const { return static_cast<int>(m_targets.size()); }
    const TargetState& target(int index) const { return m_targets.at(static_cast<std::size_t>(index)); }
    int targetIndex(const QString& name) const;

    int databaseCount() const { return static_cast<int>(m_databases.size()); }
    const DatabaseState& database(int index) const { return m_databases.at(static_cast<std::size_t>(index)); }
    int databaseIndex(const QString& name) const;

    // Backends of the target's application_name in its database's newest successful snapshot.
    QList<Backend> backendsOf(int targetIndex) const;

    // Earliest and latest timestamp of anything recorded, 0 when empty.
    qint64 firstTimestampMs() const { return m_firstMs; }
    qint64 lastTimestampMs() const { return m_lastMs; }

    const QList<Event>& events() const { return m_events; }

public Q_SLOTS:
    // Samples for unknown targets are ignored (a workspace reload may race with a reply in flight).
    void addSample(const poolscope::Sample& sample);
    void addSnapshot(const poolscope::ActivitySnapshot& snapshot);
    void addEvent(const poolscope::Event& event);

Q_SIGNALS:
    void sampleAdded(int targetIndex);
    void snapshotAdded(int databaseIndex);
    void eventAdded(int eventIndex);

private:
    void noteTime(qint64 ms);

    Workspace m_workspace;
    std::vector<TargetState> m_targets;
    std::vector<DatabaseState> m_databases;
    qint64 m_firstMs = 0;
    qint64 m_lastMs = 0;
    QList<Event> m_events;
};

// True when a backend belongs to the target: same database entry and, when the target names one,
// the same application_name.
bool backendBelongsTo(const Backend& backend, const TargetConfig& target);

} // namespace poolscope
