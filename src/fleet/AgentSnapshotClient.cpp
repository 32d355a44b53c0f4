#include "AgentSnapshotClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>

#include <memory>

using namespace Qt::StringLiterals;

namespace poolscope {

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
    for (const QJsonValue& t : targets) {
        const QJsonObject o = t.toObject();
        if (o.value(u"name"_s).toString() != target)
            continue;
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

AgentSnapshotClient::AgentSnapshotClient(int timeoutMs, QObject* parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
    , m_timeoutMs(timeoutMs)
{ }

AgentSnapshotClient::~AgentSnapshotClient() = default;

void AgentSnapshotClient::fetch(const QString& url, QObject* context, std::function<void(AgentSnapshot)> done)
{
    QNetworkRequest request { QUrl(url) };
    request.setTransferTimeout(m_timeoutMs);
    request.setRawHeader("Accept", "application/json");
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
    connect(reply, &QNetworkReply::finished, this, [reply, receiver, done, url, tooLarge, timeoutMs] {
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
        } else {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(reply->readAll(), &error);
            if (error.error != QJsonParseError::NoError || !doc.isObject()
                || !doc.object().value(u"targets"_s).isArray())
                s.reason = u"not a PoolScope snapshot"_s;
            else {
                s.available = true;
                s.body = doc.object();
            }
        }
        done(std::move(s));
    });
}

} // namespace poolscope
