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

void SnapshotFollower::read()
{
    for (int i = 0; i < m_session->targetCount(); ++i) {
        const QString& url = m_session->target(i).config.url;
        if (url.isEmpty() || m_inFlight.contains(i))
            continue; // the sum, or an agent that has not answered the previous round yet
        m_inFlight.insert(i);
        m_client->fetch(url, this, [this, i](AgentSnapshot snapshot) {
            m_inFlight.remove(i);
            apply(i, snapshot);
        });
    }
}

void SnapshotFollower::apply(int targetIndex, const AgentSnapshot& snapshot)
{
    if (targetIndex < 0 || targetIndex >= m_session->targetCount())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const TargetConfig config = m_session->target(targetIndex).config;
    const ReplicaSnapshot replica = replicaSnapshot(snapshot, config.name, config.database, now);
    if (!replica.applicationName.isEmpty() && replica.applicationName != config.applicationName) {
        Workspace workspace = m_session->workspace();
        workspace.targets[targetIndex].applicationName = replica.applicationName;
        m_session->updateWorkspace(workspace);
    }
    const bool available = replica.activity.ok();
    const auto previous = m_available.constFind(targetIndex);
    if (previous == m_available.cend() || *previous != available)
        m_session->addEvent(snapshotEvent(config.name, snapshot, now));
    m_available.insert(targetIndex, available);
    // Malformed holders are said once, not every round.
    QString& holdersError = m_holdersErrors[targetIndex];
    if (!replica.holdersError.isEmpty() && replica.holdersError != holdersError) {
        Event e;
        e.timestampMs = now;
        e.source = config.name;
        e.severity = Event::Severity::Warning;
        e.kind = u"snapshot-holders"_s;
        e.message = u"the agent's snapshot %1: %2"_s.arg(snapshot.url, replica.holdersError);
        m_session->addEvent(e);
    }
    holdersError = replica.holdersError;
    // The holders first: the snapshot's arrival runs the analysis, which reads them.
    m_session->addHolders(config.name, replica.holders);
    m_session->addSnapshot(replica.activity);
    Q_EMIT applied(targetIndex);
}

} // namespace poolscope
