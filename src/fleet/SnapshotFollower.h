#pragma once

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>

namespace poolscope {

struct AgentSnapshot;
class AgentSnapshotClient;
class Session;

// Keeps a fleet service window's backends, holders and suspects following its replicas' agents, as its chart
// follows Prometheus. read() asks the agent of every replica (a target with a snapshot URL) for its snapshot,
// one request per replica in flight: a slow agent never stacks them. Each answer goes to the session by
// apply(): the replica's holders (Session::addHolders), then its database's backends, or "unavailable:
// <reason>" (never an empty table) when the agent does not answer; an event when a replica's snapshot turns
// unavailable or answers again. An agent that names the replica's application_name later (it did not answer
// when the window opened) sets it in the session's workspace.
class SnapshotFollower : public QObject
{
    Q_OBJECT
public:
    // `client` and `session` must outlive this object.
    SnapshotFollower(AgentSnapshotClient* client, Session* session, QObject* parent = nullptr);

    // One round: a fetch for each replica that has none in flight.
    void read();
    // Feeds one replica's answer to the session (what read() does with each answer).
    void apply(int targetIndex, const AgentSnapshot& snapshot);

    int inFlight() const { return static_cast<int>(m_inFlight.size()); }

Q_SIGNALS:
    // After apply(): the session holds the replica's newest snapshot.
    void applied(int targetIndex);

private:
    AgentSnapshotClient* m_client;
    Session* m_session;
    QSet<int> m_inFlight; // target indices
    QHash<int, bool> m_available; // target index -> whether its last answer was a snapshot
    QHash<int, QString> m_holdersErrors; // target index -> why its last holders could not be read
};

} // namespace poolscope
