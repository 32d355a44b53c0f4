// PgActivitySource against a real PostgreSQL: the CTest fixture "demo" starts one and describes it in
// $POOLSCOPE_TEST_STATE/state.json (conninfo, limited_conninfo, pg_port).
#include "LocalHost.h"
#include "sources/PgActivitySource.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <utility>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

using PgConn = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using State = PgActivitySource::State;

// Everything a source says, in order.
struct Recorder
{
    explicit Recorder(PgActivitySource* source)
    {
        QObject::connect(source, &PgActivitySource::snapshotReady, &context,
            [this](const ActivitySnapshot& snapshot) { snapshots.append(snapshot); });
        QObject::connect(source, &PgActivitySource::stateChanged, &context,
            [this](PgActivitySource::State state) { states.append(state); });
        QObject::connect(source, &PgActivitySource::reconnectScheduled, &context,
            [this](int attempt, int delayMs, const QString& reason) {
                reconnects.append({ attempt, delayMs, reason });
            });
    }

    struct Reconnect
    {
        int attempt;
        int delayMs;
        QString reason;
    };

    int okCount() const
    {
        return static_cast<int>(
            std::count_if(snapshots.cbegin(), snapshots.cend(), [](const ActivitySnapshot& s) { return s.ok(); }));
    }
    int errorCount() const { return static_cast<int>(snapshots.size()) - okCount(); }

    QObject context;
    QList<ActivitySnapshot> snapshots;
    QList<State> states;
    QList<Reconnect> reconnects;
};

QString randomName(const QString& prefix)
{
    return prefix + QString::number(QRandomGenerator::global()->generate(), 16);
}

// Rebuilds a conninfo string (or URI) as key=value pairs with some parameters replaced or added.
QString withParams(const QString& conninfo, const QList<std::pair<QString, QString>>& params)
{
    QList<std::pair<QString, QString>> all;
    char* error = nullptr;
    if (PQconninfoOption* options = PQconninfoParse(conninfo.toUtf8().constData(), &error)) {
        for (const PQconninfoOption* option = options; option->keyword; ++option) {
            if (option->val && *option->val)
                all.append({ QString::fromUtf8(option->keyword), QString::fromUtf8(option->val) });
        }
        PQconninfoFree(options);
    }
    PQfreemem(error);
    for (const auto& param : params) {
        all.erase(
            std::remove_if(all.begin(), all.end(), [&](const auto& p) { return p.first == param.first; }), all.end());
        all.append(param);
    }
    QStringList parts;
    for (const auto& [key, value] : all) {
        QString quoted = value;
        quoted.replace(u"\\"_s, u"\\\\"_s).replace(u"'"_s, u"\\'"_s);
        parts.append(key + u"='"_s + quoted + u'\'');
    }
    return parts.join(u' ');
}

// A blocking connection for the test's own use (the test may block; PoolScope never does).
PgConn connectBlocking(const QString& conninfo, const QString& applicationName)
{
    const QByteArray info = conninfo.toUtf8();
    const QByteArray name = applicationName.toUtf8();
    const char* keywords[] = { "dbname", "application_name", nullptr };
    const char* values[] = { info.constData(), name.constData(), nullptr };
    return PgConn(PQconnectdbParams(keywords, values, 1), &PQfinish);
}

// Runs a statement; returns the first value of the first row, or "ERROR: ..." on failure.
QString exec(PGconn* conn, const QString& sql)
{
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn, sql.toUtf8().constData()), &PQclear);
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        return u"ERROR: "_s + QString::fromUtf8(PQresultErrorMessage(result.get())).trimmed();
    if (status == PGRES_TUPLES_OK && PQntuples(result.get()) > 0 && PQnfields(result.get()) > 0)
        return QString::fromUtf8(PQgetvalue(result.get(), 0, 0));
    return {};
}

const Backend* findPid(const ActivitySnapshot& snapshot, int pid)
{
    for (const Backend& backend : snapshot.backends) {
        if (backend.pid == pid)
            return &backend;
    }
    return nullptr;
}

