#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

class QTimer;

namespace poolscope {

// Looks host names up without blocking the thread it lives in: each name is resolved by getaddrinfo (as
// libpq would: any family, stream sockets, the system's order) on a detached worker thread, and the result
// comes back as a queued call. A name already being looked up is not looked up twice: the request joins
// the lookup in flight, so a resolver that never answers costs one thread per name, not one per retry.
//
// A lookup cannot be interrupted, only abandoned: cancel(), a new resolve() or the destruction of this
// object drop the pending requests, and their results are never delivered (the worker finishes on its
// own, or with the process, which never waits for it).
class HostResolver : public QObject
{
    Q_OBJECT
public:
    struct Result
    {
        QStringList addresses; // numeric, in getaddrinfo's order, without duplicates
        QString error; // empty when addresses were found
    };

    explicit HostResolver(QObject* parent = nullptr);
    ~HostResolver() override;

    // Looks every name up, abandoning what a previous call still waits for. finished() follows once every
    // name has an answer, or when timeoutMs has passed (the names still unanswered then get a "timed out"
    // error). An empty list finishes at once (queued).
    void resolve(const QStringList& names, int timeoutMs);
    // Abandons the lookups in flight: finished() is not emitted for them.
    void cancel();
    bool isBusy() const { return !m_tickets.empty(); }

    // One request for one name (internal to the resolver and its worker threads).
    struct Ticket;

Q_SIGNALS:
    // One Result per name given to resolve(). An error reads "NAME: name lookup failed: REASON" or
    // "NAME: name lookup timed out after T s".
    void finished(const QHash<QString, poolscope::HostResolver::Result>& results);

private:
    void deliver(const std::shared_ptr<Ticket>& ticket, const Result& result);
    void onDeadline();
    void finishIfDone();

    QTimer* m_deadline = nullptr;
    int m_timeoutMs = 0;
    std::vector<std::shared_ptr<Ticket>> m_tickets; // the requests of the current resolve()
    QHash<QString, Result> m_results;
};

} // namespace poolscope
