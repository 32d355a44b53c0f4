// The fault suite, PostgreSQL side (issue 8), on a cluster of the test's own (tests/common/PgCluster): the
// faults stop, pause or kill the server, so never the shared demo fixture. A real PgActivitySource feeds a
// Session. For each fault:
//  (a) the snapshot's error names the cause;
//  (b) it shows within one interval + timeout (+ the query grace, + slack for loaded machines);
//  (c) after the fault is removed, the source recovers within one backoff step (+ timeout + slack);
//  (d) nothing collected before is lost: the target's backend-count series keeps every earlier value, and a
//      failed read is a gap (NaN) in it.
#include "DemoState.h"
#include "FaultTable.h"
#include "PgCluster.h"
#include "sources/PgActivitySource.h"
#include "store/Session.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

#include <libpq-fe.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope;
using poolscope::test::FaultTable;
using poolscope::test::PgCluster;

namespace {

constexpr int kIntervalMs = 300;
constexpr int kTimeoutMs = 1500;
constexpr int kQueryGraceMs = 1000; // PgActivitySource's query deadline is timeout + 1 s
constexpr qint64 kSlackMs = 3000; // loaded CI machines
const QString kPassword = u"right-password"_s;

// A PgActivitySource on the cluster feeding a Session whose one target ("app", application_name faultapp)
// lives on that database: every read appends one value to the target's backend-count series.
class Watch
{
public:
    explicit Watch(const QString& conninfo)
    {
        DatabaseConfig database;
        database.name = u"db"_s;
        database.conninfo = conninfo;
        database.intervalMs = kIntervalMs;
        database.timeoutMs = kTimeoutMs;
        TargetConfig target;
        target.name = u"app"_s;
        target.url = u"http://127.0.0.1:1/unused"_s;
        target.database = u"db"_s;
        target.applicationName = u"faultapp"_s;
        Workspace workspace;
        workspace.databases.append(database);
        workspace.targets.append(target);
        session = std::make_unique<Session>(workspace);
        source = std::make_unique<PgActivitySource>(database);
        QObject::connect(source.get(), &PgActivitySource::snapshotReady, session.get(), &Session::addSnapshot);
        QObject::connect(source.get(), &PgActivitySource::snapshotReady, session.get(),
            [this](const ActivitySnapshot& s) { snapshots.append(s); });
        QObject::connect(source.get(), &PgActivitySource::reconnectScheduled, session.get(),
            [this](int, int delayMs, const QString&) { largestDelayMs = std::max(largestDelayMs, delayMs); });
    }

    bool lastFailed() const { return !snapshots.isEmpty() && !snapshots.last().ok(); }
    bool lastOk() const { return !snapshots.isEmpty() && snapshots.last().ok(); }
    ColumnView<double> counts() const { return session->target(0).history.backendCounts(); }

    std::unique_ptr<Session> session;
    std::unique_ptr<PgActivitySource> source;
    QList<ActivitySnapshot> snapshots;
    int largestDelayMs = 0; // the longest backoff step scheduled so far
};

} // namespace

