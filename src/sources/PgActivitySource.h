#pragma once

#include "PgPoller.h"
#include "types/ActivitySnapshot.h"
#include "types/Workspace.h"

namespace poolscope {

// Reads pg_stat_activity of one database, one query per tick, through PgPoller's asynchronous libpq.
// Leaves its own backend out of every snapshot. A failed connect, read or lost connection is an error
// snapshot (then PgPoller's backoff). statement_timeout is set to config.timeoutMs on the server, and the
// client gives up kQueryGraceMs after it.
class PgActivitySource : public PgPoller
{
    Q_OBJECT
public:
    // config.conninfo must already be ${env:}-expanded.
    explicit PgActivitySource(DatabaseConfig config, QObject* parent = nullptr);
    ~PgActivitySource() override;

    const DatabaseConfig& config() const { return m_config; }

Q_SIGNALS:
    // One per query (ok or failed) and one per failed connection attempt.
    void snapshotReady(const poolscope::ActivitySnapshot& snapshot);

private:
    QByteArrayList beginRead() override;
    QString takeResult(int statement, const PGresult* result) override;
    void readSucceeded(qint64 latencyMs) override;
    void readFailed(const QString& error, qint64 latencyMs) override;

    DatabaseConfig m_config;
    ActivitySnapshot m_pending; // the snapshot being filled by the query in flight
};

} // namespace poolscope
