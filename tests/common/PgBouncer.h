#pragma once

// A pgbouncer of a test's own, in front of a PostgreSQL on 127.0.0.1 (a PgCluster, or the demo's). It runs
// as the `postgres` user when the test runs as root (pgbouncer refuses root), daemonized, in a
// QTemporaryDir with its config, log, pid file and Unix socket, on a free port. auth_type=trust (the
// users named must still be in its auth_file: "postgres" is); `postgres` is an admin user. Stopped and
// removed on destruction.
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace poolscope::test {

class PgBouncer
{
public:
    PgBouncer();
    ~PgBouncer();
    PgBouncer(const PgBouncer&) = delete;
    PgBouncer& operator=(const PgBouncer&) = delete;

    // Writes the configuration (every database "*" forwarded to 127.0.0.1:serverPort, `poolMode` of
    // "session", "transaction" or "statement", then `extraSettings` lines of [pgbouncer]) and starts it;
    // returns once it accepts connections. False with *error on failure.
    bool start(quint16 serverPort, const QString& poolMode, QString* error, const QStringList& extraSettings = {});
    // SIGTERM (or SIGKILL when `hard`), waiting until the process is gone.
    bool stop(QString* error, bool hard = false);
    bool running() const { return m_pid > 0; }

    quint16 port() const { return m_port; }
    qint64 pid() const { return m_pid; }
    QString directory() const { return m_dir.path(); }
    QString logText() const;
    // TCP conninfos: the admin console (dbname=pgbouncer user=postgres) and a database through the pool.
    QString adminConninfo() const;
    QString conninfo(const QString& database, const QString& applicationName) const;

    // Runs one admin console command (e.g. "SHOW POOLS") with a connection of the test's own; the rows as
    // name -> value maps, or *error.
    QList<QHash<QString, QString>> show(const QString& command, QString* error) const;

    static QString binary();

private:
    QTemporaryDir m_dir;
    quint16 m_port = 0;
    qint64 m_pid = 0;
};

} // namespace poolscope::test
