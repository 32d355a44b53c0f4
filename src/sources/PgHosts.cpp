#include "PgHosts.h"

#include <libpq-fe.h>

#include <netdb.h>
#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// libpq's own list syntax: elements separated by commas, no escaping; an empty string is one empty element.
QStringList elements(const QString& list)
{
    return list.split(u',');
}

// A numeric IPv4 or IPv6 address (with an optional %scope), in every spelling getaddrinfo accepts
// without a lookup, which is what libpq does with it.
bool isLiteralAddress(const QString& host)
{
    addrinfo hints = {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    addrinfo* result = nullptr;
    const int rc = ::getaddrinfo(host.toUtf8().constData(), nullptr, &hints, &result);
    if (result)
        ::freeaddrinfo(result);
    return rc == 0;
}

} // namespace

std::optional<PgHosts> PgHosts::fromConninfo(const QString& conninfo)
{
    // libpq applies the service file and the PG* environment only when it builds a connection. An invalid
    // sslmode, given last, makes it stop right after that step and before any lookup or socket; the
    // connection object then holds the merged options. (PQconninfoParse reads the string alone.)
    const QByteArray text = conninfo.toUtf8();
    const char* keywords[] = { "dbname", "sslmode", nullptr };
    const char* values[] = { text.constData(), "poolscope-probe-without-connecting", nullptr };
    PGconn* probe = PQconnectStartParams(keywords, values, /* expand_dbname */ 1);
    if (!probe)
        return std::nullopt;
    const QString message = QString::fromUtf8(PQerrorMessage(probe));
    // Anything but the expected refusal (a malformed conninfo, an unknown service, ...) is left to the real
    // connect, which fails the same way.
    if (PQstatus(probe) != CONNECTION_BAD || !message.contains(u"poolscope-probe-without-connecting"_s)) {
        PQfinish(probe);
        return std::nullopt;
    }
    QString host;
    QString hostaddr;
    QString port;
    PQconninfoOption* options = PQconninfo(probe);
    for (const PQconninfoOption* option = options; option && option->keyword; ++option) {
        const QString value = option->val ? QString::fromUtf8(option->val) : QString();
        if (qstrcmp(option->keyword, "host") == 0)
            host = value;
        else if (qstrcmp(option->keyword, "hostaddr") == 0)
            hostaddr = value;
        else if (qstrcmp(option->keyword, "port") == 0)
            port = value;
    }
    PQconninfoFree(options);
    PQfinish(probe);
    return fromLists(host, hostaddr, port);
}

std::optional<PgHosts> PgHosts::fromLists(const QString& host, const QString& hostaddr, const QString& port)
{
    // As libpq's connectOptions2: hostaddr decides the count when given, host must then match it.
    const QStringList hosts = host.isEmpty() ? QStringList() : elements(host);
    const QStringList addrs = hostaddr.isEmpty() ? QStringList() : elements(hostaddr);
    const qsizetype count = !addrs.isEmpty() ? addrs.size() : std::max<qsizetype>(1, hosts.size());
    if (!hosts.isEmpty() && hosts.size() != count)
        return std::nullopt;
    const QStringList ports = port.isEmpty() ? QStringList() : elements(port);
    if (ports.size() > 1 && ports.size() != count)
        return std::nullopt;

    PgHosts result;
    result.m_portPerEntry = ports.size() > 1;
    if (ports.size() == 1)
        result.m_sharedPort = ports.first();
    for (qsizetype i = 0; i < count; ++i) {
        Entry entry;
        entry.host = hosts.value(i);
        entry.hostaddr = addrs.value(i);
        if (result.m_portPerEntry)
            entry.port = ports.at(i);
        result.m_entries.append(entry);
    }
    return result;
}

bool PgHosts::isHostName(const QString& host)
{
    if (host.isEmpty() || host.startsWith(u'/') || host.startsWith(u'@'))
        return false;
    return !isLiteralAddress(host);
}

QStringList PgHosts::namesToResolve() const
{
    QStringList names;
    for (const Entry& entry : m_entries) {
        if (entry.hostaddr.isEmpty() && isHostName(entry.host) && !names.contains(entry.host))
            names.append(entry.host);
    }
    return names;
}

PgHosts PgHosts::withAddresses(const QHash<QString, QStringList>& addresses) const
{
    PgHosts result;
    result.m_sharedPort = m_sharedPort;
    result.m_portPerEntry = m_portPerEntry;
    for (const Entry& entry : m_entries) {
        if (!entry.hostaddr.isEmpty() || entry.host.isEmpty() || entry.host.startsWith(u'/')
            || entry.host.startsWith(u'@')) {
            result.m_entries.append(entry);
            continue;
        }
        if (!isHostName(entry.host)) {
            result.m_entries.append(Entry { entry.host, entry.host, entry.port });
            continue;
        }
        for (const QString& address : addresses.value(entry.host))
            result.m_entries.append(Entry { entry.host, address, entry.port });
    }
    return result;
}

QString PgHosts::host() const
{
    QStringList hosts;
    for (const Entry& entry : m_entries)
        hosts.append(entry.host);
    return hosts.join(u',');
}

QString PgHosts::hostaddr() const
{
    QStringList addrs;
    for (const Entry& entry : m_entries)
        addrs.append(entry.hostaddr);
    return addrs.join(u',');
}

QString PgHosts::port() const
{
    if (!m_portPerEntry)
        return m_sharedPort;
    QStringList ports;
    for (const Entry& entry : m_entries)
        ports.append(entry.port);
    return ports.join(u',');
}

} // namespace poolscope
