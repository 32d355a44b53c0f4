#pragma once

// What the tests' throwaway servers (PostgreSQL, pgbouncer, Prometheus, HTTP) need to know of this host.

#include <QFile>
#include <QHostAddress>
#include <QString>
#include <QTcpServer>

#include <pwd.h>
#include <unistd.h>

namespace poolscope::test {

// A loopback TCP port nothing listened on a moment ago; 0 when none could be had.
inline quint16 freeLoopbackPort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

inline bool runningAsRoot()
{
    return ::geteuid() == 0;
}

// initdb, postgres and pgbouncer refuse to run as root: when we are root, hands `path` to the postgres user.
inline bool giveToPostgres(const QString& path)
{
    if (!runningAsRoot())
        return true;
    const passwd* pw = ::getpwnam("postgres");
    return pw && ::chown(QFile::encodeName(path).constData(), pw->pw_uid, pw->pw_gid) == 0;
}

} // namespace poolscope::test
