#include "PrometheusClient.h"

#include "jobs/JobTracker.h"
#include "workspace/WorkspaceFile.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace poolscope {

PrometheusClient::PrometheusClient(PrometheusConfig config, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_network(new QNetworkAccessManager(this))
    , m_jobs(std::make_unique<JobTracker>())
{ }

PrometheusClient::~PrometheusClient() = default;

void PrometheusClient::query(const QByteArray& form, QObject* context, Callback done, PromResponse::Type expected)
{
    post(u"/api/v1/query"_s, form, expected, context, std::move(done));
}

void PrometheusClient::queryRange(const QByteArray& form, QObject* context, Callback done)
{
    post(u"/api/v1/query_range"_s, form, PromResponse::Type::Matrix, context, std::move(done));
}

void PrometheusClient::post(
    const QString& path, const QByteArray& form, PromResponse::Type type, QObject* context, Callback done)
{
    QUrl url(m_config.url);
    QString base = url.path();
    while (base.endsWith(u'/'))
        base.chop(1);
    url.setPath(base + path);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/x-www-form-urlencoded"_s);
    request.setRawHeader("Accept", "application/json");
    if (!m_config.token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + expandEnv(m_config.token).toUtf8());
    request.setTransferTimeout(std::max(1, m_config.timeoutMs));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::SameOriginRedirectPolicy);
    request.setDecompressedSafetyCheckThreshold(m_maxBodyBytes);

    QNetworkReply* reply = m_network->post(request, form);
    ++m_inFlight;
    auto tooLarge = std::make_shared<bool>(false);
    const qint64 cap = m_maxBodyBytes;
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply, tooLarge, cap](qint64 received, qint64 total) {
        if (!*tooLarge && (received > cap || total > cap)) {
            *tooLarge = true;
            QMetaObject::invokeMethod(reply, &QNetworkReply::abort, Qt::QueuedConnection);
        }
    });
    QPointer<QObject> receiver(context);
    connect(reply, &QNetworkReply::finished, this, [this, reply, tooLarge, cap, type, receiver, done, url] {
        reply->deleteLater();
        --m_inFlight;
        if (!receiver)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString where = url.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemoveQuery);
        if (*tooLarge) {
            PromResponse failed;
            failed.error = u"%1: the answer is larger than %2 MiB; narrow the selector or the range"_s.arg(where).arg(
                cap / (1024 * 1024));
            done(std::move(failed));
            return;
        }
        // Prometheus answers bad queries with 400/422/503 and a JSON error body: parse it for its message.
        QByteArray body = reply->error() == QNetworkReply::NoError || status >= 400 ? reply->readAll() : QByteArray();
        const bool jsonError = status >= 400 && body.startsWith('{');
        if (reply->error() != QNetworkReply::NoError && !jsonError) {
            PromResponse failed;
            if (reply->error() == QNetworkReply::OperationCanceledError)
                failed.error = u"%1: no answer within %2 s"_s.arg(where).arg(m_config.timeoutMs / 1000.0);
            else if (status != 0)
                failed.error = u"%1: HTTP %2 %3"_s.arg(where).arg(status).arg(
                    reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString());
            else
                failed.error = u"%1: %2"_s.arg(where, reply->errorString());
            done(std::move(failed));
            return;
        }
        // No kind: the answers are independent of each other (a newer one never makes another stale).
        m_jobs->run(
            QString(), u"Reading Prometheus's answer"_s, receiver.data(),
            [body = std::move(body), type](JobControl&) { return PromResponse::parse(body, type); },
            [done, where](PromResponse parsed) {
                if (!parsed.ok() && !parsed.error.startsWith(u"Prometheus: "_s))
                    parsed.error = where + u": "_s + parsed.error;
                done(std::move(parsed));
            });
    });
}

} // namespace poolscope
