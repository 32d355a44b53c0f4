#include "AgentSnapshotClient.h"

#include "profiles/HoldersReader.h"
#include "workspace/WorkspaceFile.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QThread>

#include <memory>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

qint64 timeOf(const QJsonValue& value)
{
    if (!value.isString())
        return kNoTime;
    const QDateTime t = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : kNoTime;
}

Backend backendOf(const QJsonObject& o, const QString& datname)
{
    Backend b;
    b.pid = o.value(u"pid"_s).toInt();
    b.datname = datname;
    b.usename = o.value(u"usename"_s).toString();
    b.applicationName = o.value(u"application_name"_s).toString();
    b.clientAddr = o.value(u"client_addr"_s).toString();
    b.backendStartMs = timeOf(o.value(u"backend_start"_s));
    b.stateChangeMs = timeOf(o.value(u"state_change"_s));
    b.state = o.value(u"state"_s).toString();
    if (b.state == u"withheld"_s) {
        b.withheld = true;
        b.state.clear();
    }
    b.query = o.value(u"query"_s).toString();
    return b;
}

// The index of the agent's entry for `target`: by its name, or by the name before "@instance"; -1 when none.
qsizetype agentTarget(const QJsonArray& targets, const QString& target)
{
    for (qsizetype i = 0; i < targets.size(); ++i)
        if (targets.at(i).toObject().value(u"name"_s).toString() == target)
            return i;
    const qsizetype at = target.lastIndexOf(u'@');
    if (at > 0)
        return agentTarget(targets, target.left(at));
    return -1;
}

} // namespace

Event snapshotEvent(const QString& target, const AgentSnapshot& snapshot, qint64 nowMs)
{
    Event e;
    e.timestampMs = nowMs;
    e.source = target;
    if (!snapshot.available) {
        e.severity = Event::Severity::Warning;
        e.kind = u"snapshot-unavailable"_s;
        e.message = u"backends and suspects: unavailable (the agent's snapshot %1: %2); the chart and the verdict "
                    "come from Prometheus"_s.arg(snapshot.url, snapshot.reason);
        return e;
    }
    e.kind = u"snapshot"_s;
    const QJsonArray targets = snapshot.body.value(u"targets"_s).toArray();
    if (const qsizetype index = agentTarget(targets, target); index >= 0) {
        const QJsonObject o = targets.at(index).toObject();
        const QJsonValue suspects = o.value(u"suspects"_s);
        const qsizetype count = suspects.isArray() ? suspects.toArray().size() : -1;
        e.message = count >= 0
            ? u"the agent's snapshot (%1) reports %2 suspect(s) holding connections outside tracking"_s
                  .arg(snapshot.url)
                  .arg(count)
            : u"the agent's snapshot (%1) answered, without suspects for this target"_s.arg(snapshot.url);
        return e;
    }
    e.severity = Event::Severity::Warning;
    e.kind = u"snapshot-unavailable"_s;
    e.message
        = u"backends and suspects: unavailable (the agent's snapshot %1 does not list this target)"_s.arg(snapshot.url);
    return e;
}

HolderReport snapshotHolders(const QJsonObject& body, qsizetype targetIndex, qint64 nowMs, QString* error)
{
    const JsonPointer at = JsonPointer().child(u"targets"_s).child(targetIndex).child(u"holders"_s);
    const QJsonValue value = body.value(u"targets"_s).toArray().at(targetIndex).toObject().value(u"holders"_s);
    if (error)
        error->clear();
    auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return HolderReport {};
    };
    if (value.isUndefined() || value.isNull())
        return {}; // an agent from before the holders
    if (!value.isObject())
        return fail(u"holders at %1: expected an object {\"reported\", \"timestamp\", \"holders\"}, got %2"_s.arg(
            at.toString(), HoldersReader::describe(value)));
    const QJsonObject o = value.toObject();
    const QJsonValue reported = o.value(u"reported"_s);
    if (!reported.isBool())
        return fail(u"holders at %1: expected a boolean, got %2"_s.arg(
            at.child(u"reported"_s).toString(), HoldersReader::describe(reported)));
    if (!reported.toBool())
        return {};
    const QJsonValue timestamp = o.value(u"timestamp"_s);
    const qint64 reportedAt = timeOf(timestamp);
    if (reportedAt == kNoTime)
        return fail(u"holders at %1: expected an RFC 3339 time, got %2"_s.arg(
            at.child(u"timestamp"_s).toString(), HoldersReader::describe(timestamp)));
    HolderReport report;
    QStringList errors;
    HoldersReader::read(o.value(u"holders"_s), at.child(u"holders"_s), &report.holders, &errors);
    if (!errors.isEmpty())
        return fail(
            errors.size() == 1 ? errors.first() : u"%1 (and %2 more)"_s.arg(errors.first()).arg(errors.size() - 1));
    // Their age at the agent, onto this clock: the two clocks need not agree.
    const qint64 generatedAt = timeOf(body.value(u"generated_at"_s));
    const qint64 age = generatedAt != kNoTime ? std::max<qint64>(0, generatedAt - reportedAt) : 0;
    report.reported = true;
    report.timestampMs = nowMs - age;
    return report;
}

