// Host names resolved without blocking, against a real DNS server on loopback that misbehaves
// (tests/common/fake_dns.py, --mode by-name): "silent.*" never answered, "slowN.*" answered after N s with
// 127.0.0.1 (where the demo's PostgreSQL listens), "nx.*" NXDOMAIN.
//
// ctest runs this test in a private mount namespace (unshare -m) where /etc/resolv.conf is a private file
// (see tests/integration/CMakeLists.txt); the test points it at the fake server. Child processes (the
// poolscope binary) inherit it. The machine's own /etc/resolv.conf is never touched.
#include "DemoState.h"
#include "record/RecordingReader.h"
#include "sources/HostResolver.h"
#include "sources/PgActivitySource.h"
#include "store/Session.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <span>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

namespace {

qint64 longestGap(const ColumnView<qint64>& times)
{
    qint64 longest = 0;
    for (std::size_t i = 1; i < times.size(); ++i)
        longest = std::max(longest, times[i] - times[i - 1]);
    return longest;
}

} // namespace

class TestHostResolution : public QObject
{
    Q_OBJECT

    QJsonObject m_state;
    QProcess m_dns;
    QTemporaryDir m_dir;

    // The demo's database under a host name the fake server answers for.
    QString conninfoVia(const QString& host) const
    {
        return u"host=%1 port=%2 dbname=%3 user=postgres"_s.arg(host)
            .arg(m_state.value(u"pg_port"_s).toInt())
            .arg(m_state.value(u"database"_s).toString());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(qgetenv("POOLSCOPE_PRIVATE_RESOLV_CONF") == "1",
            "run through ctest: this test rewrites /etc/resolv.conf and needs a private mount namespace");
        QVERIFY(m_dir.isValid());
        QString error;
        m_state = demoState(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        // A resolver timeout far above the database's 5 s connect timeout, so that the deadline that fires
        // is ours and not glibc's.
        m_dns.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_dns.start(qEnvironmentVariable("POOLSCOPE_PYTHON", u"/usr/bin/python3"_s),
            { QStringLiteral(FAKE_DNS_SCRIPT), u"--mode"_s, u"by-name"_s, u"--bind"_s, u"auto"_s, u"--resolv-conf"_s,
                u"/etc/resolv.conf"_s, u"--timeout"_s, u"30"_s });
        QVERIFY(m_dns.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_dns.canReadLine() || m_dns.state() != QProcess::Running, 20000);
        const QByteArray line = m_dns.readLine();
        QVERIFY2(line.startsWith("listening "), line.constData());
    }

    void cleanupTestCase()
    {
        m_dns.terminate();
        m_dns.waitForFinished(5000);
    }

    // The fake server answers as it should (checks the fixture, not PoolScope).
    void slowNameResolves()
    {
        HostResolver resolver;
        QHash<QString, HostResolver::Result> results;
        connect(&resolver, &HostResolver::finished, this, [&](const auto& r) { results = r; });
        resolver.resolve({ u"slow1.db.test"_s, u"nx.db.test"_s }, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!results.isEmpty(), 20000);
        QCOMPARE(results.value(u"slow1.db.test"_s).addresses, QStringList { u"127.0.0.1"_s });
        QCOMPARE(results.value(u"nx.db.test"_s).error, u"nx.db.test: name lookup failed: Name or service not known"_s);
    }

    void silentNameTimesOut()
    {
        HostResolver resolver;
        QHash<QString, HostResolver::Result> results;
        connect(&resolver, &HostResolver::finished, this, [&](const auto& r) { results = r; });
        resolver.resolve({ u"silent.db.test"_s }, 1000);
        QTRY_VERIFY_WITH_TIMEOUT(!results.isEmpty(), 20000);
        QCOMPARE(results.value(u"silent.db.test"_s).error, u"silent.db.test: name lookup timed out after 1 s"_s);
    }

    // A source destroyed while its lookup hangs is never called back; the next source for the same name
    // joins the lookup in flight and gets its answer.
    void abandonedLookupIsDropped()
    {
        auto* first = new HostResolver;
        int firstFinished = 0;
        connect(first, &HostResolver::finished, this, [&] { ++firstFinished; });
        first->resolve({ u"slow2.db.test"_s }, 20000);
        delete first;
        HostResolver second;
        QHash<QString, HostResolver::Result> results;
        connect(&second, &HostResolver::finished, this, [&](const auto& r) { results = r; });
        second.resolve({ u"slow2.db.test"_s }, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!results.isEmpty(), 20000);
        QCOMPARE(results.value(u"slow2.db.test"_s).addresses, QStringList { u"127.0.0.1"_s });
        QCoreApplication::processEvents();
        QCOMPARE(firstFinished, 0);
    }

    // The lookup takes 2 s, then the database is read as usual; the event loop kept running meanwhile.
    void sourceReadsAfterSlowLookup()
    {
        DatabaseConfig config;
        config.name = u"slow"_s;
        config.conninfo = conninfoVia(u"slow2.db.test"_s);
        PgActivitySource source(config);
        QList<ActivitySnapshot> snapshots;
        connect(&source, &PgActivitySource::snapshotReady, this,
            [&](const ActivitySnapshot& snapshot) { snapshots.append(snapshot); });
        int ticks = 0;
        QTimer probe;
        connect(&probe, &QTimer::timeout, this, [&] { ++ticks; });
        probe.start(100);
        QElapsedTimer clock;
        clock.start();
        source.pollNow();
        QCOMPARE(source.state(), PgActivitySource::State::Connecting);
        QTRY_VERIFY_WITH_TIMEOUT(!snapshots.isEmpty(), 20000);
        QVERIFY2(snapshots.first().ok(), qPrintable(snapshots.first().error));
        QVERIFY(!snapshots.first().backends.isEmpty());
        QVERIFY2(clock.elapsed() >= 1900, qPrintable(QString::number(clock.elapsed()))); // it did wait for DNS
        QVERIFY2(ticks >= 10, qPrintable(QString::number(ticks))); // 100 ms ticks during 2 s
    }

    // Before: `status` sat in libpq's getaddrinfo past --wait (10.1 s for --wait 3).
    void statusKeepsItsWaitWhileTheLookupHangs()
    {
        QElapsedTimer clock;
        clock.start();
        const PoolscopeRun run = runPoolscope(
            { u"status"_s, u"--pg"_s, conninfoVia(u"silent.db.test"_s), u"--wait"_s, u"3"_s, u"--json"_s });
        const qint64 elapsed = clock.elapsed();
        qInfo("status --wait 3 with a silent DNS server: %lld ms", static_cast<long long>(elapsed));
        QVERIFY2(run.exitCode >= 0, run.err.constData());
        QVERIFY2(elapsed < 4500, qPrintable(QString::number(elapsed)));
        const QJsonObject db
            = QJsonDocument::fromJson(run.out).object().value(u"databases"_s).toArray().first().toObject();
        QCOMPARE(db.value(u"ok"_s).toBool(), false);
        QCOMPARE(db.value(u"error"_s).toString(), u"no answer yet"_s);
    }

    void statusNamesTheLookupFailure_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("error");
        QTest::addColumn<int>("withinMs");
        QTest::newRow("timeout") << u"silent.db.test"_s << u"silent.db.test: name lookup timed out after 5 s"_s
                                 << 5000 + 2500;
        QTest::newRow("NXDOMAIN") << u"nx.db.test"_s << u"nx.db.test: name lookup failed: Name or service not known"_s
                                  << 2500;
    }

