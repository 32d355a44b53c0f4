#pragma once

// A throwaway PostgreSQL cluster of a test's own, for faults that stop, pause or kill the server (never
// staged on the shared demo fixture). initdb runs as the `postgres` user when the test runs as root
// (PostgreSQL refuses root), in a QTemporaryDir; the server listens on 127.0.0.1 and a free port, with
// its Unix socket in the same directory. Everything is removed on destruction.
#include <QList>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

typedef struct pg_conn PGconn;

namespace poolscope::test {

class PgCluster
{
public:
    PgCluster();
    ~PgCluster();
    PgCluster(const PgCluster&) = delete;
    PgCluster& operator=(const PgCluster&) = delete;

    // initdb (with `hbaLines` ahead of "trust for everyone else") and start. False with *error on failure.
    bool create(const QStringList& hbaLines, QString* error);
    bool start(QString* error);
    // pg_ctl stop -m fast.
    bool stop(QString* error);
    bool running() const { return m_running; }

    quint16 port() const { return m_port; }
    QString directory() const { return m_dir.path(); }
    // A TCP conninfo for `user` on database postgres (no password: libpq finds one if it needs it).
    QString conninfo(const QString& user) const;

    // The postmaster and every process it started, by pid.
    QList<qint64> serverPids() const;
    // kill(2) for every server process (SIGSTOP, SIGCONT).
    bool signalServer(int signal, QString* error) const;

    // Runs `sql` as the superuser over the Unix socket; the first column of the first row, or *error.
    QString query(const QString& sql, QString* error) const;
    // A superuser connection of the test's own (PQfinish it), or nullptr with *error.
    PGconn* connect(const QString& applicationName, QString* error) const;

    // Where initdb, pg_ctl and postgres live: $POOLSCOPE_PG_BINDIR, the newest /usr/lib/postgresql/*/bin, PATH.
    static QString binary(const QString& name);

private:
    bool run(const QString& program, const QStringList& arguments, QString* error, int timeoutMs = 120'000) const;
    qint64 postmasterPid() const;

    QTemporaryDir m_dir;
    quint16 m_port = 0;
    bool m_created = false;
    bool m_running = false;
};

} // namespace poolscope::test
