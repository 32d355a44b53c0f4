#pragma once

#include <QObject>
#include <QProcess>
#include <QTimer>

class QNetworkAccessManager;

namespace poolscope {

// Starts the demo (resources/demo/demo.py run: a throwaway PostgreSQL cluster and three Flask services
// with real psycopg_pool pools) as a child process, reports the workspace it wrote, and stops it again.
// The child cleans up when its stdin closes, so even a crash of PoolScope takes the demo down.
// Nothing here blocks: starting and stopping are driven by QProcess signals and timers.
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
    // Closes the demo's stdin so that it stops PostgreSQL and the services, and returns at once; after
    // graceMs it is terminated, 5 s later killed. `stopped` follows when it has exited (at once when
    // it was not running).
    void stop(int graceMs = 20000);
    bool isRunning() const { return m_process->state() != QProcess::NotRunning; }

Q_SIGNALS:
    void ready(const QString& workspacePath);
    void failed(const QString& message);
    void leakSwitched(const QString& message);
    void leakSwitchFailed(const QString& message);
    void stopped();

private:
    void onReadyRead();
    void onFinished(int exitCode, QProcess::ExitStatus status);

    QProcess* m_process;
    QTimer m_stopTimer; // grace period, then terminate, then kill
    int m_stopStage = 0; // 0 running, 1 stdin closed, 2 terminated, 3 killed
    QNetworkAccessManager* m_network = nullptr;
    QString m_workspacePath;
    QByteArray m_stdout;
    bool m_ready = false;
};

} // namespace poolscope
