#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace poolscope {

// The servers a conninfo connects to, as libpq itself reads them, and the same list with host names
// replaced by addresses, so that libpq gets `hostaddr` and never resolves a name itself (its lookup is a
// blocking getaddrinfo that would stall the thread it runs on).
//
// Entries follow libpq's rules for `host`, `hostaddr` and `port`: comma-separated lists of the same length
// (a single port applies to every host); an empty host is the default socket directory; a host starting
// with '/' or '@' is a Unix-domain socket; an entry with a hostaddr is never looked up.
class PgHosts
{
public:
    struct Entry
    {
        QString host;
        QString hostaddr;
        QString port; // empty: the one shared port (or libpq's default)

        bool operator==(const Entry&) const = default;
    };

    // What libpq would use for `conninfo` (key=value or URI, with a service file and PGHOST, PGHOSTADDR,
    // PGPORT, PGSERVICE applied), read without connecting and without any lookup. std::nullopt when libpq
    // rejects the conninfo, its service or its host lists: its own connect then reports why, before any
    // lookup.
    static std::optional<PgHosts> fromConninfo(const QString& conninfo);
    // From the values of libpq's host, hostaddr and port options; std::nullopt when their lengths disagree.
    static std::optional<PgHosts> fromLists(const QString& host, const QString& hostaddr, const QString& port);

    const QList<Entry>& entries() const { return m_entries; }
    // The host names that need a lookup, each once, in order of appearance.
    QStringList namesToResolve() const;
    // Every entry of a name listed in `addresses` becomes one entry per address (same host, same port, in
    // the order given), so that libpq tries each address as it would after its own lookup; entries of a
    // name not listed (its lookup failed) are dropped; the others stay as they are. A literal IP address
    // gets itself as hostaddr.
    PgHosts withAddresses(const QHash<QString, QStringList>& addresses) const;

    // The option values to hand libpq; port() is empty when libpq's default applies.
    QString host() const;
    QString hostaddr() const;
    QString port() const;

    // A host name: not empty, not a socket path, not a literal IP address.
    static bool isHostName(const QString& host);

private:
    QList<Entry> m_entries;
    QString m_sharedPort; // the single port value when ports are not given per entry
    bool m_portPerEntry = false;
};

} // namespace poolscope
