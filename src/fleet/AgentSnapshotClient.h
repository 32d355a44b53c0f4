#pragma once

#include "types/Event.h"

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <functional>

class QNetworkAccessManager;

namespace poolscope {

// What an agent's /api/v1/snapshot said (its backends, suspects and holders: what cannot be a Prometheus
// series), or why it could not be read from here: a laptop that reaches Prometheus often reaches no agent.
struct AgentSnapshot
{
    QString url;
    bool available = false;
    QString reason; // why not, when !available
    QJsonObject body; // the agent's JSON, when available
};

// The event that tells a service window about one replica's snapshot: "unavailable" (a warning naming the
// URL and the reason: never an empty table that looks like "no suspects"), or the suspects the agent reports.
Event snapshotEvent(const QString& target, const AgentSnapshot& snapshot, qint64 nowMs);

// Reads agents' snapshot endpoints: GET with a timeout and a body cap, answers on the caller's thread.
class AgentSnapshotClient : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kMaxBodyBytes = 16LL * 1024 * 1024;

    explicit AgentSnapshotClient(int timeoutMs = 5000, QObject* parent = nullptr);
    ~AgentSnapshotClient() override;

    // `done` runs unless `context` is destroyed first.
    void fetch(const QString& url, QObject* context, std::function<void(AgentSnapshot)> done);

private:
    QNetworkAccessManager* m_network;
    int m_timeoutMs;
};

} // namespace poolscope