// A TCP server that accepts connections and never says a word.
class SilentServer : public QObject
{
    Q_OBJECT
public:
    explicit SilentServer(QObject* parent = nullptr)
        : QObject(parent)
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection())
                m_sockets.append(socket);
        });
    }
    ~SilentServer() override = default;

    quint16 port() const { return m_server.serverPort(); }
    QTcpServer* tcp() { return &m_server; }
    int accepted() const { return static_cast<int>(m_sockets.size()); }
    int open() const
    {
        return static_cast<int>(std::count_if(m_sockets.cbegin(), m_sockets.cend(),
            [](const QTcpSocket* socket) { return socket->state() == QAbstractSocket::ConnectedState; }));
    }

private:
    QTcpServer m_server;
    QList<QTcpSocket*> m_sockets; // children of m_server
};

} // namespace

class TestPgActivitySource : public QObject
{
    Q_OBJECT

private:
    DatabaseConfig config(const QString& conninfo, int intervalMs = 200, int timeoutMs = 3000) const
    {
        DatabaseConfig c;
        c.name = u"demo"_s;
        c.conninfo = conninfo;
        c.intervalMs = intervalMs;
        c.timeoutMs = timeoutMs;
        return c;
    }

    // A superuser connection the test uses to look at (and act on) the server.
    PGconn* admin() { return m_admin.get(); }

    QString m_conninfo;
    QString m_limitedConninfo;
    PgConn m_admin { nullptr, &PQfinish };

private Q_SLOTS:
    void initTestCase()
    {
        const QString stateDir = qEnvironmentVariable("POOLSCOPE_TEST_STATE");
        if (stateDir.isEmpty())
            QFAIL("POOLSCOPE_TEST_STATE is not set: run this test through ctest (fixture 'demo')");
        QFile file(stateDir + u"/state.json"_s);
        if (!file.open(QIODevice::ReadOnly))
            QFAIL(qPrintable(u"cannot read %1 (%2): the 'demo' fixture (demo.py up) did not run"_s.arg(
                file.fileName(), file.errorString())));
        const QJsonObject state = QJsonDocument::fromJson(file.readAll()).object();
        m_conninfo = state.value(u"conninfo"_s).toString();
        m_limitedConninfo = state.value(u"limited_conninfo"_s).toString();
        if (m_conninfo.isEmpty() || m_limitedConninfo.isEmpty())
            QFAIL(qPrintable(file.fileName() + u": 'conninfo' and 'limited_conninfo' must be non-empty strings"_s));

        m_admin = connectBlocking(m_conninfo, u"tst_pgactivity_admin"_s);
        QVERIFY2(PQstatus(admin()) == CONNECTION_OK, PQerrorMessage(admin()));
    }

    void cleanupTestCase() { m_admin.reset(); }

