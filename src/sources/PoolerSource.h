#pragma once

#include "PgPoller.h"
#include "types/PoolerSnapshot.h"
#include "types/Workspace.h"

namespace poolscope {

// Reads one pgbouncer's admin console each tick through PgPoller's asynchronous libpq: SHOW POOLS, SHOW
// SERVERS and SHOW CLIENTS, each in its own simple-protocol message (the console takes one command per
// query and no extended protocol). The same fault handling as pg_stat_activity: connect and read under
// config.timeoutMs (the console has no statement_timeout: the client deadline alone), errors as error
// snapshots, reconnects with backoff forever.
class PoolerSource : public PgPoller
{
    Q_OBJECT
public:
    // config.conninfo must already be ${env:}-expanded.
    explicit PoolerSource(PoolerConfig config, QObject* parent = nullptr);
    ~PoolerSource() override;

    const PoolerConfig& config() const { return m_config; }

Q_SIGNALS:
    // One per read (ok or failed) and one per failed connection attempt.
    void snapshotReady(const poolscope::PoolerSnapshot& snapshot);

private:
    QByteArrayList beginRead() override;
    QString takeResult(int statement, const PGresult* result) override;
    void readSucceeded(qint64 latencyMs) override;
    void readFailed(const QString& error, qint64 latencyMs) override;

    PoolerConfig m_config;
    PoolerSnapshot m_pending; // being filled by the read in flight
};

} // namespace poolscope