ReplicaSnapshot replicaSnapshot(
    const AgentSnapshot& snapshot, const QString& target, const QString& database, qint64 nowMs)
{
    ReplicaSnapshot result;
    ActivitySnapshot& a = result.activity;
    a.database = database;
    a.timestampMs = nowMs;
    auto unavailable = [&a](const QString& reason) { a.error = u"unavailable: "_s + reason; };
    if (!snapshot.available) {
        unavailable(u"the agent's snapshot %1: %2"_s.arg(snapshot.url, snapshot.reason));
        return result;
    }
    const QJsonArray targets = snapshot.body.value(u"targets"_s).toArray();
    const qsizetype index = agentTarget(targets, target);
    if (index < 0) {
        unavailable(u"the agent's snapshot %1 does not list %2"_s.arg(snapshot.url, target));
        return result;
    }
    const QJsonObject t = targets.at(index).toObject();
    result.applicationName = t.value(u"application_name"_s).toString();
    const QJsonArray databases = snapshot.body.value(u"databases"_s).toArray();
    // The database the agent's target names; an older agent names none: its only database, if it has one.
    const QString named = t.value(u"database"_s).toString();
    QJsonObject db;
    for (const QJsonValue& d : databases)
        if (!named.isEmpty() && d.toObject().value(u"name"_s).toString() == named)
            db = d.toObject();
    if (named.isEmpty() && databases.size() == 1)
        db = databases.first().toObject();
    if (db.isEmpty()) {
        unavailable(named.isEmpty() ? u"the agent's snapshot %1 names no database for %2"_s.arg(snapshot.url, target)
                                    : u"the agent's snapshot %1 lists no database %2"_s.arg(snapshot.url, named));
        return result;
    }
    if (!db.value(u"ok"_s).toBool()) {
        unavailable(u"the agent could not read pg_stat_activity of %1: %2"_s.arg(
            db.value(u"name"_s).toString(), db.value(u"error"_s).toString()));
        return result;
    }
    // The holders go with the backends they are matched against: none without them.
    result.holders = snapshotHolders(snapshot.body, index, nowMs, &result.holdersError);
    a.serverTimeMs = timeOf(snapshot.body.value(u"generated_at"_s));
    const QString datname = db.value(u"name"_s).toString();
    for (const QJsonValue& b : db.value(u"backends"_s).toArray())
        a.backends.append(backendOf(b.toObject(), datname));
    return result;
}

ReplicaReading readReplica(const AgentSnapshot& snapshot, const QString& target, const QString& database, qint64 nowMs)
{
    ReplicaReading reading;
    reading.url = snapshot.url;
    reading.replica = replicaSnapshot(snapshot, target, database, nowMs);
    reading.event = snapshotEvent(target, snapshot, nowMs);
    reading.readOn = QThread::currentThread();
    return reading;
}

AgentSnapshot parseSnapshot(const QString& url, const QByteArray& body)
{
    AgentSnapshot s;
    s.url = url;
    s.parsedOn = QThread::currentThread();
    QJsonParseError error;
    QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject() || !doc.object().value(u"targets"_s).isArray()) {
        s.reason = u"not a PoolScope snapshot"_s;
        return s;
    }
    s.available = true;
    s.body = doc.object();
    return s;
}

AgentSnapshotClient::AgentSnapshotClient(int timeoutMs, QString bearerToken, QObject* parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
    , m_timeoutMs(timeoutMs)
    , m_bearerToken(std::move(bearerToken))
    , m_jobs(std::make_unique<JobTracker>())
{ }

AgentSnapshotClient::~AgentSnapshotClient() = default;

void AgentSnapshotClient::fetch(const QString& url, QObject* context, std::function<void(AgentSnapshot)> done)
{
    fetch(
        url, context, [](AgentSnapshot snapshot) { return snapshot; }, std::move(done));
}

void AgentSnapshotClient::get(const QString& url, QObject* context, std::function<void(AgentSnapshot, QByteArray)> got)
{
    QNetworkRequest request { QUrl(url) };
    request.setTransferTimeout(m_timeoutMs);
    request.setRawHeader("Accept", "application/json");
    if (!m_bearerToken.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + expandEnv(m_bearerToken).toUtf8());
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::SameOriginRedirectPolicy);
    request.setDecompressedSafetyCheckThreshold(kMaxBodyBytes);
    QNetworkReply* reply = m_network->get(request);
    auto tooLarge = std::make_shared<bool>(false);
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply, tooLarge](qint64 received, qint64 total) {
        if (!*tooLarge && (received > kMaxBodyBytes || total > kMaxBodyBytes)) {
            *tooLarge = true;
            QMetaObject::invokeMethod(reply, &QNetworkReply::abort, Qt::QueuedConnection);
        }
    });
    QPointer<QObject> receiver(context);
    const int timeoutMs = m_timeoutMs;
    connect(reply, &QNetworkReply::finished, this, [reply, receiver, got, url, tooLarge, timeoutMs] {
        reply->deleteLater();
        if (!receiver)
            return;
        AgentSnapshot s;
        s.url = url;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (*tooLarge) {
            s.reason = u"larger than 16 MiB"_s;
        } else if (reply->error() == QNetworkReply::OperationCanceledError) {
            s.reason = u"no answer within %1 s"_s.arg(timeoutMs / 1000.0);
        } else if (status != 0 && status != 200) {
            s.reason = u"HTTP %1"_s.arg(status);
        } else if (reply->error() != QNetworkReply::NoError) {
            s.reason = reply->errorString();
            if (s.reason.isEmpty())
                s.reason = u"network error %1"_s.arg(static_cast<int>(reply->error()));
        } else {
            got(std::move(s), reply->readAll()); // parsed on a worker
            return;
        }
        got(std::move(s), QByteArray());
    });
}

} // namespace poolscope
