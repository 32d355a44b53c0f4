#include "ShowTable.h"

#include <QDateTime>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// The indexes of the named columns, -1 for those missing; `error` names the first missing required one.
class Columns
{
public:
    Columns(const QStringList& columns, const QString& command)
        : m_columns(columns)
        , m_command(command)
    { }

    int required(const QString& name)
    {
        const auto at = m_columns.indexOf(name);
        if (at < 0 && m_error.isEmpty())
            m_error = u"%1: no column \"%2\" (is this pgbouncer's admin console?)"_s.arg(m_command, name);
        return static_cast<int>(at);
    }
    int optional(const QString& name) const { return static_cast<int>(m_columns.indexOf(name)); }
    const QString& error() const { return m_error; }

private:
    const QStringList& m_columns;
    QString m_command;
    QString m_error;
};

QString cell(const QStringList& row, int column)
{
    return column >= 0 && column < row.size() ? row.at(column) : QString();
}

qint64 number(const QStringList& row, int column)
{
    bool ok = false;
    const qint64 value = cell(row, column).toLongLong(&ok);
    return ok ? value : 0;
}

int integer(const QStringList& row, int column)
{
    return static_cast<int>(std::clamp<qint64>(number(row, column), 0, std::numeric_limits<int>::max()));
}

// The columns SHOW SERVERS and SHOW CLIENTS share: a connection's ptr and link, its pool (database, user),
// state and times. Required in this order, after the command's own first columns.
struct ConnectionColumns
{
    explicit ConnectionColumns(Columns& c)
        : ptr(c.required(u"ptr"_s))
        , link(c.required(u"link"_s))
        , database(c.required(u"database"_s))
        , user(c.required(u"user"_s))
        , state(c.required(u"state"_s))
        , connectTime(c.optional(u"connect_time"_s))
        , requestTime(c.optional(u"request_time"_s))
    { }

    int ptr;
    int link;
    int database;
    int user;
    int state;
    int connectTime;
    int requestTime;
};

// The rows of SHOW SERVERS or SHOW CLIENTS (PoolerServer, PoolerClient): the shared columns read here, the
// command's own by `readRest`, which returns false to leave the row out. Nothing when a column is missing.
template <typename Connection, typename ReadRest>
QList<Connection> readConnections(const QList<QStringList>& rows, const Columns& c, const ConnectionColumns& columns,
    QString* error, const ReadRest& readRest)
{
    if (!c.error().isEmpty()) {
        *error = c.error();
        return {};
    }
    QList<Connection> result;
    result.reserve(rows.size());
    for (const QStringList& row : rows) {
        Connection connection;
        connection.ptr = cell(row, columns.ptr);
        connection.link = cell(row, columns.link);
        connection.database = cell(row, columns.database);
        connection.user = cell(row, columns.user);
        connection.state = cell(row, columns.state);
        connection.connectTimeMs = ShowTable::parseTime(cell(row, columns.connectTime));
        connection.requestTimeMs = ShowTable::parseTime(cell(row, columns.requestTime));
        if (readRest(row, &connection))
            result.append(std::move(connection));
    }
    return result;
}

} // namespace

QList<PoolerPool> ShowTable::pools(QString* error) const
{
    Columns c(columns, u"SHOW POOLS"_s);
    const int database = c.required(u"database"_s);
    const int user = c.required(u"user"_s);
    const int clActive = c.required(u"cl_active"_s);
    const int clWaiting = c.required(u"cl_waiting"_s);
    const int svActive = c.required(u"sv_active"_s);
    const int svIdle = c.required(u"sv_idle"_s);
    const int svUsed = c.required(u"sv_used"_s);
    const int maxwait = c.required(u"maxwait"_s);
    const int maxwaitUs = c.optional(u"maxwait_us"_s);
    const int poolMode = c.optional(u"pool_mode"_s);
    if (!c.error().isEmpty()) {
        *error = c.error();
        return {};
    }
    QList<PoolerPool> result;
    result.reserve(rows.size());
    for (const QStringList& row : rows) {
        PoolerPool p;
        p.database = cell(row, database);
        p.user = cell(row, user);
        p.clActive = integer(row, clActive);
        p.clWaiting = integer(row, clWaiting);
        p.svActive = integer(row, svActive);
        p.svIdle = integer(row, svIdle);
        p.svUsed = integer(row, svUsed);
        p.maxwaitUs = number(row, maxwait) * 1'000'000 + (maxwaitUs >= 0 ? number(row, maxwaitUs) : 0);
        p.poolMode = cell(row, poolMode);
        result.append(std::move(p));
    }
    return result;
}

QList<PoolerServer> ShowTable::servers(QString* error) const
{
    Columns c(columns, u"SHOW SERVERS"_s);
    const int remotePid = c.required(u"remote_pid"_s);
    const ConnectionColumns connection(c);
    return readConnections<PoolerServer>(rows, c, connection, error, [&](const QStringList& row, PoolerServer* s) {
        s->remotePid = integer(row, remotePid);
        return true;
    });
}

QList<PoolerClient> ShowTable::clients(QString* error) const
{
    Columns c(columns, u"SHOW CLIENTS"_s);
    const int addr = c.required(u"addr"_s);
    const int port = c.required(u"port"_s);
    const ConnectionColumns connection(c);
    const int applicationName = c.optional(u"application_name"_s);
    return readConnections<PoolerClient>(rows, c, connection, error, [&](const QStringList& row, PoolerClient* client) {
        if (client->database == u"pgbouncer"_s)
            return false; // the admin console's own clients
        client->addr = cell(row, addr);
        client->port = cell(row, port).isEmpty() ? -1 : integer(row, port);
        client->applicationName = cell(row, applicationName);
        return true;
    });
}

qint64 ShowTable::parseTime(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.size() < 19)
        return kNoTime;
    const QDateTime local = QDateTime::fromString(trimmed.left(19), u"yyyy-MM-dd HH:mm:ss"_s);
    if (!local.isValid())
        return kNoTime;
    const QString zone = trimmed.mid(19).trimmed();
    QDateTime at(local.date(), local.time(), Qt::LocalTime);
    if (zone == u"UTC"_s || zone == u"GMT"_s || zone == u"Z"_s) {
        at = QDateTime(local.date(), local.time(), Qt::UTC);
    } else if (!zone.isEmpty()) {
        const QTimeZone tz(zone.toLatin1());
        if (tz.isValid())
            at = QDateTime(local.date(), local.time(), tz);
    }
    return at.toMSecsSinceEpoch();
}

} // namespace poolscope
