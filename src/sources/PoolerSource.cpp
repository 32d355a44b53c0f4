#include "PoolerSource.h"

#include "ShowTable.h"

#include <QDateTime>

#include <libpq-fe.h>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

enum Statement { Pools, Servers, Clients };

ShowTable showTable(const PGresult* result)
{
    ShowTable table;
    const int columns = PQnfields(result);
    const int rows = PQntuples(result);
    for (int column = 0; column < columns; ++column)
        table.columns.append(QString::fromUtf8(PQfname(result, column)));
    table.rows.reserve(rows);
    for (int row = 0; row < rows; ++row) {
        QStringList cells;
        cells.reserve(columns);
        for (int column = 0; column < columns; ++column)
            cells.append(PgPoller::textValue(result, row, column));
        table.rows.append(std::move(cells));
    }
    return table;
}

} // namespace

PoolerSource::PoolerSource(PoolerConfig config, QObject* parent)
    : PgPoller(Settings { config.conninfo, config.intervalMs, config.timeoutMs, false }, parent)
    , m_config(std::move(config))
{ }

PoolerSource::~PoolerSource() = default;

QByteArrayList PoolerSource::beginRead()
{
    m_pending = PoolerSnapshot {};
    m_pending.pooler = m_config.name;
    m_pending.database = m_config.database;
    return { QByteArrayLiteral("SHOW POOLS;"), QByteArrayLiteral("SHOW SERVERS;"), QByteArrayLiteral("SHOW CLIENTS;") };
}

QString PoolerSource::takeResult(int statement, const PGresult* result)
{
    const ShowTable table = showTable(result);
    QString error;
    switch (statement) {
    case Pools:
        m_pending.pools = table.pools(&error);
        break;
    case Servers:
        m_pending.servers = table.servers(&error);
        break;
    case Clients:
        m_pending.clients = table.clients(&error);
        break;
    default:
        error = u"unexpected result of statement %1"_s.arg(statement);
        break;
    }
    return error;
}

void PoolerSource::readSucceeded(qint64 latencyMs)
{
    PoolerSnapshot snapshot = std::move(m_pending);
    m_pending = PoolerSnapshot {};
    snapshot.timestampMs = QDateTime::currentMSecsSinceEpoch();
    snapshot.latencyMs = latencyMs;
    Q_EMIT snapshotReady(snapshot);
}

void PoolerSource::readFailed(const QString& error, qint64 latencyMs)
{
    m_pending = PoolerSnapshot {};
    PoolerSnapshot snapshot;
    snapshot.pooler = m_config.name;
    snapshot.database = m_config.database;
    snapshot.timestampMs = QDateTime::currentMSecsSinceEpoch();
    snapshot.latencyMs = latencyMs;
    snapshot.error = error;
    Q_EMIT snapshotReady(snapshot);
}

} // namespace poolscope
