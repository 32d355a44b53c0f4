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

    HttpServer::Response handle(const HttpServer::Request& request) const;

    // What cannot be a series: per target its verdict, reconciliation and suspects (explain --json's
    // targets, with the `service`), per database the newest backends (status --json's databases).
    static QJsonObject snapshotJson(const Session& session, const Diagnosis& diagnosis);

private:
    const Session* m_session;
    const Diagnosis* m_diagnosis;
    AgentMetrics m_metrics;
    HttpServer m_server;
};

} // namespace poolscope
