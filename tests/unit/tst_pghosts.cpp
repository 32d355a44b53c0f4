// PgHosts: which host names a conninfo makes libpq look up, and what libpq is handed instead (hostaddr
// next to host, one entry per address), checked against libpq's own reading of the result.
#include "sources/HostResolver.h"
#include "sources/PgHosts.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <libpq-fe.h>

using namespace Qt::StringLiterals;
using namespace poolscope;

using Addresses = QHash<QString, QStringList>;

namespace {

// The options libpq reads from `conninfo` with host, hostaddr and port given after it, as PgActivitySource
// hands them (an invalid sslmode stops libpq before it connects).
QHash<QString, QString> mergedByLibpq(const QString& conninfo, const PgHosts& hosts)
{
    const QByteArray text = conninfo.toUtf8();
    const QByteArray host = hosts.host().toUtf8();
    const QByteArray hostaddr = hosts.hostaddr().toUtf8();
    const QByteArray port = hosts.port().toUtf8();
    const char* keywords[] = { "dbname", "host", "hostaddr", "port", "sslmode", nullptr };
    const char* values[]
        = { text.constData(), host.constData(), hostaddr.constData(), port.constData(), "test-stop", nullptr };
    PGconn* conn = PQconnectStartParams(keywords, values, 1);
    QHash<QString, QString> merged;
    PQconninfoOption* options = PQconninfo(conn);
    for (const PQconninfoOption* option = options; option && option->keyword; ++option)
        merged.insert(QString::fromUtf8(option->keyword), QString::fromUtf8(option->val));
    merged.insert(u"error"_s, QString::fromUtf8(PQerrorMessage(conn)).trimmed());
    PQconninfoFree(options);
    PQfinish(conn);
    return merged;
}

} // namespace