    void statusNamesTheLookupFailure()
    {
        QFETCH(QString, host);
        QFETCH(QString, error);
        QFETCH(int, withinMs);
        QElapsedTimer clock;
        clock.start();
        const PoolscopeRun run
            = runPoolscope({ u"status"_s, u"--pg"_s, conninfoVia(host), u"--wait"_s, u"20"_s, u"--json"_s });
        const qint64 elapsed = clock.elapsed();
        qInfo("status --wait 20, %s: %lld ms", qPrintable(host), static_cast<long long>(elapsed));
        QVERIFY2(run.exitCode >= 0, run.err.constData());
        QVERIFY2(elapsed < withinMs, qPrintable(QString::number(elapsed)));
        const QJsonObject db
            = QJsonDocument::fromJson(run.out).object().value(u"databases"_s).toArray().first().toObject();
        QCOMPARE(db.value(u"error"_s).toString(), error);
    }

    void statusReadsTheDatabaseAfterSlowLookup()
    {
        const PoolscopeRun run = runPoolscope(
            { u"status"_s, u"--pg"_s, conninfoVia(u"slow2.db.test"_s), u"--wait"_s, u"20"_s, u"--json"_s });
        QVERIFY2(run.exitCode >= 0, run.err.constData());
        const QJsonObject db
            = QJsonDocument::fromJson(run.out).object().value(u"databases"_s).toArray().first().toObject();
        QVERIFY2(db.value(u"ok"_s).toBool(), qPrintable(db.value(u"error"_s).toString()));
        QVERIFY(!db.value(u"backends"_s).toArray().isEmpty());
    }