    // The test's own small pool: one idle connection, one idle in transaction, one running a query.
    void seesThePool()
    {
        const QString app = randomName(u"tst_pool_"_s);
        PgConn idle = connectBlocking(m_conninfo, app);
        PgConn inTransaction = connectBlocking(m_conninfo, app);
        PgConn active = connectBlocking(m_conninfo, app);
        for (PGconn* conn : { idle.get(), inTransaction.get(), active.get() })
            QVERIFY2(PQstatus(conn) == CONNECTION_OK, PQerrorMessage(conn));
        QCOMPARE(exec(inTransaction.get(), u"BEGIN"_s), QString());
        QCOMPARE(exec(inTransaction.get(), u"SELECT 1"_s), u"1"_s);
        QVERIFY(PQsendQuery(active.get(), "SELECT pg_sleep(5)"));
        const auto cancelSleep = qScopeGuard([&] {
            char error[256];
            PGcancel* cancel = PQgetCancel(active.get());
            PQcancel(cancel, error, sizeof(error));
            PQfreeCancel(cancel);
        });
        const qint64 startedMs = QDateTime::currentMSecsSinceEpoch();

        PgActivitySource source(config(m_conninfo));
        Recorder recorder(&source);
        source.start();

        // The newest snapshot that shows the whole pool, with the sleeping query already active.
        const auto poolSnapshot = [&]() -> const ActivitySnapshot* {
            for (auto it = recorder.snapshots.crbegin(); it != recorder.snapshots.crend(); ++it) {
                const Backend* sleeping = findPid(*it, PQbackendPID(active.get()));
                if (it->ok() && sleeping && sleeping->state == u"active"_s)
                    return &*it;
            }
            return nullptr;
        };
        QTRY_VERIFY_WITH_TIMEOUT(poolSnapshot() != nullptr, 4000);
        const ActivitySnapshot snapshot = *poolSnapshot();
        QVERIFY2(recorder.errorCount() == 0, qPrintable(recorder.snapshots.constFirst().error));
        QCOMPARE(snapshot.database, u"demo"_s);

        // Exactly the pool's three backends carry its application_name.
        QList<int> poolPids;
        for (const Backend& backend : snapshot.backends) {
            if (backend.applicationName == app)
                poolPids.append(backend.pid);
        }
        std::sort(poolPids.begin(), poolPids.end());
        QList<int> expectedPids { PQbackendPID(idle.get()), PQbackendPID(inTransaction.get()),
            PQbackendPID(active.get()) };
        std::sort(expectedPids.begin(), expectedPids.end());
        QCOMPARE(poolPids, expectedPids);

        const QString serverAddr = QString::fromUtf8(PQhostaddr(idle.get()));
        const bool tcp = !QString::fromUtf8(PQhost(idle.get())).startsWith(u'/');
        for (PGconn* conn : { idle.get(), inTransaction.get(), active.get() }) {
            const Backend* backend = findPid(snapshot, PQbackendPID(conn));
            QVERIFY(backend);
            QCOMPARE(backend->backendType, u"client backend"_s);
            QCOMPARE(backend->datname, QString::fromUtf8(PQdb(conn)));
            QCOMPARE(backend->usename, QString::fromUtf8(PQuser(conn)));
            QVERIFY(!backend->withheld);
            if (tcp) {
                // Over loopback the client's address is the server's ("127.0.0.1"), without a /32 mask.
                QCOMPARE(backend->clientAddr, serverAddr);
                QVERIFY(backend->clientPort > 0);
            } else {
                QCOMPARE(backend->clientAddr, QString());
                QCOMPARE(backend->clientPort, -1);
            }
            QVERIFY(backend->backendStartMs != kNoTime);
            QVERIFY2(backend->backendStartMs >= startedMs - 10000 && backend->backendStartMs <= snapshot.timestampMs,
                qPrintable(QString::number(backend->backendStartMs)));
            QVERIFY(backend->stateChangeMs != kNoTime);
        }
        if (tcp && serverAddr == u"127.0.0.1"_s)
            QCOMPARE(findPid(snapshot, PQbackendPID(idle.get()))->clientAddr, u"127.0.0.1"_s);

        const Backend* idleRow = findPid(snapshot, PQbackendPID(idle.get()));
        QCOMPARE(idleRow->state, u"idle"_s);
        QCOMPARE(idleRow->xactStartMs, kNoTime);

        const Backend* txRow = findPid(snapshot, PQbackendPID(inTransaction.get()));
        QCOMPARE(txRow->state, u"idle in transaction"_s);
        QCOMPARE(txRow->query, u"SELECT 1"_s);
        QVERIFY(txRow->xactStartMs != kNoTime);
        QVERIFY(txRow->xactStartMs <= txRow->stateChangeMs);

        const Backend* activeRow = findPid(snapshot, PQbackendPID(active.get()));
        QCOMPARE(activeRow->query, u"SELECT pg_sleep(5)"_s);
        QVERIFY(activeRow->queryStartMs != kNoTime);
        QCOMPARE(activeRow->waitEventType, u"Timeout"_s);
        QCOMPARE(activeRow->waitEvent, u"PgSleep"_s);

        // PoolScope's own backend is not in the list, and it is named "poolscope" on the server.
        const int ownPid = source.backendPid();
        QVERIFY(ownPid != 0);
        QVERIFY(!findPid(snapshot, ownPid));
        QCOMPARE(exec(admin(), u"SELECT application_name FROM pg_stat_activity WHERE pid = %1"_s.arg(ownPid)),
            u"poolscope"_s);
        // The test's admin connection is someone else's: it is listed.
        QVERIFY(findPid(snapshot, PQbackendPID(admin())));
    }

