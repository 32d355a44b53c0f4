#include "PgCluster.h"

#include "LocalHost.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

#include <libpq-fe.h>

#include <algorithm>
#include <csignal>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace poolscope::test {

PgCluster::PgCluster() = default;

PgCluster::~PgCluster()
{
    if (m_running) {
        QString ignored;
        signalServer(SIGCONT, &ignored); // a paused server cannot stop
        run(binary(u"pg_ctl"_s), { u"-D"_s, m_dir.filePath(u"data"_s), u"-m"_s, u"immediate"_s, u"-w"_s, u"stop"_s },
            &ignored, 30'000);
    }
}

QString PgCluster::binary(const QString& name)
{
    QStringList dirs;
    const QString bindir = qEnvironmentVariable("POOLSCOPE_PG_BINDIR");
    if (!bindir.isEmpty())
        dirs.append(bindir);
    QStringList versions = QDir(u"/usr/lib/postgresql"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(
        versions.begin(), versions.end(), [](const QString& a, const QString& b) { return a.toInt() > b.toInt(); });
    for (const QString& v : versions)
        dirs.append(u"/usr/lib/postgresql/"_s + v + u"/bin"_s);
    const QString found = QStandardPaths::findExecutable(name, dirs);
    return found.isEmpty() ? QStandardPaths::findExecutable(name) : found;
}

bool PgCluster::run(const QString& program, const QStringList& arguments, QString* error, int timeoutMs) const
{
    if (program.isEmpty()) {
        *error = u"PostgreSQL's binaries were not found (set POOLSCOPE_PG_BINDIR)"_s;
        return false;
    }
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(m_dir.path());
    if (runningAsRoot())
        process.start(u"runuser"_s, QStringList { u"-u"_s, u"postgres"_s, u"--"_s, program } + arguments);
    else
        process.start(program, arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        *error = u"%1 did not finish in %2 s"_s.arg(program).arg(timeoutMs / 1000);
        return false;
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        *error = u"%1 %2 failed: %3"_s.arg(program, arguments.join(u' '), QString::fromLocal8Bit(process.readAll()));
        return false;
    }
    return true;
}

bool PgCluster::create(const QStringList& hbaLines, QString* error)
{
    if (!m_dir.isValid()) {
        *error = u"cannot create a temporary directory: "_s + m_dir.errorString();
        return false;
    }
    QFile::setPermissions(m_dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    if (!giveToPostgres(m_dir.path())) {
        *error = u"cannot hand %1 to the postgres user"_s.arg(m_dir.path());
        return false;
    }
    const QString data = m_dir.filePath(u"data"_s);
    if (!run(binary(u"initdb"_s),
            { u"-D"_s, data, u"-U"_s, u"postgres"_s, u"-A"_s, u"trust"_s, u"-E"_s, u"UTF8"_s, u"--no-sync"_s }, error))
        return false;
    QFile hba(data + u"/pg_hba.conf"_s);
    if (!hba.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        *error = u"cannot write %1: %2"_s.arg(hba.fileName(), hba.errorString());
        return false;
    }
    hba.write(
        (hbaLines + QStringList { u"local all all trust"_s, u"host all all 127.0.0.1/32 trust"_s }).join(u'\n').toUtf8()
        + '\n');
    hba.close();
    m_port = freeLoopbackPort();
    m_created = true;
    return m_port != 0 || (*error = u"no free port"_s, false);
}

bool PgCluster::start(QString* error)
{
    const QString options = u"-p %1 -k %2 -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40"_s.arg(
        QString::number(m_port), m_dir.path());
    if (!run(binary(u"pg_ctl"_s),
            { u"-D"_s, m_dir.filePath(u"data"_s), u"-l"_s, m_dir.filePath(u"server.log"_s), u"-o"_s, options, u"-w"_s,
                u"-t"_s, u"120"_s, u"start"_s },
            error))
        return false;
    m_running = true;
    return true;
}

bool PgCluster::stop(QString* error)
{
    if (!run(
            binary(u"pg_ctl"_s), { u"-D"_s, m_dir.filePath(u"data"_s), u"-m"_s, u"fast"_s, u"-w"_s, u"stop"_s }, error))
        return false;
    m_running = false;
    return true;
}

QString PgCluster::conninfo(const QString& user) const
{
    return u"host=127.0.0.1 port=%1 dbname=postgres user=%2"_s.arg(m_port).arg(user);
}

qint64 PgCluster::postmasterPid() const
{
    QFile file(m_dir.filePath(u"data/postmaster.pid"_s));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    return file.readLine().trimmed().toLongLong();
}

QList<qint64> PgCluster::serverPids() const
{
    const qint64 postmaster = postmasterPid();
    if (postmaster <= 0)
        return {};
    QList<qint64> pids { postmaster };
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        QFile stat(u"/proc/"_s + entry + u"/stat"_s);
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields[1].toLongLong() == postmaster)
            pids.append(pid);
    }
    return pids;
}

bool PgCluster::signalServer(int signal, QString* error) const
{
    const QList<qint64> pids = serverPids();
    if (pids.isEmpty()) {
        *error = u"no server process"_s;
        return false;
    }
    for (qint64 pid : pids)
        ::kill(static_cast<pid_t>(pid), signal);
    return true;
}

PGconn* PgCluster::connect(const QString& applicationName, QString* error) const
{
    const QString conninfo
        = u"host=%1 port=%2 dbname=postgres user=postgres application_name=%3 connect_timeout=10"_s.arg(m_dir.path())
              .arg(m_port)
              .arg(applicationName);
    PGconn* conn = PQconnectdb(conninfo.toUtf8().constData());
    if (PQstatus(conn) != CONNECTION_OK) {
        *error = QString::fromUtf8(PQerrorMessage(conn)).trimmed();
        PQfinish(conn);
        return nullptr;
    }
    return conn;
}

QString PgCluster::query(const QString& sql, QString* error) const
{
    PGconn* conn = connect(u"poolscope-test"_s, error);
    if (!conn)
        return {};
    PGresult* result = PQexec(conn, sql.toUtf8().constData());
    QString value;
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        *error = QString::fromUtf8(PQresultErrorMessage(result)).trimmed();
    else if (status == PGRES_TUPLES_OK && PQntuples(result) > 0)
        value = QString::fromUtf8(PQgetvalue(result, 0, 0));
    PQclear(result);
    PQfinish(conn);
    return value;
}

} // namespace poolscope::test
