#include "DemoLauncher.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
constexpr QByteArrayView kReadyPrefix = "POOLSCOPE_DEMO_WORKSPACE=";
}

DemoLauncher::DemoLauncher(QObject* parent)
    : QObject(parent)
    , m_process(new QProcess(this))
{
    connect(m_process, &QProcess::readyReadStandardOutput, this, &DemoLauncher::onReadyRead);
    connect(m_process, &QProcess::finished, this, &DemoLauncher::onFinished);
    m_stopTimer.setSingleShot(true);
    connect(&m_stopTimer, &QTimer::timeout, this, [this] {
        if (!isRunning())
            return;
        if (m_stopStage == 1) {
            m_stopStage = 2;
            m_process->terminate();
            m_stopTimer.start(5000);
        } else {
            m_stopStage = 3;
            m_process->kill();
        }
    });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            Q_EMIT failed(u"cannot start the demo with %1: %2"_s.arg(python(), m_process->errorString()));
    });
}

DemoLauncher::~DemoLauncher()
{
    if (!isRunning())
        return;
    // No waiting here: with its stdin closed the demo stops by itself. The QProcess is let go (deleting
    // it would kill the demo before it could stop PostgreSQL).
    m_process->closeWriteChannel();
    m_process->disconnect(this);
    m_process->setParent(nullptr);
}

QString DemoLauncher::demoScript()
{
    QStringList candidates;
    const QString fromEnv = qEnvironmentVariable("POOLSCOPE_DEMO_DIR");
    if (!fromEnv.isEmpty())
        candidates.append(fromEnv);
    candidates.append(QCoreApplication::applicationDirPath() + u"/../share/poolscope/demo"_s);
    candidates.append(QStringLiteral(POOLSCOPE_SOURCE_DEMO_DIR));
    for (const auto& dir : std::as_const(candidates)) {
        const QFileInfo script(QDir(dir).filePath(u"demo.py"_s));
        if (script.isFile())
            return script.absoluteFilePath();
    }
    return {};
}

QString DemoLauncher::python()
{
    const QString fromEnv = qEnvironmentVariable("POOLSCOPE_PYTHON");
    return fromEnv.isEmpty() ? u"/usr/bin/python3"_s : fromEnv;
}

void DemoLauncher::start(double leakPerMinute)
{
    const QString script = demoScript();
    if (script.isEmpty()) {
        Q_EMIT failed(u"cannot find the demo (demo.py); set POOLSCOPE_DEMO_DIR to the resources/demo folder"_s);
        return;
    }
    QStringList args { script, u"run"_s };
    if (leakPerMinute > 0)
        args << u"--leak-per-minute"_s << QString::number(leakPerMinute);
    m_stdout.clear();
    m_ready = false;
    m_stopStage = 0;
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->setReadChannel(QProcess::StandardOutput);
    m_process->start(python(), args);
}

void DemoLauncher::stop(int graceMs)
{
    if (!isRunning()) {
        QMetaObject::invokeMethod(this, &DemoLauncher::stopped, Qt::QueuedConnection);
        return;
    }
    if (m_stopStage != 0)
        return; // already stopping
    m_stopStage = 1;
    m_process->closeWriteChannel();
    m_stopTimer.start(graceMs);
}

void DemoLauncher::onReadyRead()
{
    m_stdout += m_process->readAllStandardOutput();
    if (m_ready)
        return;
    for (const QByteArray& line : m_stdout.split('\n')) {
        if (line.startsWith(kReadyPrefix)) {
            m_ready = true;
            m_workspacePath = QString::fromLocal8Bit(line.mid(kReadyPrefix.size()).trimmed());
            Q_EMIT ready(m_workspacePath);
            return;
        }
    }
}

void DemoLauncher::setLeak(const QString& service, double perMinute)
{
    // state.json sits beside the workspace the demo wrote; it names each service's admin URL.
    QFile stateFile(QFileInfo(m_workspacePath).absoluteDir().filePath(u"state.json"_s));
    if (m_workspacePath.isEmpty() || !stateFile.open(QIODevice::ReadOnly)) {
        Q_EMIT leakSwitchFailed(u"the demo is not running (no state.json)"_s);
        return;
    }
    QString adminUrl;
    const QJsonArray services = QJsonDocument::fromJson(stateFile.readAll()).object().value(u"services"_s).toArray();
    for (const auto& v : services) {
        if (v.toObject().value(u"name"_s).toString() == service)
            adminUrl = v.toObject().value(u"admin_url"_s).toString();
    }
    if (adminUrl.isEmpty()) {
        Q_EMIT leakSwitchFailed(u"the demo has no service named %1"_s.arg(service));
        return;
    }
    if (!m_network)
        m_network = new QNetworkAccessManager(this);
    QNetworkRequest request { QUrl(adminUrl + u"/leak"_s) };
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    request.setTransferTimeout(5000);
    const QByteArray body
        = QJsonDocument(QJsonObject { { u"per_minute"_s, perMinute } }).toJson(QJsonDocument::Compact);
    QNetworkReply* reply = m_network->post(request, body);
    connect(reply, &QNetworkReply::finished, this, [this, reply, service, perMinute] {
        reply->deleteLater();
        if (reply->error() != QNetworkReply::NoError) {
            Q_EMIT leakSwitchFailed(u"cannot switch the demo's leak: %1"_s.arg(reply->errorString()));
            return;
        }
        Q_EMIT leakSwitched(perMinute > 0
                ? u"demo: %1 now leaks %2 connections a minute outside its tracking"_s.arg(service).arg(perMinute)
                : u"demo: %1 stopped leaking (leaked connections stay held)"_s.arg(service));
    });
}

void DemoLauncher::onFinished(int exitCode, QProcess::ExitStatus status)
{
    m_stopTimer.stop();
    if (m_stopStage != 0) {
        m_stopStage = 0;
        Q_EMIT stopped();
        return;
    }
    if (m_ready)
        return;
    const QString errors = QString::fromLocal8Bit(m_process->readAllStandardError()).trimmed();
    const QString how = status == QProcess::CrashExit ? u"crashed"_s : u"exited with code %1"_s.arg(exitCode);
    Q_EMIT failed(
        u"the demo %1 before it was ready%2"_s.arg(how, errors.isEmpty() ? QString() : u":\n"_s + errors.right(2000)));
}

} // namespace poolscope