    void serverTimeAndLatency()
    {
        PgActivitySource source(config(m_conninfo, 50));
        Recorder recorder(&source);
        source.start();
        QTRY_VERIFY_WITH_TIMEOUT(recorder.okCount() >= 10, 10000);
        QCOMPARE(recorder.errorCount(), 0);
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        QList<qint64> latencies;
        for (const ActivitySnapshot& snapshot : std::as_const(recorder.snapshots)) {
            QVERIFY(snapshot.serverTimeMs != kNoTime);
            // The demo's server: max_connections=200 (resources/demo/demo.py), reserved 3 (the default).
            QCOMPARE(snapshot.maxConnections, 200);
            QCOMPARE(snapshot.reservedConnections, 3);
            // Same machine, same clock: the server's statement time lies within the poll.
            QVERIFY2(std::abs(snapshot.serverTimeMs - snapshot.timestampMs) < 2000,
                qPrintable(u"%1 vs %2"_s.arg(snapshot.serverTimeMs).arg(snapshot.timestampMs)));
            QVERIFY(snapshot.timestampMs <= nowMs && snapshot.timestampMs > nowMs - 60000);
            QVERIFY(snapshot.latencyMs >= 0);
            latencies.append(snapshot.latencyMs);
        }
        std::sort(latencies.begin(), latencies.end());
        qInfo("latency of one poll over %d polls: min %lld ms, median %lld ms, max %lld ms",
            static_cast<int>(latencies.size()), latencies.constFirst(), latencies.at(latencies.size() / 2),
            latencies.constLast());
    }

    // Without start(), pollNow() reads once (connecting first), then stays idle until asked again.
    void pollNowWithoutStart()
    {
        PgActivitySource source(config(m_conninfo, 50));
        Recorder recorder(&source);
        QCOMPARE(source.state(), State::Stopped);
        source.pollNow();
        QCOMPARE(source.state(), State::Connecting);
        QTRY_COMPARE_WITH_TIMEOUT(recorder.snapshots.size(), 1, 5000);
        QVERIFY2(recorder.snapshots.constFirst().ok(), qPrintable(recorder.snapshots.constFirst().error));
        QCOMPARE(source.state(), State::Ready);
        QCOMPARE(recorder.states, (QList<State> { State::Connecting, State::Ready, State::Querying, State::Ready }));
        QSignalSpy more(&source, &PgActivitySource::snapshotReady);
        QVERIFY(!more.wait(300)); // no ticks without start()
        source.pollNow();
        QCOMPARE(source.state(), State::Querying);
        source.pollNow(); // never two queries in flight: ignored
        QTRY_COMPARE_WITH_TIMEOUT(recorder.snapshots.size(), 2, 5000);
        QVERIFY(recorder.snapshots.at(1).ok());
        QVERIFY(!more.wait(300));
        QCOMPARE(recorder.snapshots.size(), 2);
        source.stop();
        QCOMPARE(source.state(), State::Stopped);
        QCOMPARE(source.backendPid(), 0);
    }

    void wrongPort()
    {
        const quint16 port = poolscope::test::freeLoopbackPort();
        PgActivitySource source(config(withParams(m_conninfo, { { u"port"_s, QString::number(port) } }), 200, 3000));
        Recorder recorder(&source);
        QElapsedTimer clock;
        clock.start();
        source.start();
        QTRY_VERIFY_WITH_TIMEOUT(!recorder.snapshots.isEmpty(), 3000);
        const ActivitySnapshot first = recorder.snapshots.constFirst();
        QVERIFY(!first.ok());
        QVERIFY2(first.error.contains(QString::number(port)) && first.error.contains(u"Connection refused"_s),
            qPrintable(first.error));
        QCOMPARE(first.database, u"demo"_s);
        QVERIFY(first.backends.isEmpty());
        QCOMPARE(source.state(), State::Backoff);
        QVERIFY(recorder.states.contains(State::Backoff));
        QCOMPARE(recorder.reconnects.size(), 1);
        QCOMPARE(recorder.reconnects.at(0).attempt, 1);
        QVERIFY2(recorder.reconnects.at(0).delayMs >= 800 && recorder.reconnects.at(0).delayMs <= 1200,
            qPrintable(QString::number(recorder.reconnects.at(0).delayMs)));
        QCOMPARE(recorder.reconnects.at(0).reason, first.error);

        // It keeps trying, backing off: the second delay is about twice the first.
        QTRY_COMPARE_WITH_TIMEOUT(recorder.snapshots.size(), 2, 5000);
        QVERIFY(!recorder.snapshots.at(1).ok());
        QTRY_COMPARE_WITH_TIMEOUT(recorder.reconnects.size(), 2, 1000);
        QCOMPARE(recorder.reconnects.at(1).attempt, 2);
        QVERIFY2(recorder.reconnects.at(1).delayMs >= 1600 && recorder.reconnects.at(1).delayMs <= 2400,
            qPrintable(QString::number(recorder.reconnects.at(1).delayMs)));
        QVERIFY(recorder.states.count(State::Connecting) >= 2);
    }

