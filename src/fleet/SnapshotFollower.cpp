#include "SnapshotFollower.h"

#include "AgentSnapshotClient.h"
#include "store/Session.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace poolscope {

SnapshotFollower::SnapshotFollower(AgentSnapshotClient* client, Session* session, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_session(session)
{ }

SnapshotFollower::~SnapshotFollower() = default;

void SnapshotFollower::read()
{
    for (int i = 0; i < m_session->targetCount(); ++i) {
        const TargetConfig& config = m_session->target(i).config;
        if (config.url.isEmpty() || m_inFlight.contains(config.name))
            continue; // the sum, or an agent that has not answered the previous round yet
        m_inFlight.insert(config.name, config.url);
        // On the worker: plain values only (never the session).
        const QString name = config.name;
        const QString database = config.database;
        m_client->fetch(
            config.url, this,
            [name, database](const AgentSnapshot& snapshot) {
                return readReplica(snapshot, name, database, QDateTime::currentMSecsSinceEpoch());
            },
            [this, name](const ReplicaReading& reading) {
                m_inFlight.remove(name);
                const int index = m_session->targetIndex(name);
                if (index < 0 || m_session->target(index).config.url != reading.url) {
                    Q_EMIT dropped(name);
                    return;
                }
                apply(index, reading);
            });
    }
}

void SnapshotFollower::apply(int targetIndex, const ReplicaReading& reading)
{
    if (targetIndex < 0 || targetIndex >= m_session->targetCount())
        return;
    const TargetConfig config = m_session->target(targetIndex).config;
    const ReplicaSnapshot& replica = reading.replica;
    if (!replica.applicationName.isEmpty() && replica.applicationName != config.applicationName) {
        Workspace workspace = m_session->workspace();
        workspace.targets[targetIndex].applicationName = replica.applicationName;
        m_session->updateWorkspace(workspace);
    }
    const bool available = replica.activity.ok();
    const auto previous = m_available.constFind(targetIndex);
    if (previous == m_available.cend() || *previous != available)
        m_session->addEvent(reading.event);
    m_available.insert(targetIndex, available);
    // Malformed holders are said once, not every round.
    QString& holdersError = m_holdersErrors[targetIndex];
    if (!replica.holdersError.isEmpty() && replica.holdersError != holdersError) {
        Event e;
        e.timestampMs = replica.activity.timestampMs;
        e.source = config.name;
        e.severity = Event::Severity::Warning;
        e.kind = u"snapshot-holders"_s;
        e.message = u"the agent's snapshot %1: %2"_s.arg(reading.url, replica.holdersError);
        m_session->addEvent(e);
    }
    holdersError = replica.holdersError;
    // The holders first: the snapshot's arrival runs the analysis, which reads them.
    m_session->addHolders(config.name, replica.holders);
    m_session->addSnapshot(replica.activity);
    Q_EMIT applied(targetIndex, reading.readOn);
}

} // namespace poolscope
