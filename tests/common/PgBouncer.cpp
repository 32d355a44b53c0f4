#include "PgBouncer.h"

#include "LocalHost.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QHash>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QThread>

#include <libpq-fe.h>

#include <csignal>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace poolscope::test {

namespace {

bool processExists(qint64 pid)
{
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

// Waits (bounded, sleeping in small steps: there is no event to wait on) until `done` holds.
template <typename Done> bool waitUntil(Done done, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QThread::msleep(50);
    }
    return true;
}

} // namespace

PgBouncer::PgBouncer() = default;

PgBouncer::~PgBouncer()
{
    if (m_pid > 0) {
        QString ignored;
        stop(&ignored, true);
    }
}

QString PgBouncer::binary()
{
    const QString found = QStandardPaths::findExecutable(u"pgbouncer"_s);
    return found.isEmpty() ? QStandardPaths::findExecutable(u"pgbouncer"_s, { u"/usr/sbin"_s, u"/usr/bin"_s }) : found;
}

bool PgBouncer::start(quint16 serverPort, const QString& poolMode, QString* error, const QStringList& extraSettings)
{
    if (!m_dir.isValid()) {
        *error = u"cannot create a temporary directory: "_s + m_dir.errorString();
        return false;
    }
    const QString program = binary();
    if (program.isEmpty()) {
        *error = u"pgbouncer was not found (apt-get install pgbouncer)"_s;
        return false;
    }
    if (!giveToPostgres(m_dir.path())) {
        *error = u"cannot hand %1 to the postgres user"_s.arg(m_dir.path());
        return false;
    }
    m_port = freeLoopbackPort();
    if (m_port == 0) {
        *error = u"no free port"_s;
        return false;
    }
    const QString users = m_dir.filePath(u"userlist.txt"_s);
    const QString config = m_dir.filePath(u"pgbouncer.ini"_s);
    const QString pidFile = m_dir.filePath(u"pgbouncer.pid"_s);
    QFile userFile(users);
    QFile configFile(config);
    if (!userFile.open(QIODevice::WriteOnly) || !configFile.open(QIODevice::WriteOnly)) {
        *error = u"cannot write the configuration in "_s + m_dir.path();
        return false;
    }
    userFile.write("\"postgres\" \"\"\n");
    userFile.close();
    QStringList lines { u"[databases]"_s, u"* = host=127.0.0.1 port=%1"_s.arg(serverPort), u"[pgbouncer]"_s,
        u"listen_addr = 127.0.0.1"_s, u"listen_port = %1"_s.arg(m_port), u"unix_socket_dir = %1"_s.arg(m_dir.path()),
        u"auth_type = trust"_s, u"auth_file = %1"_s.arg(users), u"admin_users = postgres"_s,
        u"pool_mode = %1"_s.arg(poolMode), u"logfile = %1"_s.arg(m_dir.filePath(u"pgbouncer.log"_s)),
        u"pidfile = %1"_s.arg(pidFile), u"default_pool_size = 20"_s, u"max_client_conn = 200"_s,
        u"ignore_startup_parameters = extra_float_digits"_s };
    lines += extraSettings;
    configFile.write(lines.join(u'\n').toUtf8() + '\n');
    configFile.close();
    for (const QString& path : { users, config })
        giveToPostgres(path);

    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(m_dir.path());
    // pgbouncer writes its times in its local time zone: UTC reads the same everywhere.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"TZ"_s, u"UTC"_s);
    process.setProcessEnvironment(environment);
    if (runningAsRoot())
        process.start(u"runuser"_s, { u"-u"_s, u"postgres"_s, u"--"_s, program, u"-d"_s, config });
    else
        process.start(program, { u"-d"_s, config });
    if (!process.waitForFinished(30'000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        *error = u"pgbouncer did not start: "_s + QString::fromLocal8Bit(process.readAll()) + logText();
        process.kill();
        process.waitForFinished();
        return false;
    }
    const bool started = waitUntil(
        [&] {
            QFile file(pidFile);
            if (!file.open(QIODevice::ReadOnly))
                return false;
            m_pid = file.readAll().trimmed().toLongLong();
            if (m_pid <= 0)
                return false;
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, m_port);
            return socket.waitForConnected(1000);
        },
        30'000);
    if (!started) {
        *error = u"pgbouncer did not listen on port %1: %2"_s.arg(m_port).arg(logText());
        return false;
    }
    return true;
}

bool PgBouncer::stop(QString* error, bool hard)
{
    if (m_pid <= 0)
        return true;
    ::kill(static_cast<pid_t>(m_pid), hard ? SIGKILL : SIGTERM);
    if (!waitUntil([this] { return !processExists(m_pid); }, 30'000)) {
        *error = u"pgbouncer (pid %1) did not stop"_s.arg(m_pid);
        return false;
    }
    m_pid = 0;
    return true;
}

QString PgBouncer::logText() const
{
    QFile file(m_dir.filePath(u"pgbouncer.log"_s));
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

QString PgBouncer::adminConninfo() const
{
    return u"host=127.0.0.1 port=%1 dbname=pgbouncer user=postgres"_s.arg(m_port);
}

QString PgBouncer::conninfo(const QString& database, const QString& applicationName) const
{
    return u"host=127.0.0.1 port=%1 dbname=%2 user=postgres application_name=%3 connect_timeout=10"_s.arg(m_port).arg(
        database, applicationName);
}

QList<QHash<QString, QString>> PgBouncer::show(const QString& command, QString* error) const
{
    QList<QHash<QString, QString>> rows;
    PGconn* conn = PQconnectdb((adminConninfo() + u" connect_timeout=10"_s).toUtf8().constData());
    if (PQstatus(conn) != CONNECTION_OK) {
        *error = QString::fromUtf8(PQerrorMessage(conn)).trimmed();
        PQfinish(conn);
        return rows;
    }
    PGresult* result = PQexec(conn, command.toUtf8().constData());
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
        *error = QString::fromUtf8(PQresultErrorMessage(result)).trimmed();
    } else {
        for (int row = 0; row < PQntuples(result); ++row) {
            QHash<QString, QString> values;
            for (int column = 0; column < PQnfields(result); ++column)
                values.insert(
                    QString::fromUtf8(PQfname(result, column)), QString::fromUtf8(PQgetvalue(result, row, column)));
            rows.append(values);
        }
    }
    PQclear(result);
    PQfinish(conn);
    return rows;
}

} // namespace poolscope::test