    // Malformed conninfo fails at once, with libpq's words.
    void badConninfo_data()
    {
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<QString>("expected");
        QTest::addRow("unknown keyword") << u"host=127.0.0.1 nosuchkeyword=1"_s << u"nosuchkeyword"_s;
        QTest::addRow("unterminated quote") << u"host='127.0.0.1"_s << u"unterminated quoted string"_s;
        QTest::addRow("bad port") << u"host=127.0.0.1 port=notaport"_s << u"notaport"_s;
        QTest::addRow("bad uri") << u"postgresql://[::1"_s << u"IPv6 host address"_s;
    }
    void badConninfo()
    {
        QFETCH(QString, conninfo);
        QFETCH(QString, expected);
        PgActivitySource source(config(conninfo));
        Recorder recorder(&source);
        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(recorder.snapshots.size(), 1, 2000);
        QVERIFY2(recorder.snapshots.constFirst().error.contains(expected),
            qPrintable(recorder.snapshots.constFirst().error));
        QCOMPARE(source.state(), State::Backoff);
        QCOMPARE(recorder.reconnects.size(), 1);
    }

    // A server that accepts and never answers: libpq ignores connect_timeout here, our deadline does not.
    void unresponsiveServer()
    {
        SilentServer server;
        QVERIFY(server.port() != 0);
        PgActivitySource source(config(u"host=127.0.0.1 port=%1 dbname=x user=x"_s.arg(server.port()), 200, 600));
        Recorder recorder(&source);
        QElapsedTimer clock;
        clock.start();
        source.start();
        QTRY_VERIFY_WITH_TIMEOUT(!recorder.snapshots.isEmpty(), 5000);
        QVERIFY(clock.elapsed() >= 550);
        QCOMPARE(recorder.snapshots.constFirst().error, u"timed out connecting after 0.6 s"_s);
        QCOMPARE(server.accepted(), 1);
        QCOMPARE(source.state(), State::Backoff);
        QCOMPARE(recorder.reconnects.size(), 1);
        // The abandoned attempt's socket is closed.
        QTRY_COMPARE_WITH_TIMEOUT(server.open(), 0, 2000);
        // The next attempt times out the same way.
        QTRY_COMPARE_WITH_TIMEOUT(recorder.snapshots.size(), 2, 5000);
        QCOMPARE(recorder.snapshots.at(1).error, u"timed out connecting after 0.6 s"_s);
        QCOMPARE(server.accepted(), 2);
    }

