#pragma once

#include <QObject>
#include <QProcess>

class QNetworkAccessManager;

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

    // Switches the demo service's growing leak (POST /admin/leak on its admin URL from state.json);
    // 0 stops it. Answers with leakSwitched or leakSwitchFailed.
    void setLeak(const QString& service, double perMinute);
    // Closes the demo's stdin and waits (up to timeoutMs) for it to stop PostgreSQL and the services.
    void stop(int timeoutMs = 20000);

Q_SIGNALS:
    void ready(const QString& workspacePath);
    void failed(const QString& message);
    void leakSwitched(const QString& message);
    void leakSwitchFailed(const QString& message);

private:
    void onReadyRead();
    void onFinished(int exitCode, QProcess::ExitStatus status);

    QProcess* m_process;
    QNetworkAccessManager* m_network = nullptr;
    QString m_workspacePath;
    QByteArray m_stdout;
    bool m_ready = false;
};

} // namespace poolscope
