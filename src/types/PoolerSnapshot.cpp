#include "PoolerSnapshot.h"

namespace poolscope {

const PoolerServer* PoolerSnapshot::serverOfBackend(int pid) const
{
    if (pid <= 0)
        return nullptr;
    for (const PoolerServer& server : servers) {
        if (server.remotePid == pid)
            return &server;
    }
    return nullptr;
}

const PoolerClient* PoolerSnapshot::clientOf(const PoolerServer& server) const
{
    if (server.link.isEmpty())
        return nullptr;
    for (const PoolerClient& client : clients) {
        if (client.ptr == server.link)
            return &client;
    }
    return nullptr;
}

const PoolerPool* PoolerSnapshot::pool(const QString& poolDatabase, const QString& user) const
{
    for (const PoolerPool& p : pools) {
        if (p.database == poolDatabase && p.user == user)
            return &p;
    }
    return nullptr;
}

} // namespace poolscope
