#include "PoolApps.h"

#include "DemoState.h"

#include <QDeadlineTimer>
#include <QProcess>

using namespace Qt::StringLiterals;

namespace poolscope::test {

PoolApps::PoolApps() = default;

PoolApps::~PoolApps()
{
    stopAll();
}

bool PoolApps::readDemo(QString* error)
{
    const QJsonObject state = demoState(error);
    if (!error->isEmpty())
        return false;
    m_conninfo = state.value(u"conninfo"_s).toString();
    if (m_conninfo.isEmpty())
        *error = u"the demo's state.json has no conninfo"_s;
    return !m_conninfo.isEmpty();
}

QString PoolApps::start(const QString& kind, const QString& appName)
{
    auto process = std::make_unique<QProcess>();
    process->setProcessChannelMode(QProcess::SeparateChannels);
    const QString python = qEnvironmentVariable("POOLSCOPE_PYTHON", u"/usr/bin/python3"_s);
    process->start(python,
        { QStringLiteral(POOL_APPS_SCRIPT), kind, u"--conninfo"_s, m_conninfo, u"--app-name"_s, appName,
            u"--max-seconds"_s, u"200"_s });
    QByteArray line;
    QDeadlineTimer deadline(60000);
    while (!line.contains('\n') && !deadline.hasExpired() && process->state() != QProcess::NotRunning) {
        process->waitForReadyRead(500);
        line += process->readAllStandardOutput();
    }
    if (!line.startsWith("PORT ")) {
        process->waitForFinished(2000);
        qWarning("pool_apps.py %s did not start: %s %s", qPrintable(kind), line.constData(),
            process->readAllStandardError().constData());
        return {};
    }
    const int port = line.mid(5).trimmed().toInt();
    m_apps.push_back(std::move(process));
    return u"http://127.0.0.1:%1"_s.arg(port);
}

void PoolApps::stopAll()
{
    for (auto& app : m_apps) {
        app->terminate();
        if (!app->waitForFinished(10000))
            app->kill();
    }
    m_apps.clear();
}

} // namespace poolscope::test
