#pragma once

#include <QObject>
#include <QProcess>

namespace poolscope {

// Starts the demo (resources/demo/demo.py run: a throwaway PostgreSQL cluster and three Flask services
// with real psycopg_pool pools) as a child process, reports the workspace it wrote, and stops it again.
// The child cleans up when its stdin closes, so even a crash of PoolScope takes the demo down.
class DemoLauncher : public QObject
{
    Q_OBJECT
public:
    explicit DemoLauncher(QObject* parent = nullptr);
    ~DemoLauncher() override;

    // demo.py: $POOLSCOPE_DEMO_DIR, then <prefix>/share/poolscope/demo next to the binary, then the source tree.
    static QString demoScript();
    // $POOLSCOPE_PYTHON, else /usr/bin/python3 (Debian's, which has Flask and psycopg_pool).
    static QString python();

    void start(double leakPerMinute = 0);
    // Closes the demo's stdin and waits (up to timeoutMs) for it to stop PostgreSQL and the services.
    void stop(int timeoutMs = 20000);

Q_SIGNALS:
    void ready(const QString& workspacePath);
    void failed(const QString& message);

private:
    void onReadyRead();
    void onFinished(int exitCode, QProcess::ExitStatus status);

    QProcess* m_process;
    QByteArray m_stdout;
    bool m_ready = false;
};

} // namespace poolscope
