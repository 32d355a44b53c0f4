#include "HostResolver.h"

#include <QTimer>

#include <mutex>
#include <system_error>
#include <thread>

#include <netdb.h>
#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace poolscope {

// One request for one name. `cancelled` is guarded by the registry's mutex: a worker posts a result only
// while it holds the mutex and the ticket is not cancelled, and cancel() takes the same mutex, so once
// cancel() returns nothing new is posted to the receiver (what was posted before dies with it, or is
// ignored by deliver()).
struct HostResolver::Ticket
{
    QString name;
    HostResolver* receiver = nullptr;
    bool cancelled = false;
};

namespace {

struct Lookup
{
    std::vector<std::shared_ptr<HostResolver::Ticket>> tickets;
};

// The lookups in flight, by name. Never destroyed: a worker may still finish while the process exits.
struct Registry
{
    std::mutex mutex;
    QHash<QString, std::shared_ptr<Lookup>> inFlight;
};

Registry& registry()
{
    static auto* instance = new Registry;
    return *instance;
}

// What libpq's own lookup would return: any family, stream sockets, getaddrinfo's (RFC 6724) order.
HostResolver::Result lookUp(const QString& name)
{
    addrinfo hints = {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int rc = ::getaddrinfo(name.toUtf8().constData(), nullptr, &hints, &list);
    HostResolver::Result result;
    if (rc != 0) {
        const QString reason = rc == EAI_SYSTEM ? qt_error_string(errno) : QString::fromLocal8Bit(::gai_strerror(rc));
        result.error = u"%1: name lookup failed: %2"_s.arg(name, reason);
        return result;
    }
    for (const addrinfo* entry = list; entry; entry = entry->ai_next) {
        char text[NI_MAXHOST];
        if (::getnameinfo(entry->ai_addr, entry->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) != 0)
            continue;
        const QString address = QString::fromLatin1(text);
        if (!result.addresses.contains(address))
            result.addresses.append(address);
    }
    ::freeaddrinfo(list);
    if (result.addresses.isEmpty())
        result.error = u"%1: name lookup failed: no address"_s.arg(name);
    return result;
}

QString seconds(int ms)
{
    return QString::number(ms / 1000.0) + u" s"_s;
}

} // namespace

HostResolver::HostResolver(QObject* parent)
    : QObject(parent)
    , m_deadline(new QTimer(this))
{
    m_deadline->setSingleShot(true);
    connect(m_deadline, &QTimer::timeout, this, &HostResolver::onDeadline);
}

HostResolver::~HostResolver()
{
    cancel();
}

void HostResolver::resolve(const QStringList& names, int timeoutMs)
{
    cancel();
    Q_ASSERT(!names.isEmpty());
    m_timeoutMs = timeoutMs;
    m_deadline->start(std::max(1, timeoutMs));
    Registry& shared = registry();
    for (const QString& name : names) {
        if (std::any_of(m_tickets.begin(), m_tickets.end(), [&](const auto& t) { return t->name == name; }))
            continue;
        auto ticket = std::make_shared<Ticket>(Ticket { name, this, false });
        m_tickets.push_back(ticket);

        std::lock_guard lock(shared.mutex);
        std::shared_ptr<Lookup>& lookup = shared.inFlight[name];
        if (lookup) {
            lookup->tickets.push_back(ticket); // joins the lookup in flight
            continue;
        }
        lookup = std::make_shared<Lookup>();
        lookup->tickets.push_back(ticket);
        try {
            std::thread([name] {
                const Result result = lookUp(name);
                Registry& r = registry();
                std::lock_guard workerLock(r.mutex);
                const std::shared_ptr<Lookup> done = r.inFlight.take(name);
                for (const std::shared_ptr<Ticket>& t : done->tickets) {
                    if (t->cancelled)
                        continue;
                    HostResolver* receiver = t->receiver;
                    QMetaObject::invokeMethod(
                        receiver, [receiver, t, result] { receiver->deliver(t, result); }, Qt::QueuedConnection);
                }
            }).detach();
        } catch (const std::system_error& e) {
            shared.inFlight.remove(name);
            const Result failure { {}, u"%1: name lookup failed: %2"_s.arg(name, QString::fromLocal8Bit(e.what())) };
            QMetaObject::invokeMethod(
                this, [this, ticket, failure] { deliver(ticket, failure); }, Qt::QueuedConnection);
        }
    }
}

void HostResolver::cancel()
{
    m_deadline->stop();
    m_results.clear();
    if (m_tickets.empty())
        return;
    std::lock_guard lock(registry().mutex);
    for (const std::shared_ptr<Ticket>& ticket : m_tickets)
        ticket->cancelled = true;
    m_tickets.clear();
}

void HostResolver::deliver(const std::shared_ptr<Ticket>& ticket, const Result& result)
{
    // A result of an abandoned request (posted just before cancel()) is dropped here.
    if (std::find(m_tickets.begin(), m_tickets.end(), ticket) == m_tickets.end())
        return;
    m_results.insert(ticket->name, result);
    finishIfDone();
}

void HostResolver::onDeadline()
{
    for (const std::shared_ptr<Ticket>& ticket : m_tickets) {
        if (!m_results.contains(ticket->name))
            m_results.insert(ticket->name,
                Result { {}, u"%1: name lookup timed out after %2"_s.arg(ticket->name, seconds(m_timeoutMs)) });
    }
    finishIfDone();
}

void HostResolver::finishIfDone()
{
    if (static_cast<size_t>(m_results.size()) < m_tickets.size())
        return;
    const QHash<QString, Result> results = std::exchange(m_results, {});
    cancel(); // marks the tickets done; a lookup that timed out may still be running, and is abandoned
    Q_EMIT finished(results);
}

} // namespace poolscope