class TestFaultsPg : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<ActivitySnapshot>();
        QString error;
        QVERIFY2(m_cluster.create({ u"host all pwuser 127.0.0.1/32 scram-sha-256"_s }, &error), qPrintable(error));
        QVERIFY2(m_cluster.start(&error), qPrintable(error));
        for (const QString& sql :
            { u"SET password_encryption = 'scram-sha-256'; CREATE ROLE pwuser LOGIN PASSWORD '%1'"_s.arg(kPassword),
                u"CREATE ROLE monitor_role LOGIN IN ROLE pg_monitor"_s, u"CREATE ROLE plain_role LOGIN"_s }) {
            m_cluster.query(sql, &error);
            QVERIFY2(error.isEmpty(), qPrintable(sql + u": "_s + error));
        }
    }

    void cleanupTestCase() { m_table.print("PostgreSQL faults (interval 0.3 s, timeout 1.5 s)"); }

    // Rows of other roles are withheld from a role without pg_monitor: marked withheld, not an error.
    void withheldRowsWithoutPgMonitor_data()
    {
        QTest::addColumn<QString>("role");
        QTest::addColumn<bool>("withheld");
        QTest::addRow("pg_monitor") << u"monitor_role"_s << false;
        QTest::addRow("without pg_monitor") << u"plain_role"_s << true;
    }

    void withheldRowsWithoutPgMonitor()
    {
        QFETCH(QString, role);
        QFETCH(bool, withheld);
        QString error;
        PGconn* other = m_cluster.connect(u"other-app"_s, &error);
        QVERIFY2(other, qPrintable(error));
        const int otherPid = PQbackendPID(other);
        QVERIFY(PQsendQuery(other, "SELECT pg_sleep(120)") == 1);
        auto cleanup = qScopeGuard([&] {
            QString ignored;
            m_cluster.query(u"SELECT pg_terminate_backend(%1)"_s.arg(otherPid), &ignored);
            PQfinish(other);
        });

        Watch watch(m_cluster.conninfo(role));
        watch.source->pollNow();
        QTRY_VERIFY_WITH_TIMEOUT(!watch.snapshots.isEmpty(), 30'000);
        const ActivitySnapshot snapshot = watch.snapshots.first();
        QVERIFY2(snapshot.ok(), qPrintable(snapshot.error));
        const auto it = std::find_if(snapshot.backends.cbegin(), snapshot.backends.cend(),
            [otherPid](const Backend& b) { return b.pid == otherPid; });
        QVERIFY2(it != snapshot.backends.cend(), "the other role's backend is listed");
        QCOMPARE(it->withheld, withheld);
        if (withheld)
            QVERIFY(!it->query.contains(u"pg_sleep"_s));
        else
            QCOMPARE(it->query, u"SELECT pg_sleep(120)"_s);
        QCOMPARE(watch.session->database(0).consecutiveFailures, 0);
    }

    // PoolScope never holds the password: libpq reads it from the passfile. A wrong entry (or none) says
    // so; fixing the file recovers at the next reconnect.
    void wrongPassword_data()
    {
        QTest::addColumn<QByteArray>("passfile");
        QTest::addColumn<QString>("message");
        QTest::addRow("wrong entry") << QByteArray("127.0.0.1:*:*:pwuser:wrong-password\n")
                                     << u"password authentication failed for user \"pwuser\""_s;
        QTest::addRow("no entry") << QByteArray() << u"fe_sendauth: no password supplied"_s;
    }

    void wrongPassword()
    {
        QFETCH(QByteArray, passfile);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString passPath = dir.filePath(u"pgpass"_s);
        auto writePassfile = [&passPath](const QByteArray& text) {
            QFile file(passPath);
            return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text) == text.size()
                && file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        };
        QVERIFY(writePassfile(passfile));
        Watch watch(m_cluster.conninfo(u"pwuser"_s) + u" passfile="_s + passPath);
        QVERIFY(!watch.source->config().conninfo.contains(kPassword));

        QElapsedTimer clock;
        clock.start();
        watch.source->start();
        QTRY_VERIFY_WITH_TIMEOUT(!watch.snapshots.isEmpty(), 30'000);
        const qint64 showMs = clock.elapsed();
        QVERIFY(watch.lastFailed());
        const QString error = watch.snapshots.last().error;
        QVERIFY2(error.contains(message), qPrintable(error));
        QVERIFY2(showMs <= kTimeoutMs + kSlackMs, qPrintable(u"showed after %1 ms"_s.arg(showMs)));

        QVERIFY(writePassfile("127.0.0.1:*:*:pwuser:" + kPassword.toUtf8() + '\n'));
        clock.restart();
        QTRY_VERIFY_WITH_TIMEOUT(watch.lastOk(), 60'000);
        const qint64 recoverMs = clock.elapsed();
        watch.source->stop();
        QVERIFY2(recoverMs <= watch.largestDelayMs + kTimeoutMs + kSlackMs,
            qPrintable(u"recovered after %1 ms (backoff step %2 ms)"_s.arg(recoverMs).arg(watch.largestDelayMs)));
        m_table.add(
            u"wrong password ("_s + QString::fromLatin1(QTest::currentDataTag()) + u')', showMs, recoverMs, error);
        verifyNothingLost(watch, 0);
    }

    // Our own backend terminated from another connection: the source says so and reconnects.
    void backendTerminated()
    {
        Watch watch(m_cluster.conninfo(u"postgres"_s));
        const qsizetype before = startHealthy(watch);
        QVERIFY(before > 0);
        const int pid = watch.source->backendPid();
        QVERIFY(pid > 0);
        QString error;
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(m_cluster.query(u"SELECT pg_terminate_backend(%1)"_s.arg(pid), &error), u"t"_s);
        QTRY_VERIFY_WITH_TIMEOUT(watch.lastFailed(), 30'000);
        const qint64 showMs = clock.elapsed();
        const QString message = watch.snapshots.last().error;
        QVERIFY2(message.contains(u"terminating connection due to administrator command"_s), qPrintable(message));
        QVERIFY2(showMs <= kIntervalMs + kTimeoutMs + kSlackMs, qPrintable(u"showed after %1 ms"_s.arg(showMs)));

        clock.restart(); // the fault is gone at once: the next reconnect succeeds
        QTRY_VERIFY_WITH_TIMEOUT(watch.lastOk(), 60'000);
        const qint64 recoverMs = clock.elapsed();
        watch.source->stop();
        QVERIFY(watch.source->backendPid() != pid);
        QVERIFY2(recoverMs <= watch.largestDelayMs + kTimeoutMs + kSlackMs,
            qPrintable(u"recovered after %1 ms (backoff step %2 ms)"_s.arg(recoverMs).arg(watch.largestDelayMs)));
        m_table.add(u"backend terminated"_s, showMs, recoverMs, message);
        verifyNothingLost(watch, before);
    }

    // Every server process SIGSTOPped: the query in flight times out (a frozen server is not a slow one
    // forever); SIGCONT recovers.
    void serverPaused()
    {
        Watch watch(m_cluster.conninfo(u"postgres"_s));
        const qsizetype before = startHealthy(watch);
        QString error;
        QElapsedTimer clock;
        clock.start();
        QVERIFY2(m_cluster.signalServer(SIGSTOP, &error), qPrintable(error));
        auto resume = qScopeGuard([this] {
            QString ignored;
            m_cluster.signalServer(SIGCONT, &ignored);
        });
        QTRY_VERIFY_WITH_TIMEOUT(watch.lastFailed(), 30'000);
        const qint64 showMs = clock.elapsed();
        const QString message = watch.snapshots.last().error;
        QVERIFY2(message == u"query timed out after 2.5 s"_s || message == u"timed out connecting after 1.5 s"_s,
            qPrintable(message));
        QVERIFY2(showMs <= kIntervalMs + kTimeoutMs + kQueryGraceMs + kSlackMs,
            qPrintable(u"showed after %1 ms"_s.arg(showMs)));

        QVERIFY2(m_cluster.signalServer(SIGCONT, &error), qPrintable(error));
        clock.restart();
        QTRY_VERIFY_WITH_TIMEOUT(watch.lastOk(), 60'000);
        const qint64 recoverMs = clock.elapsed();
        watch.source->stop();
        QVERIFY2(recoverMs <= watch.largestDelayMs + kTimeoutMs + kSlackMs,
            qPrintable(u"recovered after %1 ms (backoff step %2 ms)"_s.arg(recoverMs).arg(watch.largestDelayMs)));
        m_table.add(u"server SIGSTOPped, then SIGCONT"_s, showMs, recoverMs, message);
        verifyNothingLost(watch, before);
    }

    // The server stopped (pg_ctl stop -m fast) and started again on the same port.
    void serverStopped()
    {
        Watch watch(m_cluster.conninfo(u"postgres"_s));
        const qsizetype before = startHealthy(watch);
        QString error;
        QElapsedTimer clock;
        clock.start();
        QVERIFY2(m_cluster.stop(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(watch.lastFailed(), 30'000);
        const qint64 showMs = clock.elapsed();
        const QString first = watch.snapshots.last().error;
        // A fast shutdown tells the connected backend why; the reconnects then find nobody listening.
        QVERIFY2(first.contains(u"terminating connection due to administrator command"_s)
                || first.contains(u"Connection refused"_s) || first.contains(u"server closed the connection"_s),
            qPrintable(first));
        QVERIFY2(showMs <= kIntervalMs + kTimeoutMs + kSlackMs, qPrintable(u"showed after %1 ms"_s.arg(showMs)));
        QTRY_VERIFY_WITH_TIMEOUT(watch.snapshots.last().error.contains(u"Connection refused"_s), 30'000);
        const QString message = watch.snapshots.last().error;

        QVERIFY2(m_cluster.start(&error), qPrintable(error));
        clock.restart();
        QTRY_VERIFY_WITH_TIMEOUT(watch.lastOk(), 60'000);
        const qint64 recoverMs = clock.elapsed();
        watch.source->stop();
        QVERIFY2(recoverMs <= watch.largestDelayMs + kTimeoutMs + kSlackMs,
            qPrintable(u"recovered after %1 ms (backoff step %2 ms)"_s.arg(recoverMs).arg(watch.largestDelayMs)));
        m_table.add(u"server stopped, then started"_s, showMs, recoverMs, message);
        verifyNothingLost(watch, before);
    }

    // What the user sees: `poolscope status --json`, every database fault at once.
    void statusJsonNamesEveryCause()
    {
        QTemporaryDir dir;
        const QString passPath = dir.filePath(u"pgpass"_s);
        QFile pass(passPath);
        QVERIFY(pass.open(QIODevice::WriteOnly));
        pass.write("127.0.0.1:*:*:pwuser:wrong-password\n");
        pass.close();
        QVERIFY(pass.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        quint16 closedPort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            closedPort = probe.serverPort();
        }
        QJsonArray databases;
        auto add = [&databases](const QString& name, const QString& conninfo) {
            databases.append(QJsonObject { { u"name"_s, name }, { u"conninfo"_s, conninfo },
                { u"interval"_s, kIntervalMs / 1000.0 }, { u"timeout"_s, kTimeoutMs / 1000.0 } });
        };
        add(u"wrong password"_s, m_cluster.conninfo(u"pwuser"_s) + u" passfile="_s + passPath);
        add(u"refused"_s, u"host=127.0.0.1 port=%1 dbname=postgres user=postgres"_s.arg(closedPort));
        add(u"without pg_monitor"_s, m_cluster.conninfo(u"plain_role"_s));
        const QString workspacePath = dir.filePath(u"ws.json"_s);
        QFile file(workspacePath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QJsonDocument(QJsonObject { { u"version"_s, 1 }, { u"databases"_s, databases } }).toJson());
        file.close();

        QString error;
        PGconn* other = m_cluster.connect(u"other-app"_s, &error);
        QVERIFY2(other, qPrintable(error));
        const int otherPid = PQbackendPID(other);
        QVERIFY(PQsendQuery(other, "SELECT pg_sleep(120)") == 1);
        auto cleanup = qScopeGuard([&] {
            QString ignored;
            m_cluster.query(u"SELECT pg_terminate_backend(%1)"_s.arg(otherPid), &ignored);
            PQfinish(other);
        });

        const poolscope::test::PoolscopeRun run
            = poolscope::test::runPoolscope({ u"status"_s, workspacePath, u"--json"_s, u"--wait"_s, u"10"_s });
        const QJsonArray reported = QJsonDocument::fromJson(run.out).object().value(u"databases"_s).toArray();
        QVERIFY2(reported.size() == 3, qPrintable(QString::fromUtf8(run.out + run.err)));
        const QJsonObject wrong = poolscope::test::byName(reported, u"wrong password"_s);
        QVERIFY2(wrong.value(u"error"_s).toString().contains(u"password authentication failed for user \"pwuser\""_s),
            qPrintable(wrong.value(u"error"_s).toString()));
        const QJsonObject refused = poolscope::test::byName(reported, u"refused"_s);
        QVERIFY2(refused.value(u"error"_s).toString().contains(u"Connection refused"_s),
            qPrintable(refused.value(u"error"_s).toString()));
        const QJsonObject plain = poolscope::test::byName(reported, u"without pg_monitor"_s);
        QVERIFY2(plain.value(u"ok"_s).toBool(), qPrintable(plain.value(u"error"_s).toString()));
        QVERIFY(plain.value(u"error"_s).isNull());
        bool seen = false;
        for (const QJsonValue& backend : plain.value(u"backends"_s).toArray()) {
            if (backend.toObject().value(u"pid"_s).toInt() == otherPid) {
                seen = true;
                QCOMPARE(backend.toObject().value(u"state"_s).toString(), u"withheld"_s);
            }
        }
        QVERIFY2(seen, "the other role's backend is listed, withheld");
    }

    // A resolver that never answers (a local UDP socket bound to port 53 that reads nothing, made the
    // only nameserver of `poolscope status` through a bind-mounted resolv.conf in a mount namespace of
    // its own): the host name fails at the lookup's deadline, naming the host, and nothing waits longer.
    void silentResolver()
    {
        QUdpSocket silent;
        const quint32 pid = quint32(QCoreApplication::applicationPid());
        const QString address = u"127.54.%1.%2"_s.arg((pid >> 8) & 0xff).arg((pid & 0xff) | 1);
        QVERIFY2(silent.bind(QHostAddress(address), 53), qPrintable(silent.errorString()));
        QTemporaryDir dir;
        QFile resolv(dir.filePath(u"resolv.conf"_s));
        QVERIFY(resolv.open(QIODevice::WriteOnly));
        resolv.write("nameserver " + address.toLatin1() + '\n');
        resolv.close();

        QProcess status;
        QElapsedTimer clock;
        clock.start();
        status.start(u"unshare"_s,
            { u"-m"_s, u"sh"_s, u"-c"_s, u"mount --bind \"$1\" /etc/resolv.conf || exit 90; shift; exec \"$@\""_s,
                u"sh"_s, resolv.fileName(), poolscope::test::poolscopeBinary(), u"status"_s, u"--pg"_s,
                u"host=db.example.com port=5432 dbname=x connect_timeout=1"_s, u"--json"_s, u"--wait"_s, u"20"_s });
        QTRY_VERIFY_WITH_TIMEOUT(status.state() == QProcess::NotRunning, 60'000);
        const qint64 elapsedMs = clock.elapsed();
        QVERIFY2(status.exitCode() != 90, "cannot bind-mount resolv.conf: the fault suite needs root (CAP_SYS_ADMIN)");
        const QByteArray out = status.readAllStandardOutput();
        const QJsonObject report = QJsonDocument::fromJson(out).object();
        const QString message = report.value(u"databases"_s).toArray().at(0).toObject().value(u"error"_s).toString();
        QVERIFY2(
            message.contains(u"db.example.com"_s), qPrintable(QString::fromUtf8(out + status.readAllStandardError())));
        m_table.add(u"silent DNS resolver (status --wait 20)"_s, elapsedMs, FaultTable::kNotMeasured, message);
        // The lookup's own deadline is the database's timeout (5 s for --pg): status answers then, not at --wait.
        QVERIFY2(elapsedMs <= 5000 + kSlackMs, qPrintable(u"status --wait 20 took %1 ms"_s.arg(elapsedMs)));
    }

private:
    // Starts the source and waits for three successful reads; returns how many there were.
    qsizetype startHealthy(Watch& watch)
    {
        watch.source->start();
        if (!QTest::qWaitFor([&watch] { return watch.snapshots.size() >= 3; }, 30'000))
            return -1;
        for (const ActivitySnapshot& s : std::as_const(watch.snapshots)) {
            if (!s.ok())
                return -1;
        }
        return watch.snapshots.size();
    }

    // One backend-count value per read; the first `okBefore` are the healthy ones (0 backends of faultapp);
    // every failed read is a NaN gap.
    static void verifyNothingLost(const Watch& watch, qsizetype okBefore)
    {
        const ColumnView<double> counts = watch.counts();
        QCOMPARE(qsizetype(counts.size()), watch.snapshots.size());
        for (qsizetype i = 0; i < watch.snapshots.size(); ++i) {
            const double count = counts[std::size_t(i)];
            if (i < okBefore)
                QCOMPARE(count, 0.0);
            QCOMPARE(std::isnan(count), !watch.snapshots[i].ok());
        }
    }

    PgCluster m_cluster;
    FaultTable m_table;
};

QTEST_GUILESS_MAIN(TestFaultsPg)
#include "tst_faults_pg.moc"
