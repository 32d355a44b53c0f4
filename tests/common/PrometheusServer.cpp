#include "PrometheusServer.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QThread>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace poolscope::test {

PrometheusServer::PrometheusServer() = default;

PrometheusServer::~PrometheusServer()
{
    stop();
}

bool PrometheusServer::start(const QStringList& scrapeTargets, QString* error, const QString& dataDir, int timeoutMs,
    const QStringList& extraArgs)
{
    if (!m_dir.isValid()) {
        *error = u"no temporary directory"_s;
        return false;
    }
    QStringList quoted;
    for (const QString& t : scrapeTargets)
        quoted.append(u"'"_s + t + u"'"_s);
    QFile config(m_dir.filePath(u"prometheus.yml"_s));
    if (!config.open(QIODevice::WriteOnly)) {
        *error = config.errorString();
        return false;
    }
    config.write(u"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                 "scrape_configs:\n  - job_name: poolscope\n    scrape_interval: 1s\n    scrape_timeout: 1s\n"
                 "    static_configs:\n      - targets: [%1]\n"_s.arg(quoted.join(u", "_s))
                     .toUtf8());
    config.close();

    m_port = freeLoopbackPort();
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardOutputFile(m_dir.filePath(u"prometheus.log"_s));
    QStringList args { u"--config.file="_s + config.fileName(),
        u"--storage.tsdb.path="_s + (dataDir.isEmpty() ? m_dir.filePath(u"data"_s) : dataDir),
        u"--web.listen-address=127.0.0.1:%1"_s.arg(m_port), u"--storage.tsdb.retention.time=3650d"_s };
    args += extraArgs;
    m_process->start(u"prometheus"_s, args);
    if (!m_process->waitForStarted(10'000)) {
        *error = u"prometheus did not start: "_s + m_process->errorString();
        return false;
    }
    QNetworkAccessManager network;
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process->state() != QProcess::Running) {
            *error = u"prometheus exited:\n"_s + log();
            return false;
        }
        QNetworkRequest request(QUrl(url() + u"/-/ready"_s));
        request.setTransferTimeout(2000);
        QNetworkReply* reply = network.get(request);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
        if (status == 200)
            return true;
        QTimer::singleShot(200, &loop, &QEventLoop::quit);
        loop.exec();
    }
    *error = u"prometheus was not ready within %1 s:\n"_s.arg(timeoutMs / 1000) + log();
    return false;
}

void PrometheusServer::stop()
{
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return;
    m_process->terminate();
    if (!m_process->waitForFinished(15'000)) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

QString PrometheusServer::log() const
{
    QFile file(m_dir.filePath(u"prometheus.log"_s));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll().right(4000));
}

} // namespace poolscope::test
