#include "PgActivitySource.h"

#include <QDateTime>

#include <libpq-fe.h>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// Every backend but our own. The one-row LEFT JOIN keeps statement_timestamp() and the server's
// connection limit even when no other backend exists; that row has a NULL pid and is skipped.
constexpr char kActivityQuery[] = "SELECT (extract(epoch FROM statement_timestamp()) * 1000)::bigint,"
                                  " one.max_connections, one.reserved,"
                                  " a.pid, a.datname, a.usename, a.application_name, host(a.client_addr),"
                                  " a.client_port, a.backend_type,"
                                  " (extract(epoch FROM a.backend_start) * 1000)::bigint,"
                                  " (extract(epoch FROM a.xact_start) * 1000)::bigint,"
                                  " (extract(epoch FROM a.query_start) * 1000)::bigint,"
                                  " (extract(epoch FROM a.state_change) * 1000)::bigint,"
                                  " a.state, a.wait_event_type, a.wait_event, a.query"
                                  " FROM (SELECT current_setting('max_connections')::int AS max_connections,"
                                  " current_setting('superuser_reserved_connections')::int AS reserved) AS one"
                                  " LEFT JOIN pg_catalog.pg_stat_activity AS a ON a.pid <> pg_backend_pid()"
                                  " ORDER BY a.pid";

enum Column {
    ServerTime,
    MaxConnections,
    ReservedConnections,
    Pid,
    Datname,
    Usename,
    ApplicationName,
    ClientAddr,
    ClientPort,
    BackendType,
    BackendStart,
    XactStart,
    QueryStart,
    StateChange,
    StateColumn,
    WaitEventType,
    WaitEvent,
    Query,
    ColumnCount
};

} // namespace

PgActivitySource::PgActivitySource(DatabaseConfig config, QObject* parent)
    : PgPoller(Settings { config.conninfo, config.intervalMs, config.timeoutMs, true }, parent)
    , m_config(std::move(config))
{ }

PgActivitySource::~PgActivitySource() = default;

QByteArrayList PgActivitySource::beginRead()
{
    m_pending = ActivitySnapshot {};
    m_pending.database = m_config.name;
    return { QByteArray(kActivityQuery) };
}

QString PgActivitySource::takeResult(int /*statement*/, const PGresult* result)
{
    if (PQnfields(result) != ColumnCount)
        return u"unexpected result: %1 columns instead of %2"_s.arg(PQnfields(result)).arg(ColumnCount);
    const int rows = PQntuples(result);
    m_pending.backends.reserve(rows);
    for (int row = 0; row < rows; ++row) {
        if (row == 0) {
            m_pending.serverTimeMs = intValue(result, row, ServerTime, kNoTime);
            m_pending.maxConnections = static_cast<int>(intValue(result, row, MaxConnections, -1));
            m_pending.reservedConnections = static_cast<int>(intValue(result, row, ReservedConnections, -1));
        }
        if (PQgetisnull(result, row, Pid))
            continue; // the LEFT JOIN's row when no other backend exists
        Backend backend;
        backend.pid = static_cast<int>(intValue(result, row, Pid, 0));
        backend.datname = textValue(result, row, Datname);
        backend.usename = textValue(result, row, Usename);
        backend.applicationName = textValue(result, row, ApplicationName);
        backend.clientAddr = textValue(result, row, ClientAddr);
        backend.clientPort = static_cast<int>(intValue(result, row, ClientPort, -1));
        backend.backendType = textValue(result, row, BackendType);
        backend.backendStartMs = intValue(result, row, BackendStart, kNoTime);
        backend.xactStartMs = intValue(result, row, XactStart, kNoTime);
        backend.queryStartMs = intValue(result, row, QueryStart, kNoTime);
        backend.stateChangeMs = intValue(result, row, StateChange, kNoTime);
        backend.state = textValue(result, row, StateColumn);
        backend.waitEventType = textValue(result, row, WaitEventType);
        backend.waitEvent = textValue(result, row, WaitEvent);
        backend.query = textValue(result, row, Query);
        if (backend.query == u"<insufficient privilege>"_s) {
            backend.withheld = true;
            backend.query.clear();
        }
        m_pending.backends.append(std::move(backend));
    }
    return {};
}

void PgActivitySource::readSucceeded(qint64 latencyMs)
{
    ActivitySnapshot snapshot = std::move(m_pending);
    m_pending = ActivitySnapshot {};
    snapshot.timestampMs = QDateTime::currentMSecsSinceEpoch();
    snapshot.latencyMs = latencyMs;
    Q_EMIT snapshotReady(snapshot);
}

void PgActivitySource::readFailed(const QString& error, qint64 latencyMs)
{
    m_pending = ActivitySnapshot {};
    ActivitySnapshot snapshot;
    snapshot.database = m_config.name;
    snapshot.timestampMs = QDateTime::currentMSecsSinceEpoch();
    snapshot.latencyMs = latencyMs;
    snapshot.error = error;
    Q_EMIT snapshotReady(snapshot);
}

} // namespace poolscope
