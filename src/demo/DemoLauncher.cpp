#include "DemoLauncher.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

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
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            Q_EMIT failed(u"cannot start the demo with %1: %2"_s.arg(python(), m_process->errorString()));
    });
}

DemoLauncher::~DemoLauncher()
{
    stop();
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
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->setReadChannel(QProcess::StandardOutput);
    m_process->start(python(), args);
}

void DemoLauncher::stop(int timeoutMs)
{
    if (m_process->state() == QProcess::NotRunning)
        return;
    m_process->closeWriteChannel();
    if (!m_process->waitForFinished(timeoutMs)) {
        m_process->terminate();
        if (!m_process->waitForFinished(5000))
            m_process->kill();
    }
}

void DemoLauncher::onReadyRead()
{
    m_stdout += m_process->readAllStandardOutput();
    if (m_ready)
        return;
    for (const QByteArray& line : m_stdout.split('\n')) {
        if (line.startsWith(kReadyPrefix)) {
            m_ready = true;
            Q_EMIT ready(QString::fromLocal8Bit(line.mid(kReadyPrefix.size()).trimmed()));
            return;
        }
    }
}

void DemoLauncher::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (m_ready)
        return;
    const QString errors = QString::fromLocal8Bit(m_process->readAllStandardError()).trimmed();
    const QString how = status == QProcess::CrashExit ? u"crashed"_s : u"exited with code %1"_s.arg(exitCode);
    Q_EMIT failed(
        u"the demo %1 before it was ready%2"_s.arg(how, errors.isEmpty() ? QString() : u":\n"_s + errors.right(2000)));
}

} // namespace poolscope