    // Several hosts keep libpq's semantics: a host whose lookup fails is skipped, the next one is tried, and
    // target_session_attrs still applies; libpq's messages name the host next to the address.
    void statusThroughSeveralHosts_data()
    {
        const QString port = QString::number(m_state.value(u"pg_port"_s).toInt());
        const QString database = m_state.value(u"database"_s).toString();
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("error");
        QTest::newRow("failed lookup, then a good host")
            << u"host=nx.db.test,slow1.db.test port=%1 dbname=%2 user=postgres target_session_attrs=read-write"_s.arg(
                   port, database)
            << true << QString();
        QTest::newRow("URI")
            << u"postgresql://postgres@nx.db.test:%1,slow1.db.test:%1/%2?target_session_attrs=primary"_s.arg(
                   port, database)
            << true << QString();
        QTest::newRow("refused: the message names the host")
            << u"host=nx.db.test,slow1.db.test port=1 dbname=%1 user=postgres"_s.arg(database) << false
            << u"nx.db.test: name lookup failed: Name or service not known; connection to server at \"slow1.db.test\" "
               u"(127.0.0.1), port 1 failed: Connection refused"_s;
    }

    void statusThroughSeveralHosts()
    {
        QFETCH(QString, conninfo);
        QFETCH(bool, ok);
        QFETCH(QString, error);
        const PoolscopeRun run = runPoolscope({ u"status"_s, u"--pg"_s, conninfo, u"--wait"_s, u"20"_s, u"--json"_s });
        QVERIFY2(run.exitCode >= 0, run.err.constData());
        const QJsonObject db
            = QJsonDocument::fromJson(run.out).object().value(u"databases"_s).toArray().first().toObject();
        QCOMPARE(db.value(u"ok"_s).toBool(), ok);
        QVERIFY2(db.value(u"error"_s).toString().startsWith(error), qPrintable(db.value(u"error"_s).toString()));
    }

    // Before: `record --duration 25` kept 5 health samples of 25 (a 10.1 s gap) while libpq hung in
    // getaddrinfo. Now the health target is polled every second throughout.
    void recordKeepsPollingWhileTheLookupHangs()
    {
        const QJsonObject web = demoService(m_state, u"web"_s);
        const QString workspacePath = m_dir.filePath(u"workspace.json"_s);
        QFile file(workspacePath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        const QJsonObject workspace {
            { u"version"_s, 1 },
            { u"targets"_s,
                QJsonArray { QJsonObject { { u"name"_s, u"web"_s }, { u"url"_s, web.value(u"url"_s) },
                    { u"profile"_s, u"auto"_s }, { u"interval"_s, 1 }, { u"timeout"_s, 2 } } } },
            { u"databases"_s,
                QJsonArray { QJsonObject { { u"name"_s, u"remote"_s },
                    { u"conninfo"_s, conninfoVia(u"silent.db.test"_s) }, { u"interval"_s, 1 } } } },
        };
        file.write(QJsonDocument(workspace).toJson());
        file.close();
        const QString out = m_dir.filePath(u"silent.sqlite"_s);
        const PoolscopeRun run
            = runPoolscope({ u"record"_s, workspacePath, u"--out"_s, out, u"--duration"_s, u"25s"_s }, 90000);
        QVERIFY2(run.exitCode == 0, run.err.constData());

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(out, &error), qPrintable(error));
        const std::unique_ptr<Session> session = reader.load();
        QVERIFY(session);
        const TargetHistory& history = session->target(session->targetIndex(u"web"_s)).history;
        qInfo("health samples kept: %zu in 25 s, longest gap %lld ms", history.size(),
            static_cast<long long>(longestGap(history.times())));
        QVERIFY2(history.size() >= 23, qPrintable(QString::number(history.size())));
        const qint64 gap = longestGap(history.times());
        QVERIFY2(gap <= 2000, qPrintable(QString::number(gap)));
        for (std::size_t i = 0; i < history.size(); ++i)
            QVERIFY2(history.ok(i), qPrintable(history.error(i)));
        const DatabaseState& db = session->database(session->databaseIndex(u"remote"_s));
        QCOMPARE(db.latest.error, u"silent.db.test: name lookup timed out after 5 s"_s);
    }
};

QTEST_GUILESS_MAIN(TestHostResolution)
#include "tst_hostresolution.moc"
