#pragma once

#include "AgentMetrics.h"
#include "HttpServer.h"

#include <QJsonObject>
#include <QObject>

namespace poolscope {

class Diagnosis;
class Session;

// `poolscope agent`'s HTTP face over a Session and its Diagnosis (the Monitor that feeds them is the
// caller's): /metrics (AgentMetrics, format by Accept), /api/v1/snapshot (snapshotJson) and an index page,
// behind the HttpServer's access rules.
class Agent : public QObject
{
    Q_OBJECT
public:
    Agent(const Session* session, const Diagnosis* diagnosis, QObject* parent = nullptr);

    HttpServer& server() { return m_server; }
    const AgentMetrics& metrics() const { return m_metrics; }
    // `agent --redact`: the snapshot gives queries as their fingerprints, client addresses masked and the
    // holders' frames with their literals as "?" (the rules of `export --redact`).
    void setRedacted(bool redacted) { m_redacted = redacted; }

    HttpServer::Response handle(const HttpServer::Request& request) const;

    // What cannot be a series: per target its verdict, reconciliation and suspects (explain --json's
    // targets, with the `service`) and what its app reported of its holders, per database the newest backends
    // (status --json's databases). A target's `holders`:
    //   {"reported": true, "timestamp": "2026-11-30T03:01:12.301Z" | null, "holders": [explain's holder, ...]}
    // at most HoldersReader::kMaxHolders of them (what a poll can carry), read back by snapshotHolders()
    // (fleet/AgentSnapshotClient.h).
    static QJsonObject snapshotJson(const Session& session, const Diagnosis& diagnosis, bool redact = false);

private:
    const Session* m_session;
    const Diagnosis* m_diagnosis;
    bool m_redacted = false;
    AgentMetrics m_metrics;
    HttpServer m_server;
};

} // namespace poolscope
