#include "PoolerJoin.h"

#include "QueryFingerprint.h"
#include "format/Format.h"

#include <QSet>
#include <QStringList>

using namespace Qt::StringLiterals;

namespace poolscope {

QString ClientBehind::address() const
{
    return port >= 0 ? addr + u':' + QString::number(port) : addr;
}

QHash<int, ClientBehind> clientsBehind(const ActivitySnapshot& activity, const QList<const PoolerSnapshot*>& poolers)
{
    QHash<int, ClientBehind> result;
    if (poolers.isEmpty())
        return result;
    for (const Backend& backend : activity.backends) {
        for (const PoolerSnapshot* pooler : poolers) {
            const PoolerServer* server = pooler->serverOfBackend(backend.pid);
            const PoolerClient* client = server ? pooler->clientOf(*server) : nullptr;
            if (!client)
                continue;
            ClientBehind behind;
            behind.pooler = pooler->pooler;
            behind.addr = client->addr;
            behind.port = client->port;
            behind.applicationName = client->applicationName;
            behind.clientState = client->state;
            if (const PoolerPool* pool = pooler->pool(server->database, server->user))
                behind.poolMode = pool->poolMode;
            if (behind.poolMode == u"session"_s)
                behind.sinceMs = client->connectTimeMs;
            else
                behind.sinceMs = backend.xactStartMs != kNoTime ? backend.xactStartMs : backend.queryStartMs;
            result.insert(backend.pid, behind);
            break;
        }
    }
    return result;
}

QString poolModeExplanation(const QString& poolMode)
{
    if (poolMode == u"transaction"_s)
        return u"pgbouncer pools by transaction: a client holds a server connection only inside a transaction, so a "
               u"connection the app keeps checked out but idle outside a transaction holds no backend and is not "
               u"seen here; only those left in an open transaction are."_s;
    if (poolMode == u"statement"_s)
        return u"pgbouncer pools by statement: a client holds a server connection only while one statement runs, "
               u"so connections the app keeps checked out hold no backend at all."_s;
    if (poolMode == u"session"_s)
        return u"pgbouncer pools by session: a client holds its server connection from the moment it connects until "
               u"it disconnects, so every connection the app keeps open holds one backend."_s;
    return {};
}

QSet<QString> poolModesOf(const QList<const PoolerSnapshot*>& poolers)
{
    QSet<QString> modes;
    for (const PoolerSnapshot* pooler : poolers) {
        for (const PoolerPool& pool : pooler->pools) {
            if (pool.database != u"pgbouncer"_s && !pool.poolMode.isEmpty())
                modes.insert(pool.poolMode);
        }
    }
    return modes;
}

void attributeToClients(
    Reconciliation& reconciliation, const QHash<int, ClientBehind>& clients, const QSet<QString>& poolModes)
{
    QSet<QString> modes = poolModes;
    for (Suspect& suspect : reconciliation.suspects) {
        const auto it = clients.constFind(suspect.pid);
        if (it == clients.constEnd())
            continue;
        const ClientBehind& client = it.value();
        suspect.clientAddr = client.address();
        suspect.applicationName = client.applicationName;
        QString held;
        if (!client.applicationName.isEmpty())
            held += u" ("_s + client.applicationName + u')';
        if (client.sinceMs != kNoTime)
            held += u" since "_s + formatClock(client.sinceMs, reconciliation.nowMs, reconciliation.utcOffsetSeconds);
        if (!client.poolMode.isEmpty())
            held += u", "_s + client.poolMode + u" pooling"_s;
        const QString byClient = u" Held through pgbouncer by client "_s;
        const QString masked = redactClientAddress(client.addr);
        suspect.reason += byClient + client.address() + held + u'.';
        suspect.redactedReason
            += byClient + (client.port >= 0 ? masked + u':' + QString::number(client.port) : masked) + held + u'.';
        if (!client.poolMode.isEmpty())
            modes.insert(client.poolMode);
    }
    QStringList sentences;
    for (const QString& mode : { u"transaction"_s, u"statement"_s, u"session"_s }) {
        if (modes.contains(mode))
            sentences << poolModeExplanation(mode);
    }
    if (!sentences.isEmpty())
        reconciliation.confidenceReason += u' ' + sentences.join(u' ');
}

} // namespace poolscope
