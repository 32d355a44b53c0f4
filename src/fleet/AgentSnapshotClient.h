#pragma once

#include "jobs/JobTracker.h"
#include "types/ActivitySnapshot.h"
#include "types/Event.h"
#include "types/Sample.h"

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QNetworkAccessManager;
class QThread;

namespace poolscope {

// What an agent's /api/v1/snapshot said (its backends, suspects and holders: what cannot be a Prometheus
// series), or why it could not be read from here: a laptop that reaches Prometheus often reaches no agent.
struct AgentSnapshot
{
    QString url;
    bool available = false;
    QString reason; // why not, when !available
    QJsonObject body; // the agent's JSON, when available
    QThread* parsedOn = nullptr; // the thread that parsed the body (a worker's), null when none was parsed
};

// The agent's answer `body` from `url` parsed (on the calling thread: a worker's, up to 16 MiB): available with
// its JSON, or "not a PoolScope snapshot".
AgentSnapshot parseSnapshot(const QString& url, const QByteArray& body);

// The event that tells a service window about one replica's snapshot: "unavailable" (a warning naming the
// URL and the reason: never an empty table that looks like "no suspects"), or the suspects the agent reports.
Event snapshotEvent(const QString& target, const AgentSnapshot& snapshot, qint64 nowMs);

// What one replica's window takes from its agent's snapshot: the backends of the database the agent's target
// reads (as an ActivitySnapshot of `database`, the window's entry for the replica, so that the backends table
// and the suspects work on it as on a live poll) and the target's application_name (which of them are the
// pool's). When the snapshot is unavailable or says nothing of the target, `activity` failed with
// "unavailable: <reason>", which the backends table and the explanation show instead of an empty table.
// With the backends, the holders the agent's target reports (snapshotHolders): what makes the suspects exact
// and names their code locations, as on a live window; holdersError says why they could not be read.
struct ReplicaSnapshot
{
    ActivitySnapshot activity;
    QString applicationName;
    HolderReport holders;
    QString holdersError;
};

// `target` is the replica's name in the window: the agent's target name, or name@instance when two replicas
// share a name.
ReplicaSnapshot replicaSnapshot(
    const AgentSnapshot& snapshot, const QString& target, const QString& database, qint64 nowMs);

// What a fleet window applies of one replica's snapshot (SnapshotFollower::apply), made off the GUI thread by
// readReplica: the replica's backends and holders, and the event that says whether its agent answered.
struct ReplicaReading
{
    QString url; // the agent's snapshot endpoint
    ReplicaSnapshot replica;
    Event event; // snapshotEvent
    QThread* readOn = nullptr; // the thread that made it (tests check that it is not the GUI's)
};

ReplicaReading readReplica(const AgentSnapshot& snapshot, const QString& target, const QString& database, qint64 nowMs);

// The holders the agent's `targets[targetIndex]` reports (Agent::snapshotJson: {"reported", "timestamp",
// "holders": [...]}, each holder read by HoldersReader), their timestamp moved onto this clock: nowMs less their
// age at the snapshot's generated_at. None reported (no `holders`: an older agent; "reported": false: an app
// without the probe): reported false, no error. Malformed: reported false and *error names the JSON Pointer
// ("/targets/1/holders/holders/0/backend_pid: ...").
HolderReport snapshotHolders(const QJsonObject& body, qsizetype targetIndex, qint64 nowMs, QString* error);

// Reads agents' snapshot endpoints: GET with a timeout and a body cap on the caller's thread; the body (up to
// 16 MiB of JSON) is parsed on a worker thread (a job of the client's JobTracker), and the answer reaches the
// caller on its thread. Each fetch is its own job: none makes another stale.
class AgentSnapshotClient : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kMaxBodyBytes = 16LL * 1024 * 1024;

    // `bearerToken`: ${env:NAME} (the workspace's prometheus.agent_token), expanded per request; empty for none.
    explicit AgentSnapshotClient(int timeoutMs = 5000, QString bearerToken = {}, QObject* parent = nullptr);
    ~AgentSnapshotClient() override;

    // `done` gets the snapshot, parsed off this thread, unless `context` is destroyed first.
    void fetch(const QString& url, QObject* context, std::function<void(AgentSnapshot)> done);
    // The same, and `read(AgentSnapshot)` (thread-safe: plain data in, plain data out) turns it into what the
    // caller needs on the worker thread too; `done` gets read's result on this thread, unless `context` is
    // destroyed first (then it is dropped). `context` lives on this thread.
    template <typename Read, typename Done> void fetch(const QString& url, QObject* context, Read read, Done done)
    {
        get(url, context, [this, context, read, done](AgentSnapshot answer, QByteArray body) {
            m_jobs->run(
                QString(), QStringLiteral("Reading the agent's snapshot %1").arg(answer.url), context,
                [read, answer = std::move(answer), body = std::move(body)](JobControl&) {
                    // The body is there to parse only when the GET succeeded (no reason why not).
                    return read(answer.reason.isEmpty() ? parseSnapshot(answer.url, body) : answer);
                },
                done);
        });
    }

private:
    // The GET: `got` runs on this thread (unless `context` is destroyed first) with the body (and a snapshot of
    // only its URL), or with no body and a snapshot that says why not (its reason, never empty).
    void get(const QString& url, QObject* context, std::function<void(AgentSnapshot, QByteArray)> got);

    QNetworkAccessManager* m_network;
    int m_timeoutMs;
    QString m_bearerToken;
    std::unique_ptr<JobTracker> m_jobs;
};

} // namespace poolscope
