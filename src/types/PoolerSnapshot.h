#pragma once

#include "ActivitySnapshot.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace poolscope {

// One row of pgbouncer's SHOW POOLS: a (database, user) pool.
struct PoolerPool
{
    QString database; // pgbouncer's database name (as clients name it)
    QString user;
    int clActive = 0; // clients linked to a server or idle with nothing to do
    int clWaiting = 0; // clients that sent a query and wait for a server
    int svActive = 0; // server connections linked to a client
    int svIdle = 0; // server connections unused, ready
    int svUsed = 0; // server connections idle longer than server_check_delay, to be checked
    qint64 maxwaitUs = 0; // the oldest waiting client's wait: maxwait seconds + maxwait_us
    QString poolMode; // "session", "transaction", "statement"

    double maxwaitSeconds() const { return static_cast<double>(maxwaitUs) / 1e6; }
    QString key() const { return database + u'/' + user; }
    bool operator==(const PoolerPool&) const = default;
};

// One row of SHOW SERVERS: a connection from pgbouncer to PostgreSQL.
struct PoolerServer
{
    int remotePid = 0; // the PostgreSQL backend's pid (pg_stat_activity.pid), 0 when unknown
    QString ptr; // this server's address inside pgbouncer
    QString link; // the client it is linked to (SHOW CLIENTS.ptr), empty when none
    QString database;
    QString user;
    QString state; // "active", "idle", "used", "tested", "new"
    qint64 connectTimeMs = kNoTime; // UTC ms
    qint64 requestTimeMs = kNoTime;

    bool operator==(const PoolerServer&) const = default;
};

// One row of SHOW CLIENTS: a connection from an application to pgbouncer.
struct PoolerClient
{
    QString addr; // the client's address ("unix" for a Unix socket)
    int port = -1;
    QString applicationName;
    QString ptr; // this client's address inside pgbouncer
    QString link; // the server it is linked to (SHOW SERVERS.ptr), empty when none
    QString database;
    QString user;
    QString state; // "active", "waiting", "idle" (1.18: active/waiting/cancel)
    qint64 connectTimeMs = kNoTime; // UTC ms
    qint64 requestTimeMs = kNoTime;

    bool operator==(const PoolerClient&) const = default;
};

// One read of a pgbouncer's admin console (SHOW POOLS, SHOW SERVERS, SHOW CLIENTS), or the reason it
// failed.
struct PoolerSnapshot
{
    QString pooler; // the poolers[] entry's name
    QString database; // its databases[] entry: the server whose backends remote_pid names
    qint64 timestampMs = 0; // local clock (UTC ms) when the last result arrived
    qint64 latencyMs = -1;
    QList<PoolerPool> pools;
    QList<PoolerServer> servers;
    QList<PoolerClient> clients; // PoolScope's own admin connection is never among them
    QString error; // empty when the read succeeded

    bool ok() const { return error.isEmpty(); }

    // The server connection whose PostgreSQL backend is `pid`, nullptr when none.
    const PoolerServer* serverOfBackend(int pid) const;
    // The client that server connection is linked to now (server.link == client.ptr), nullptr when none.
    const PoolerClient* clientOf(const PoolerServer& server) const;
    // The pool a server or client belongs to, nullptr when SHOW POOLS did not list it.
    const PoolerPool* pool(const QString& poolDatabase, const QString& user) const;
};

} // namespace poolscope

Q_DECLARE_METATYPE(poolscope::PoolerSnapshot)