    // pg_monitor-less roles see other users' sessions as "<insufficient privilege>": withheld, not errors.
    void limitedRoleSeesWithheldRows()
    {
        const QString app = randomName(u"tst_pool_"_s);
        PgConn foreign = connectBlocking(m_conninfo, app); // a superuser's session
        PgConn own = connectBlocking(m_limitedConninfo, app); // a session of the limited role itself
        QVERIFY2(PQstatus(foreign.get()) == CONNECTION_OK, PQerrorMessage(foreign.get()));
        QVERIFY2(PQstatus(own.get()) == CONNECTION_OK, PQerrorMessage(own.get()));
        QCOMPARE(exec(foreign.get(), u"SELECT 42"_s), u"42"_s);

        PgActivitySource source(config(m_limitedConninfo));
        Recorder recorder(&source);
        source.start();
        const auto seesBoth = [&] {
            return !recorder.snapshots.isEmpty() && findPid(recorder.snapshots.constLast(), PQbackendPID(own.get()))
                && findPid(recorder.snapshots.constLast(), PQbackendPID(foreign.get()));
        };
        QTRY_VERIFY_WITH_TIMEOUT(seesBoth(), 5000);
        const ActivitySnapshot snapshot = recorder.snapshots.constLast();
        QVERIFY2(snapshot.ok(), qPrintable(snapshot.error));

        const Backend* foreignRow = findPid(snapshot, PQbackendPID(foreign.get()));
        QVERIFY(foreignRow->withheld);
        QCOMPARE(foreignRow->query, QString());
        QCOMPARE(foreignRow->usename, QString::fromUtf8(PQuser(foreign.get())));

        const Backend* ownRow = findPid(snapshot, PQbackendPID(own.get()));
        QVERIFY(!ownRow->withheld);
        QCOMPARE(ownRow->applicationName, app);
        QCOMPARE(ownRow->state, u"idle"_s);
        QCOMPARE(ownRow->backendType, u"client backend"_s);
        QCOMPARE(ownRow->usename, QString::fromUtf8(PQuser(own.get())));

        // Nothing the limited role can see is PoolScope's own backend.
        QVERIFY(source.backendPid() != 0);
        QVERIFY(!findPid(snapshot, source.backendPid()));
    }

