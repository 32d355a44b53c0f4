#pragma once

#include "analysis/Suspects.h"
#include "types/ActivitySnapshot.h"
#include "types/PoolerSnapshot.h"

#include <QHash>
#include <QList>
#include <QSet>
#include <QString>

namespace poolscope {

// The pgbouncer client behind one PostgreSQL backend right now: pg_stat_activity.pid == SHOW
// SERVERS.remote_pid, then SHOW SERVERS.link == SHOW CLIENTS.ptr.
struct ClientBehind
{
    QString pooler; // the poolers[] entry that told it
    QString addr;
    int port = -1;
    QString applicationName;
    QString clientState; // SHOW CLIENTS.state
    QString poolMode; // the pool's, from SHOW POOLS ("session", "transaction", "statement"), empty if unknown
    // Since when the client holds this backend: in session pooling since it connected to pgbouncer, otherwise
    // since its transaction began (xact_start), or its last query when no transaction is open. kNoTime unknown.
    qint64 sinceMs = kNoTime;

    QString address() const; // "10.0.3.7:51234", "unix"
    bool operator==(const ClientBehind&) const = default;
};

// Every backend of `activity` that a server connection of one of `poolers` links to a client now, by pid.
// Backends no pooler serves, and server connections idle in the pool (no client), are not in it.
QHash<int, ClientBehind> clientsBehind(const ActivitySnapshot& activity, const QList<const PoolerSnapshot*>& poolers);

// What a pool mode means for who holds a server connection, in one sentence.
QString poolModeExplanation(const QString& poolMode);

// The pool modes of the pools clients use (SHOW POOLS, the admin console's own pool left out).
QSet<QString> poolModesOf(const QList<const PoolerSnapshot*>& poolers);

// Names, on the suspects a reconciliation found behind pgbouncer, the client that holds each (address,
// application_name, since when) in place of pgbouncer's own address, and adds to the confidence reason
// what each of `poolModes` (those of the target's pgbouncer, see poolModesOf) implies.
void attributeToClients(
    Reconciliation& reconciliation, const QHash<int, ClientBehind>& clients, const QSet<QString>& poolModes);

} // namespace poolscope
