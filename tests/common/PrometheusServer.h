#pragma once

// A real Prometheus (Debian's `prometheus`) for integration tests and benches: started on a free loopback
// port with a temporary data directory (or a given one, e.g. built by promtool), scraping the given targets
// every second, and stopped (SIGTERM, then SIGKILL) when the object goes.
#include "LocalHost.h" // freeLoopbackPort(), for the tests that start one

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace poolscope::test {

class PrometheusServer
{
public:
    PrometheusServer();
    ~PrometheusServer();

    // scrapeTargets: host:port of each agent (job "poolscope"); dataDir empty: a temporary one.
    // Waits (up to timeoutMs) until /-/ready answers; false and *error set when it does not.
    bool start(const QStringList& scrapeTargets, QString* error, const QString& dataDir = {}, int timeoutMs = 60'000,
        const QStringList& extraArgs = {});
    void stop();

    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    quint16 port() const { return m_port; }
    QString log() const;

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
};

} // namespace poolscope::test