class TestPgHosts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        // The hosts come from the conninfo alone unless a test says otherwise.
        for (const char* name : { "PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE", "PGSERVICEFILE" })
            qunsetenv(name);
    }

    void rewritesTheConninfo_data()
    {
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<Addresses>("addresses");
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("hostaddr");
        QTest::addColumn<QString>("port");

        const Addresses db { { u"db.example.com"_s, { u"10.0.0.1"_s } } };
        QTest::newRow("key=value") << u"host=db.example.com port=5433 dbname=app user=u"_s
                                   << QStringList { u"db.example.com"_s } << db << u"db.example.com"_s << u"10.0.0.1"_s
                                   << u"5433"_s;
        QTest::newRow("URI") << u"postgresql://u@db.example.com:5433/app"_s << QStringList { u"db.example.com"_s } << db
                             << u"db.example.com"_s << u"10.0.0.1"_s << u"5433"_s;
        QTest::newRow("default port") << u"host=db.example.com dbname=app"_s << QStringList { u"db.example.com"_s }
                                      << db << u"db.example.com"_s << u"10.0.0.1"_s << u"5432"_s;
        QTest::newRow("several addresses: one entry each, in order")
            << u"host=db.example.com port=5433"_s << QStringList { u"db.example.com"_s }
            << Addresses { { u"db.example.com"_s, { u"10.0.0.2"_s, u"fd00::2"_s, u"10.0.0.1"_s } } }
            << u"db.example.com,db.example.com,db.example.com"_s << u"10.0.0.2,fd00::2,10.0.0.1"_s << u"5433"_s;

        const Addresses ab { { u"a.test"_s, { u"10.0.0.1"_s, u"10.0.0.2"_s } }, { u"b.test"_s, { u"10.0.0.3"_s } } };
        QTest::newRow("multi-host, a port each")
            << u"host=a.test,b.test port=5432,5433 dbname=app target_session_attrs=read-write"_s
            << QStringList { u"a.test"_s, u"b.test"_s } << ab << u"a.test,a.test,b.test"_s
            << u"10.0.0.1,10.0.0.2,10.0.0.3"_s << u"5432,5432,5433"_s;
        QTest::newRow("multi-host URI") << u"postgresql://a.test:5432,b.test:5433/app?target_session_attrs=primary"_s
                                        << QStringList { u"a.test"_s, u"b.test"_s } << ab << u"a.test,a.test,b.test"_s
                                        << u"10.0.0.1,10.0.0.2,10.0.0.3"_s << u"5432,5432,5433"_s;
        QTest::newRow("multi-host, one port")
            << u"host=a.test,b.test port=6432"_s << QStringList { u"a.test"_s, u"b.test"_s } << ab
            << u"a.test,a.test,b.test"_s << u"10.0.0.1,10.0.0.2,10.0.0.3"_s << u"6432"_s;
        QTest::newRow("a name twice is looked up once")
            << u"host=a.test,a.test port=5432,5433"_s << QStringList { u"a.test"_s }
            << Addresses { { u"a.test"_s, { u"10.0.0.1"_s } } } << u"a.test,a.test"_s << u"10.0.0.1,10.0.0.1"_s
            << u"5432,5433"_s;
        QTest::newRow("a failed lookup drops its entries")
            << u"host=a.test,b.test port=5432,5433"_s << QStringList { u"a.test"_s, u"b.test"_s }
            << Addresses { { u"b.test"_s, { u"10.0.0.3"_s } } } << u"b.test"_s << u"10.0.0.3"_s << u"5433"_s;

        QTest::newRow("socket directory") << u"host=/var/run/postgresql dbname=app"_s << QStringList() << Addresses()
                                          << u"/var/run/postgresql"_s << QString() << u"5432"_s;
        QTest::newRow("abstract socket") << u"host=@pg dbname=app"_s << QStringList() << Addresses() << u"@pg"_s
                                         << QString() << u"5432"_s;
        QTest::newRow("no host: the default socket")
            << u"dbname=app"_s << QStringList() << Addresses() << QString() << QString() << u"5432"_s;
        QTest::newRow("a bare database name")
            << u"app"_s << QStringList() << Addresses() << QString() << QString() << u"5432"_s;
        QTest::newRow("IPv4 literal") << u"host=127.0.0.1 port=5433"_s << QStringList() << Addresses() << u"127.0.0.1"_s
                                      << u"127.0.0.1"_s << u"5433"_s;
        QTest::newRow("IPv6 literal") << u"host=::1 port=5433"_s << QStringList() << Addresses() << u"::1"_s << u"::1"_s
                                      << u"5433"_s;
        QTest::newRow("IPv6 literal in a URI") << u"postgresql://u@[fe80::1]:5433/app"_s << QStringList() << Addresses()
                                               << u"fe80::1"_s << u"fe80::1"_s << u"5433"_s;
        QTest::newRow("hostaddr given: no lookup") << u"host=db.example.com hostaddr=10.9.9.9"_s << QStringList()
                                                   << Addresses() << u"db.example.com"_s << u"10.9.9.9"_s << u"5432"_s;
        QTest::newRow("sockets, names and literals mixed")
            << u"host=/tmp,db.example.com,::1 port=5432,5433,5434"_s << QStringList { u"db.example.com"_s } << db
            << u"/tmp,db.example.com,::1"_s << u",10.0.0.1,::1"_s << u"5432,5433,5434"_s;
    }

    void rewritesTheConninfo()
    {
        QFETCH(QString, conninfo);
        QFETCH(QStringList, names);
        QFETCH(Addresses, addresses);
        QFETCH(QString, host);
        QFETCH(QString, hostaddr);
        QFETCH(QString, port);

        const std::optional<PgHosts> hosts = PgHosts::fromConninfo(conninfo);
        QVERIFY(hosts);
        QCOMPARE(hosts->namesToResolve(), names);
        const PgHosts resolved = hosts->withAddresses(addresses);
        QCOMPARE(resolved.host(), host);
        QCOMPARE(resolved.hostaddr(), hostaddr);
        QCOMPARE(resolved.port(), port);

        // libpq accepts the result and keeps everything else of the conninfo.
        const QHash<QString, QString> original = mergedByLibpq(conninfo, *hosts);
        const QHash<QString, QString> merged = mergedByLibpq(conninfo, resolved);
        QCOMPARE(merged.value(u"error"_s), u"invalid sslmode value: \"test-stop\""_s);
        QCOMPARE(merged.value(u"host"_s), host);
        QCOMPARE(merged.value(u"hostaddr"_s), hostaddr);
        for (const QString& key : { u"dbname"_s, u"user"_s, u"target_session_attrs"_s })
            QCOMPARE(merged.value(key), original.value(key));
    }

    void keepsTargetSessionAttrs()
    {
        const QString conninfo = u"postgresql://u@a.test:5432,b.test:5433/app?target_session_attrs=read-write"_s;
        const std::optional<PgHosts> hosts = PgHosts::fromConninfo(conninfo);
        QVERIFY(hosts);
        const PgHosts resolved
            = hosts->withAddresses({ { u"a.test"_s, { u"10.0.0.1"_s } }, { u"b.test"_s, { u"10.0.0.2"_s } } });
        const QHash<QString, QString> merged = mergedByLibpq(conninfo, resolved);
        QCOMPARE(merged.value(u"target_session_attrs"_s), u"read-write"_s);
        QCOMPARE(merged.value(u"dbname"_s), u"app"_s);
        QCOMPARE(merged.value(u"user"_s), u"u"_s);
        QCOMPARE(merged.value(u"port"_s), u"5432,5433"_s);
    }

    void readsTheEnvironment()
    {
        qputenv("PGHOST", "env.example.com");
        qputenv("PGPORT", "6543");
        const std::optional<PgHosts> hosts = PgHosts::fromConninfo(u"dbname=app"_s);
        QVERIFY(hosts);
        QCOMPARE(hosts->namesToResolve(), QStringList { u"env.example.com"_s });
        QCOMPARE(hosts->port(), u"6543"_s);

        qputenv("PGHOSTADDR", "10.1.1.1"); // then libpq looks nothing up
        QCOMPARE(PgHosts::fromConninfo(u"dbname=app"_s)->namesToResolve(), QStringList());
        // The conninfo wins over the environment.
        QCOMPARE(PgHosts::fromConninfo(u"host=/tmp"_s)->namesToResolve(), QStringList());
    }

    void readsTheServiceFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(u"pg_service.conf"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[reporting]\nhost=svc-a.example.com,svc-b.example.com\nport=5433\ndbname=app\n");
        file.close();
        qputenv("PGSERVICEFILE", QFile::encodeName(file.fileName()));

        std::optional<PgHosts> hosts = PgHosts::fromConninfo(u"service=reporting"_s);
        QVERIFY(hosts);
        QCOMPARE(hosts->namesToResolve(), (QStringList { u"svc-a.example.com"_s, u"svc-b.example.com"_s }));
        QCOMPARE(hosts->port(), u"5433"_s);
        // What the conninfo says beats the service file.
        hosts = PgHosts::fromConninfo(u"service=reporting host=db.example.com"_s);
        QVERIFY(hosts);
        QCOMPARE(hosts->namesToResolve(), QStringList { u"db.example.com"_s });
        // PGSERVICE too.
        qputenv("PGSERVICE", "reporting");
        hosts = PgHosts::fromConninfo(u"dbname=app"_s);
        QVERIFY(hosts);
        QCOMPARE(hosts->namesToResolve(), (QStringList { u"svc-a.example.com"_s, u"svc-b.example.com"_s }));
    }

    // What libpq rejects is left to libpq's connect, which fails before any lookup.
    void leavesBadConninfoToLibpq_data()
    {
        QTest::addColumn<QString>("conninfo");
        QTest::newRow("unknown service") << u"service=nosuch"_s;
        QTest::newRow("unknown option") << u"host=db.example.com colour=blue"_s;
        QTest::newRow("more ports than hosts") << u"host=a.test,b.test port=1,2,3"_s;
        QTest::newRow("hostaddr and host lists differ") << u"host=a.test,b.test hostaddr=10.0.0.1"_s;
        QTest::newRow("not a conninfo") << u"host='unterminated"_s;
    }

    void leavesBadConninfoToLibpq()
    {
        QFETCH(QString, conninfo);
        QVERIFY(!PgHosts::fromConninfo(conninfo));
    }

    void hostNames_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("isName");
        QTest::newRow("name") << u"db.example.com"_s << true;
        QTest::newRow("single label") << u"db"_s << true;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("socket") << u"/var/run/postgresql"_s << false;
        QTest::newRow("abstract socket") << u"@pg"_s << false;
        QTest::newRow("IPv4") << u"192.168.1.10"_s << false;
        QTest::newRow("IPv6") << u"2001:db8::5"_s << false;
        QTest::newRow("IPv6 with scope") << u"fe80::1%lo"_s << false;
    }

    void hostNames()
    {
        QFETCH(QString, host);
        QFETCH(bool, isName);
        QCOMPARE(PgHosts::isHostName(host), isName);
    }

    // localhost comes from /etc/hosts: no DNS server involved. (The DNS cases are in
    // tests/integration/tst_hostresolution.)
    void resolverFindsLocalhost()
    {
        HostResolver resolver;
        QHash<QString, HostResolver::Result> results;
        int finished = 0;
        connect(&resolver, &HostResolver::finished, this, [&](const auto& r) {
            results = r;
            ++finished;
        });
        resolver.resolve({ u"localhost"_s }, 30000);
        QVERIFY(resolver.isBusy());
        QTRY_COMPARE_WITH_TIMEOUT(finished, 1, 30000);
        QVERIFY(!resolver.isBusy());
        QCOMPARE(results.size(), 1);
        const HostResolver::Result result = results.value(u"localhost"_s);
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QVERIFY2(result.addresses.contains(u"127.0.0.1"_s) || result.addresses.contains(u"::1"_s),
            qPrintable(result.addresses.join(u' ')));
    }

    void cancelledLookupIsNotDelivered()
    {
        HostResolver cancelled;
        HostResolver other;
        int cancelledFinished = 0;
        int otherFinished = 0;
        connect(&cancelled, &HostResolver::finished, this, [&] { ++cancelledFinished; });
        connect(&other, &HostResolver::finished, this, [&] { ++otherFinished; });
        cancelled.resolve({ u"localhost"_s }, 30000);
        cancelled.cancel();
        QVERIFY(!cancelled.isBusy());
        // Whether it joins the first lookup or runs its own, `other` finishing means the first one ended too.
        other.resolve({ u"localhost"_s }, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(otherFinished, 1, 30000);
        QCoreApplication::processEvents();
        QCOMPARE(cancelledFinished, 0);
    }

    void destroyedResolverIsNotCalled()
    {
        auto* doomed = new HostResolver;
        doomed->resolve({ u"localhost"_s }, 30000);
        delete doomed; // its lookup is still running, or its result already posted
        HostResolver other;
        int otherFinished = 0;
        connect(&other, &HostResolver::finished, this, [&] { ++otherFinished; });
        other.resolve({ u"localhost"_s }, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(otherFinished, 1, 30000);
        QCoreApplication::processEvents(); // would run a result posted to the deleted resolver
    }
};

QTEST_GUILESS_MAIN(TestPgHosts)
#include "tst_pghosts.moc"
