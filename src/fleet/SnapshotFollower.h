#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QThread>

namespace poolscope {

class AgentSnapshotClient;
struct ReplicaReading;
class Session;

// Keeps a fleet service window's backends, holders and suspects following its replicas' agents, as its chart
// follows Prometheus. read() asks the agent of every replica (a target with a snapshot URL) for its snapshot,
// one request per replica in flight (until its answer is applied or dropped): a slow agent never stacks them.
// Each answer (up to 16 MiB of JSON) is parsed and turned into the replica's backends, holders and event on a
// worker thread (readReplica, in the client's job); the GUI thread only applies the result: apply() gives the
// session the replica's holders (Session::addHolders), then its database's backends, or "unavailable:
// <reason>" (never an empty table) when the agent does not answer; an event when a replica's snapshot turns
// unavailable or answers again. An answer for a replica the session no longer has, or whose URL changed while
// it was read (the workspace edited), is dropped. An agent that names the replica's application_name later (it
// did not answer when the window opened) sets it in the session's workspace.
class SnapshotFollower : public QObject
{
    Q_OBJECT
public:
    // `client` and `session` must outlive this object.
    SnapshotFollower(AgentSnapshotClient* client, Session* session, QObject* parent = nullptr);
    ~SnapshotFollower() override;

    // One round: a fetch for each replica that has none in flight.
    void read();
    // Feeds one replica's reading to the session (what read() does with each answer, on this thread).
    void apply(int targetIndex, const ReplicaReading& reading);

    int inFlight() const { return static_cast<int>(m_inFlight.size()); }

Q_SIGNALS:
    // After apply(): the session holds the replica's newest snapshot; `readOn` is the thread that parsed and
    // converted it (the client's worker for read(); tests check it is not the GUI thread).
    void applied(int targetIndex, QThread* readOn);
    // An answer dropped: its replica is gone from the session or its URL changed while it was read.
    void dropped(const QString& target);

private:
    AgentSnapshotClient* m_client;
    Session* m_session;
    QHash<QString, QString> m_inFlight; // target name -> the snapshot URL asked
    QHash<int, bool> m_available; // target index -> whether its last answer was a snapshot
    QHash<int, QString> m_holdersErrors; // target index -> why its last holders could not be read
};

} // namespace poolscope
