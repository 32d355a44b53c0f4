#pragma once

// The pool apps of tests/integration/pool_apps.py (real pools of real libraries, each holding known connections
// to the demo's PostgreSQL) as the tests that watch them start them (tst_poolsources, tst_holders_e2e): on
// demand, connected with the demo fixture's conninfo, all stopped with this object.
#include <QString>

#include <memory>
#include <vector>

class QProcess;

namespace poolscope::test {

class PoolApps
{
public:
    PoolApps();
    ~PoolApps();
    PoolApps(const PoolApps&) = delete;
    PoolApps& operator=(const PoolApps&) = delete;

    // Reads the demo fixture's conninfo (state.json); false with *error when the fixture is not up.
    bool readDemo(QString* error);
    const QString& conninfo() const { return m_conninfo; }

    // Starts `pool_apps.py KIND` as application_name appName; its base URL ("http://127.0.0.1:PORT") once it
    // holds its connections, empty (with a warning saying why) when it did not start within 60 s.
    QString start(const QString& kind, const QString& appName);
    // Terminates every app started (killed after 10 s).
    void stopAll();

private:
    QString m_conninfo;
    std::vector<std::unique_ptr<QProcess>> m_apps;
};

} // namespace poolscope::test
