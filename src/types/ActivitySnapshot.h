#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

#include <limits>

namespace poolscope {

// A pg_stat_activity timestamp column that was NULL.
inline constexpr qint64 kNoTime = std::numeric_limits<qint64>::min();

// One row of pg_stat_activity. Timestamps are UTC milliseconds since the epoch, kNoTime for NULL.
struct Backend
{
    int pid = 0;
    QString datname;
    QString usename;
    QString applicationName;
    QString clientAddr; // empty for a Unix socket or NULL
    int clientPort = -1; // -1 for a Unix socket or NULL
    QString backendType; // "client backend", "autovacuum launcher", ...
    qint64 backendStartMs = kNoTime;
    qint64 xactStartMs = kNoTime;
    qint64 queryStartMs = kNoTime;
    qint64 stateChangeMs = kNoTime;
    QString state; // "active", "idle", "idle in transaction", ... empty when NULL
    QString waitEventType;
    QString waitEvent;
    QString query;
    // The role may not see this row's details: pg_stat_activity shows "<insufficient privilege>".
    bool withheld = false;

    bool operator==(const Backend&) const = default;
};

// One read of pg_stat_activity for one database, or the reason it failed.
struct ActivitySnapshot
{
    QString database; // the database entry's name in the workspace
    qint64 timestampMs = 0; // local clock (UTC ms) when the result arrived
    qint64 serverTimeMs = kNoTime; // the server's statement_timestamp(): ages are measured against it
    qint64 latencyMs = -1;
    // The server's connection limit as ordinary roles meet it: max_connections and
    // superuser_reserved_connections (-1 when unknown). Used for a time to exhaustion when a pool has no max.
    int maxConnections = -1;
    int reservedConnections = -1;
    QList<Backend> backends; // PoolScope's own backend is never among them
    QString error; // empty when the read succeeded

    bool ok() const { return error.isEmpty(); }
};

} // namespace poolscope

Q_DECLARE_METATYPE(poolscope::ActivitySnapshot)
