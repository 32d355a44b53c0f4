#include "Agent.h"

#include "analysis/Diagnosis.h"
#include "analysis/QueryFingerprint.h"
#include "cli/ExplainReport.h"
#include "cli/StatusReport.h"
#include "format/Format.h"
#include "profiles/HoldersReader.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace poolscope {

Agent::Agent(const Session* session, const Diagnosis* diagnosis, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_diagnosis(diagnosis)
    , m_metrics(session, diagnosis)
    , m_server([this](const HttpServer::Request& request) { return handle(request); })
{ }

HttpServer::Response Agent::handle(const HttpServer::Request& request) const
{
    HttpServer::Response response;
    if (request.path == "/metrics") {
        const auto format = ExpositionWriter::negotiate(request.headers.value("accept"));
        response.contentType = ExpositionWriter::contentType(format);
        response.body = m_metrics.exposition(format);
    } else if (request.path == "/api/v1/snapshot") {
        response.contentType = "application/json";
        response.body
            = QJsonDocument(snapshotJson(*m_session, *m_diagnosis, m_redacted)).toJson(QJsonDocument::Compact);
    } else if (request.path == "/") {
        response.contentType = "text/html; charset=utf-8";
        response.body = "<!DOCTYPE html><html><head><title>PoolScope agent</title></head><body><h1>PoolScope "
                        "agent</h1><p><a href=\"metrics\">/metrics</a> (Prometheus) &middot; <a "
                        "href=\"api/v1/snapshot\">/api/v1/snapshot</a> (JSON)</p></body></html>\n";
    } else {
        response.status = 404;
        response.body = "not found: try /metrics or /api/v1/snapshot\n";
    }
    return response;
}

namespace {

// What the target's newest successful poll said of its app's holders.
QJsonObject holdersJson(const HolderReport& report, bool redact)
{
    QJsonArray holders;
    for (const Holder& h : report.holders) {
        if (holders.size() == HoldersReader::kMaxHolders)
            break;
        holders.append(
            holderJson(h, h.hasAcquiredAt() ? (report.timestampMs - h.acquiredAtMs) / 1000.0 : qQNaN(), redact));
    }
    return QJsonObject { { u"reported"_s, report.reported },
        { u"timestamp"_s,
            report.timestampMs != 0 ? QJsonValue(isoTimestamp(report.timestampMs)) : QJsonValue(QJsonValue::Null) },
        { u"holders"_s, holders } };
}

// The backends as `export --redact` gives them: queries as fingerprints, client addresses masked.
QJsonArray redactedDatabases(QJsonArray databases)
{
    for (qsizetype d = 0; d < databases.size(); ++d) {
        QJsonObject db = databases.at(d).toObject();
        QJsonArray backends = db.value(u"backends"_s).toArray();
        for (qsizetype b = 0; b < backends.size(); ++b) {
            QJsonObject backend = backends.at(b).toObject();
            if (const QString query = backend.value(u"query"_s).toString(); !query.isEmpty())
                backend.insert(u"query"_s, fingerprintQuery(query));
            if (const QString addr = backend.value(u"client_addr"_s).toString(); !addr.isEmpty())
                backend.insert(u"client_addr"_s, redactClientAddress(addr));
            backends.replace(b, backend);
        }
        db.insert(u"backends"_s, backends);
        databases.replace(d, db);
    }
    return databases;
}

} // namespace

QJsonObject Agent::snapshotJson(const Session& session, const Diagnosis& diagnosis, bool redact)
{
    const QJsonObject explained = explainJson(session, diagnosis, redact);
    const QJsonObject status = statusJson(session);
    QJsonArray targets = explained.value(u"targets"_s).toArray();
    const QJsonArray polled = status.value(u"targets"_s).toArray(); // ok, error and the newest numbers
    for (qsizetype i = 0; i < targets.size() && i < session.targetCount(); ++i) {
        QJsonObject t = targets.at(i).toObject();
        const QJsonObject numbers = polled.at(i).toObject();
        for (auto it = numbers.begin(); it != numbers.end(); ++it)
            if (!t.contains(it.key()))
                t.insert(it.key(), it.value());
        t.insert(u"service"_s, AgentMetrics::serviceOf(session, static_cast<int>(i)));
        // Which backends are the target's: what a fleet window needs to reconcile them as the agent does.
        const TargetConfig& config = session.target(static_cast<int>(i)).config;
        t.insert(u"database"_s, config.database);
        t.insert(u"application_name"_s, config.applicationName);
        t.insert(u"holders"_s, holdersJson(session.holdersAt(static_cast<int>(i), ViewState::kLive), redact));
        targets.replace(i, t);
    }
    return QJsonObject { { u"generated_at"_s, isoTimestamp(QDateTime::currentMSecsSinceEpoch()) },
        { u"status"_s, explained.value(u"status"_s) }, { u"reasons"_s, explained.value(u"reasons"_s) },
        { u"targets"_s, targets },
        { u"databases"_s,
            redact ? redactedDatabases(status.value(u"databases"_s).toArray()) : status.value(u"databases"_s) } };
}

} // namespace poolscope