    // The server ending PoolScope's session: an error snapshot, a reconnect, and reads succeed again.
    void survivesTermination()
    {
        PgActivitySource source(config(m_conninfo, 60000));
        Recorder recorder(&source);
        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(recorder.okCount(), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(source.state(), State::Ready, 1000);
        const int pid = source.backendPid();
        QVERIFY(pid != 0);
        QCOMPARE(exec(admin(), u"SELECT pg_terminate_backend(%1)"_s.arg(pid)), u"t"_s);

        QTRY_COMPARE_WITH_TIMEOUT(recorder.errorCount(), 1, 5000);
        const ActivitySnapshot lost = recorder.snapshots.constLast();
        QVERIFY2(lost.error.contains(u"terminating connection due to administrator command"_s), qPrintable(lost.error));
        QCOMPARE(recorder.reconnects.size(), 1);
        QCOMPARE(recorder.reconnects.constFirst().attempt, 1);

        QTRY_COMPARE_WITH_TIMEOUT(recorder.okCount(), 2, 5000);
        QVERIFY(recorder.snapshots.constLast().ok());
        QVERIFY(source.backendPid() != 0 && source.backendPid() != pid);
    }

    // A server that stops answering mid-query (its backend is SIGSTOPped): the client-side deadline drops
    // the connection and reconnects. Meanwhile every tick is skipped: never two queries in flight.
    void queryDeadline()
    {
        PgActivitySource source(config(m_conninfo, 50, 1000));
        Recorder recorder(&source);
        source.start();
        QTRY_VERIFY_WITH_TIMEOUT(recorder.okCount() >= 1, 5000);
        const int pid = source.backendPid();
        QVERIFY(pid != 0);
        QVERIFY2(::kill(pid, SIGSTOP) == 0, std::strerror(errno));
        const auto resume = qScopeGuard([pid] { ::kill(pid, SIGCONT); });
        const qsizetype before = recorder.snapshots.size();

        QTRY_VERIFY_WITH_TIMEOUT(recorder.errorCount() >= 1, 6000);
        // At most one read that was already answered before the stop, then the deadline; no "another
        // command is already in progress".
        const qsizetype after = recorder.snapshots.size();
        QVERIFY2(after - before <= 2, qPrintable(QString::number(after - before)));
        QCOMPARE(recorder.snapshots.constLast().error, u"query timed out after 2 s"_s);
        QVERIFY(recorder.snapshots.constLast().latencyMs >= 1900);
        QCOMPARE(recorder.errorCount(), 1);
        QCOMPARE(recorder.reconnects.size(), 1);

        QTRY_VERIFY_WITH_TIMEOUT(recorder.snapshots.constLast().ok(), 5000);
        QVERIFY(source.backendPid() != pid);
    }

    // statement_timeout goes in the startup packet, unless the conninfo brings its own options: then a
    // SET precedes the first read (the session's query text shows which way it went).
    void statementTimeout_data()
    {
        QTest::addColumn<bool>("ownOptions");
        QTest::addRow("startup packet") << false;
        QTest::addRow("SET, conninfo has options") << true;
    }
    void statementTimeout()
    {
        QFETCH(bool, ownOptions);
        const QString conninfo
            = ownOptions ? withParams(m_conninfo, { { u"options"_s, u"-c work_mem=8MB"_s } }) : m_conninfo;
        PgActivitySource source(config(conninfo, 60000, 1500));
        Recorder recorder(&source);
        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(recorder.snapshots.size(), 1, 5000);
        QVERIFY2(recorder.snapshots.constFirst().ok(), qPrintable(recorder.snapshots.constFirst().error));
        const QString firstQuery
            = exec(admin(), u"SELECT query FROM pg_stat_activity WHERE pid = %1"_s.arg(source.backendPid()));
        QCOMPARE(firstQuery.startsWith(u"SET statement_timeout = 1500;"_s), ownOptions);
        QVERIFY(firstQuery.contains(u"pg_stat_activity"_s));
        // Only once per connection.
        source.pollNow();
        QTRY_COMPARE_WITH_TIMEOUT(recorder.snapshots.size(), 2, 5000);
        QVERIFY(recorder.snapshots.constLast().ok());
        const QString secondQuery
            = exec(admin(), u"SELECT query FROM pg_stat_activity WHERE pid = %1"_s.arg(source.backendPid()));
        QVERIFY2(secondQuery.startsWith(u"SELECT"_s), qPrintable(secondQuery));
    }

    // The conninfo may be key=value pairs, a URI or a service name; application_name=poolscope always wins.
    void conninfoForms_data()
    {
        QTest::addColumn<QString>("form");
        QTest::addRow("key=value with an application_name") << u"keyvalue"_s;
        QTest::addRow("URI") << u"uri"_s;
        QTest::addRow("service") << u"service"_s;
    }
    void conninfoForms()
    {
        QFETCH(QString, form);
        const PGconn* reference = admin();
        const QString host = QString::fromUtf8(PQhost(reference));
        const QString port = QString::fromUtf8(PQport(reference));
        const QString db = QString::fromUtf8(PQdb(reference));
        const QString user = QString::fromUtf8(PQuser(reference));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray oldServiceFile = qgetenv("PGSERVICEFILE");
        const auto restore = qScopeGuard([&] {
            if (oldServiceFile.isNull())
                qunsetenv("PGSERVICEFILE");
            else
                qputenv("PGSERVICEFILE", oldServiceFile);
        });

        QString conninfo;
        if (form == u"keyvalue"_s) {
            conninfo = withParams(m_conninfo, { { u"application_name"_s, u"not_poolscope"_s } });
        } else if (form == u"uri"_s) {
            const QString hostPart = host.startsWith(u'/') ? QString() : host;
            conninfo = u"postgresql://%1@%2:%3/%4?application_name=not_poolscope"_s.arg(user, hostPart, port, db);
            if (host.startsWith(u'/'))
                conninfo += u"&host="_s + host;
        } else {
            QFile file(dir.filePath(u"pg_service.conf"_s));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(u"[tst_pgactivity]\nhost=%1\nport=%2\ndbname=%3\nuser=%4\napplication_name=not_poolscope\n"_s
                           .arg(host, port, db, user)
                           .toUtf8());
            file.close();
            qputenv("PGSERVICEFILE", file.fileName().toUtf8());
            conninfo = u"service=tst_pgactivity"_s;
        }

        PgActivitySource source(config(conninfo, 60000));
        Recorder recorder(&source);
        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(recorder.snapshots.size(), 1, 5000);
        QVERIFY2(recorder.snapshots.constFirst().ok(), qPrintable(recorder.snapshots.constFirst().error));
        QVERIFY(findPid(recorder.snapshots.constFirst(), PQbackendPID(admin())));
        const QString sql = u"SELECT application_name || ' ' || datname || ' ' || usename || ' ' || query"
                            u" FROM pg_stat_activity WHERE pid = %1"_s.arg(source.backendPid());
        const QString seen = exec(admin(), sql);
        QVERIFY2(seen.startsWith(u"poolscope %1 %2 "_s.arg(db, user)), qPrintable(seen));
        // A service may bring startup options of its own: statement_timeout then goes in a SET.
        QCOMPARE(seen.contains(u" SET statement_timeout"_s), form == u"service"_s);
    }

    void pollNowCutsTheBackoffShort()
    {
        PgActivitySource source(
            config(withParams(m_conninfo, { { u"port"_s, QString::number(poolscope::test::freeLoopbackPort()) } })));
        Recorder recorder(&source);
        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(recorder.reconnects.size(), 1, 3000);
        QCOMPARE(source.state(), State::Backoff);
        source.pollNow();
        QCOMPARE(source.state(), State::Connecting);
        QTRY_COMPARE_WITH_TIMEOUT(recorder.snapshots.size(), 2, 3000);
        // The backoff goes on from where it was.
        QTRY_COMPARE_WITH_TIMEOUT(recorder.reconnects.size(), 2, 1000);
        QCOMPARE(recorder.reconnects.at(1).attempt, 2);
    }

    void stopMidConnect()
    {
        SilentServer server;
        PgActivitySource source(config(u"host=127.0.0.1 port=%1 dbname=x user=x"_s.arg(server.port()), 100, 300));
        Recorder recorder(&source);
        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(server.accepted(), 1, 2000);
        QCOMPARE(source.state(), State::Connecting);
        source.stop();
        QCOMPARE(source.state(), State::Stopped);
        QTRY_COMPARE_WITH_TIMEOUT(server.open(), 0, 2000);
        // Past the connect deadline and a tick or two: silence.
        QSignalSpy anything(&source, &PgActivitySource::snapshotReady);
        QVERIFY(!anything.wait(600));
        QVERIFY(recorder.snapshots.isEmpty());
        QCOMPARE(server.accepted(), 1);
        // It can start again.
        source.start();
        QTRY_COMPARE_WITH_TIMEOUT(server.accepted(), 2, 2000);
        QCOMPARE(source.state(), State::Connecting);
    }

    void destroyMidConnect()
    {
        SilentServer server;
        auto source = std::make_unique<PgActivitySource>(
            config(u"host=127.0.0.1 port=%1 dbname=x user=x"_s.arg(server.port()), 100, 300));
        source->start();
        QTRY_COMPARE_WITH_TIMEOUT(server.accepted(), 1, 2000);
        QCOMPARE(source->state(), State::Connecting);
        source.reset();
        QTRY_COMPARE_WITH_TIMEOUT(server.open(), 0, 2000);
        // The event loop keeps running without the source's notifiers and timers: no retry comes.
        QSignalSpy retries(server.tcp(), &QTcpServer::newConnection);
        QVERIFY(!retries.wait(600));
        QCOMPARE(server.accepted(), 1);
    }

    void destroyWhileQuerying()
    {
        auto source = std::make_unique<PgActivitySource>(config(m_conninfo, 60000, 3000));
        QSignalSpy snapshots(source.get(), &PgActivitySource::snapshotReady);
        source->start();
        QTRY_COMPARE_WITH_TIMEOUT(snapshots.size(), 1, 5000);
        const int pid = source->backendPid();
        QVERIFY(pid != 0);
        QVERIFY2(::kill(pid, SIGSTOP) == 0, std::strerror(errno));
        const auto resume = qScopeGuard([pid] { ::kill(pid, SIGCONT); });
        source->pollNow();
        QCOMPARE(source->state(), State::Querying);
        source.reset();
        ::kill(pid, SIGCONT);
        // The backend sees its client gone and ends.
        const QString sql = u"SELECT count(*) FROM pg_stat_activity WHERE pid = %1"_s.arg(pid);
        QTRY_COMPARE_WITH_TIMEOUT(exec(admin(), sql), u"0"_s, 5000);
    }
};

QTEST_GUILESS_MAIN(TestPgActivitySource)
#include "tst_pgactivitysource.moc"
