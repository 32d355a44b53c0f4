// pgbouncer as a source, without a pgbouncer: SHOW output rows read into values (ShowTable), the join from a
// backend to the client behind it (PoolerSnapshot, PoolerJoin, backendBelongsTo), the per-pool history.
#include "analysis/Diagnosis.h"
#include "analysis/PoolerJoin.h"
#include "sources/ShowTable.h"
#include "store/PoolerHistory.h"
#include "store/Session.h"

#include <QTest>

#include <cmath>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

// pgbouncer 1.18's columns, in its order.
const QStringList kPoolColumns { u"database"_s, u"user"_s, u"cl_active"_s, u"cl_waiting"_s, u"cl_active_cancel_req"_s,
    u"cl_waiting_cancel_req"_s, u"sv_active"_s, u"sv_active_cancel"_s, u"sv_being_canceled"_s, u"sv_idle"_s,
    u"sv_used"_s, u"sv_tested"_s, u"sv_login"_s, u"maxwait"_s, u"maxwait_us"_s, u"pool_mode"_s };
const QStringList kServerColumns { u"type"_s, u"user"_s, u"database"_s, u"state"_s, u"addr"_s, u"port"_s,
    u"local_addr"_s, u"local_port"_s, u"connect_time"_s, u"request_time"_s, u"wait"_s, u"wait_us"_s, u"close_needed"_s,
    u"ptr"_s, u"link"_s, u"remote_pid"_s, u"tls"_s, u"application_name"_s };
const QStringList kClientColumns { u"type"_s, u"user"_s, u"database"_s, u"state"_s, u"addr"_s, u"port"_s,
    u"local_addr"_s, u"local_port"_s, u"connect_time"_s, u"request_time"_s, u"wait"_s, u"wait_us"_s, u"close_needed"_s,
    u"ptr"_s, u"link"_s, u"remote_pid"_s, u"tls"_s, u"application_name"_s };

QStringList serverRow(const QString& state, const QString& ptr, const QString& link, int pid)
{
    return { u"S"_s, u"app"_s, u"appdb"_s, state, u"127.0.0.1"_s, u"5432"_s, u"127.0.0.1"_s, u"40000"_s,
        u"2026-11-29 22:50:01 UTC"_s, u"2026-11-29 22:51:00 UTC"_s, u"0"_s, u"0"_s, u"0"_s, ptr, link,
        QString::number(pid), QString(), u"web"_s };
}

QStringList clientRow(
    const QString& database, const QString& addr, int port, const QString& ptr, const QString& link, const QString& app)
{
    return { u"C"_s, u"app"_s, database, u"active"_s, addr, QString::number(port), u"127.0.0.1"_s, u"6432"_s,
        u"2026-11-29 22:40:00 UTC"_s, u"2026-11-29 22:51:00 UTC"_s, u"0"_s, u"0"_s, u"0"_s, ptr, link, u"0"_s,
        QString(), app };
}

PoolerSnapshot snapshot(const QString& poolMode)
{
    PoolerSnapshot s;
    s.pooler = u"pgb"_s;
    s.database = u"db"_s;
    s.timestampMs = 1000;
    s.pools = { PoolerPool { u"appdb"_s, u"app"_s, 3, 0, 2, 1, 0, 0, poolMode } };
    s.servers = { PoolerServer { 101, u"0xs1"_s, u"0xc1"_s, u"appdb"_s, u"app"_s, u"active"_s, 500, 900 },
        PoolerServer { 102, u"0xs2"_s, u"0xc2"_s, u"appdb"_s, u"app"_s, u"active"_s, 500, 900 },
        PoolerServer { 103, u"0xs3"_s, QString(), u"appdb"_s, u"app"_s, u"idle"_s, 500, 900 } };
    s.clients = { PoolerClient { u"10.0.0.5"_s, 41000, u"web"_s, u"0xc1"_s, u"0xs1"_s, u"appdb"_s, u"app"_s,
                      u"active"_s, 100, 900 },
        PoolerClient {
            u"10.0.0.6"_s, 42000, u"worker"_s, u"0xc2"_s, u"0xs2"_s, u"appdb"_s, u"app"_s, u"active"_s, 200, 900 },
        PoolerClient {
            u"10.0.0.5"_s, 41001, u"web"_s, u"0xc3"_s, QString(), u"appdb"_s, u"app"_s, u"active"_s, 300, 900 } };
    return s;
}

ActivitySnapshot activity()
{
    ActivitySnapshot a;
    a.database = u"db"_s;
    a.timestampMs = 1000;
    for (int pid : { 101, 102, 103, 104 }) {
        Backend b;
        b.pid = pid;
        b.applicationName = u"web"_s; // pgbouncer's servers keep the name of their last client
        b.state = u"idle in transaction"_s;
        b.xactStartMs = 700 + pid;
        b.queryStartMs = 800 + pid;
        a.backends.append(b);
    }
    return a;
}

} // namespace

class TestPoolerJoin : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsShowPools()
    {
        ShowTable table { kPoolColumns,
            { { u"appdb"_s, u"app"_s, u"3"_s, u"2"_s, u"0"_s, u"0"_s, u"4"_s, u"0"_s, u"0"_s, u"1"_s, u"5"_s, u"0"_s,
                  u"0"_s, u"2"_s, u"250000"_s, u"transaction"_s },
                { u"pgbouncer"_s, u"pgbouncer"_s, u"1"_s, u"0"_s, u"0"_s, u"0"_s, u"0"_s, u"0"_s, u"0"_s, u"0"_s,
                    u"0"_s, u"0"_s, u"0"_s, u"0"_s, u"0"_s, u"statement"_s } } };
        QString error;
        const QList<PoolerPool> pools = table.pools(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(pools.size(), 2);
        const PoolerPool expected { u"appdb"_s, u"app"_s, 3, 2, 4, 1, 5, 2'250'000, u"transaction"_s };
        QCOMPARE(pools[0], expected);
        QCOMPARE(pools[0].maxwaitSeconds(), 2.25);
        QCOMPARE(pools[0].key(), u"appdb/app"_s);
    }

    void readsShowServersAndClients()
    {
        QString error;
        const ShowTable servers { kServerColumns,
            { serverRow(u"active"_s, u"0x1"_s, u"0xa"_s, 4242), serverRow(u"idle"_s, u"0x2"_s, QString(), 4243) } };
        const QList<PoolerServer> s = servers.servers(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(s.size(), 2);
        QCOMPARE(s[0].remotePid, 4242);
        QCOMPARE(s[0].ptr, u"0x1"_s);
        QCOMPARE(s[0].link, u"0xa"_s);
        QCOMPARE(s[0].state, u"active"_s);
        QCOMPARE(s[0].database, u"appdb"_s);
        QCOMPARE(s[0].connectTimeMs, QDateTime(QDate(2026, 11, 29), QTime(22, 50, 1), Qt::UTC).toMSecsSinceEpoch());
        QVERIFY(s[1].link.isEmpty());

        const ShowTable clients { kClientColumns,
            { clientRow(u"appdb"_s, u"10.0.0.5"_s, 41000, u"0xa"_s, u"0x1"_s, u"web"_s),
                clientRow(u"pgbouncer"_s, u"127.0.0.1"_s, 50000, u"0xb"_s, QString(), u"poolscope"_s) } };
        const QList<PoolerClient> c = clients.clients(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(c.size(), 1); // the admin console's clients (PoolScope's own) are left out
        QCOMPARE(c[0].addr, u"10.0.0.5"_s);
        QCOMPARE(c[0].port, 41000);
        QCOMPARE(c[0].applicationName, u"web"_s);
        QCOMPARE(c[0].ptr, u"0xa"_s);
        QCOMPARE(c[0].link, u"0x1"_s);
        QCOMPARE(c[0].requestTimeMs, QDateTime(QDate(2026, 11, 29), QTime(22, 51), Qt::UTC).toMSecsSinceEpoch());
    }

    // Not the admin console (or an old pgbouncer): the missing column is named.
    void namesAMissingColumn_data()
    {
        QTest::addColumn<int>("command");
        QTest::addColumn<QString>("missing");
        QTest::addColumn<QString>("expected");
        QTest::addRow("pools") << 0 << u"sv_idle"_s << u"SHOW POOLS: no column \"sv_idle\""_s;
        QTest::addRow("servers") << 1 << u"remote_pid"_s << u"SHOW SERVERS: no column \"remote_pid\""_s;
        QTest::addRow("clients") << 2 << u"ptr"_s << u"SHOW CLIENTS: no column \"ptr\""_s;
    }

    void namesAMissingColumn()
    {
        QFETCH(int, command);
        QFETCH(QString, missing);
        QFETCH(QString, expected);
        ShowTable table { command == 0 ? kPoolColumns : command == 1 ? kServerColumns : kClientColumns, {} };
        table.columns.removeAll(missing);
        QString error;
        if (command == 0)
            QVERIFY(table.pools(&error).isEmpty());
        else if (command == 1)
            QVERIFY(table.servers(&error).isEmpty());
        else
            QVERIFY(table.clients(&error).isEmpty());
        QVERIFY2(error.startsWith(expected), qPrintable(error));
    }

    void parsesTimes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("expected");
        const qint64 utc = QDateTime(QDate(2026, 11, 29), QTime(22, 50, 1), Qt::UTC).toMSecsSinceEpoch();
        QTest::addRow("UTC") << u"2026-11-29 22:50:01 UTC"_s << utc;
        QTest::addRow("GMT") << u"2026-11-29 22:50:01 GMT"_s << utc;
        QTest::addRow("zone id") << u"2026-11-29 23:50:01 Europe/Berlin"_s << utc;
        QTest::addRow("empty") << QString() << kNoTime;
        QTest::addRow("garbage") << u"yesterday at noon, roughly"_s << kNoTime;
    }

    void parsesTimes()
    {
        QFETCH(QString, text);
        QFETCH(qint64, expected);
        QCOMPARE(ShowTable::parseTime(text), expected);
    }

    // pid == remote_pid, link == ptr: the client behind each backend; servers idle in the pool have none.
    void joinsBackendsToClients_data()
    {
        QTest::addColumn<QString>("poolMode");
        QTest::addColumn<qint64>("since101"); // since when client 1 holds backend 101
        QTest::addRow("transaction") << u"transaction"_s << qint64(801); // xact_start
        QTest::addRow("session") << u"session"_s << qint64(100); // the client's connect_time
    }

    void joinsBackendsToClients()
    {
        QFETCH(QString, poolMode);
        QFETCH(qint64, since101);
        const PoolerSnapshot pooler = snapshot(poolMode);
        const QHash<int, ClientBehind> clients = clientsBehind(activity(), { &pooler });
        QCOMPARE(clients.size(), 2);
        QVERIFY(!clients.contains(103)); // idle in pgbouncer's pool: no client
        QVERIFY(!clients.contains(104)); // not a pgbouncer server connection
        const ClientBehind first = clients.value(101);
        QCOMPARE(first.address(), u"10.0.0.5:41000"_s);
        QCOMPARE(first.applicationName, u"web"_s);
        QCOMPARE(first.poolMode, poolMode);
        QCOMPARE(first.pooler, u"pgb"_s);
        QCOMPARE(first.sinceMs, since101);
        QCOMPARE(clients.value(102).applicationName, u"worker"_s);
        QVERIFY(clientsBehind(activity(), {}).isEmpty());
    }

    // A target names its clients by address, application_name or both; its backends are those its clients
    // hold now, whatever application_name the backend shows.
    void targetsFindTheirBackendsThroughTheJoin_data()
    {
        QTest::addColumn<QString>("addr");
        QTest::addColumn<QString>("applicationName");
        QTest::addColumn<QList<int>>("pids");
        QTest::addRow("by application_name") << QString() << u"worker"_s << QList<int> { 102 };
        QTest::addRow("by address") << u"10.0.0.5"_s << QString() << QList<int> { 101 };
        QTest::addRow("both") << u"10.0.0.6"_s << u"worker"_s << QList<int> { 102 };
        QTest::addRow("both, not matching") << u"10.0.0.5"_s << u"worker"_s << QList<int> {};
    }

    void targetsFindTheirBackendsThroughTheJoin()
    {
        QFETCH(QString, addr);
        QFETCH(QString, applicationName);
        QFETCH(QList<int>, pids);
        TargetConfig target;
        target.name = u"t"_s;
        target.applicationName = u"web"_s; // ignored behind pgbouncer
        target.pgbouncerClients = PgbouncerClients { addr, applicationName };
        const PoolerSnapshot pooler = snapshot(u"transaction"_s);
        QList<int> found;
        for (const Backend& b : activity().backends) {
            if (backendBelongsTo(b, target, { &pooler }))
                found.append(b.pid);
        }
        QCOMPARE(found, pids);
        // Without a pooler snapshot, nothing is claimed.
        QVERIFY(!backendBelongsTo(activity().backends.first(), target, {}));
    }

    void namesTheClientOnSuspects()
    {
        Reconciliation r;
        r.nowMs = 2000;
        Suspect s;
        s.pid = 101;
        s.clientAddr = u"127.0.0.1"_s; // pgbouncer's own address, as pg_stat_activity shows it
        s.reason = u"idle in transaction for 5 s."_s;
        s.redactedReason = s.reason;
        r.suspects.append(s);
        const PoolerSnapshot pooler = snapshot(u"transaction"_s);
        attributeToClients(r, clientsBehind(activity(), { &pooler }), poolModesOf({ &pooler }));
        QCOMPARE(r.suspects[0].clientAddr, u"10.0.0.5:41000"_s);
        QCOMPARE(r.suspects[0].applicationName, u"web"_s);
        QVERIFY2(r.suspects[0].reason.contains(u"Held through pgbouncer by client 10.0.0.5:41000 (web)"_s),
            qPrintable(r.suspects[0].reason));
        // With redaction on (views, screenshots, exports) the client's address is masked as everywhere else.
        const QString& redacted = r.suspects[0].reasonText(true);
        QVERIFY2(redacted.startsWith(
                     u"idle in transaction for 5 s. Held through pgbouncer by client 10.0.x.x:41000 (web)"_s),
            qPrintable(redacted));
        QVERIFY(!redacted.contains(u"10.0.0.5"_s));
        QVERIFY2(r.confidenceReason.contains(u"a client holds a server connection only inside a transaction"_s),
            qPrintable(r.confidenceReason));
    }

    // The live analysis: a target behind pgbouncer gets its suspects through the join, each named by the
    // client that holds it; backends that only carry its application_name (pgbouncer's other servers) are not
    // its own.
    void diagnosisFindsSuspectsThroughTheJoin()
    {
        constexpr qint64 now = 1'795'000'000'000;
        Workspace ws;
        ws.databases.append(DatabaseConfig { u"db"_s, u"dbname=app"_s, 2000, 5000 });
        ws.poolers.append(PoolerConfig { u"pgb"_s, u"dbname=pgbouncer"_s, u"db"_s, 2000, 5000 });
        TargetConfig web;
        web.name = u"web"_s;
        web.url = u"http://localhost:8000/health"_s;
        web.applicationName = u"web"_s;
        web.database = u"db"_s;
        web.pgbouncerClients.addr = u"10.0.0.5"_s;
        ws.targets.append(web);
        Session session(ws);
        Diagnosis diagnosis(&session);

        PoolerSnapshot pooler = snapshot(u"transaction"_s);
        pooler.timestampMs = now;
        session.addPoolerSnapshot(pooler);
        ActivitySnapshot backends = activity();
        backends.timestampMs = now;
        backends.serverTimeMs = now;
        for (Backend& b : backends.backends) {
            b.stateChangeMs = now - 600'000; // idle in transaction for 10 minutes
            b.xactStartMs = now - 600'000;
        }
        session.addSnapshot(backends);
        Sample sample;
        sample.target = u"web"_s;
        sample.timestampMs = now;
        sample.metrics.set(Metric::CheckedOut, 2);
        sample.metrics.set(Metric::Tracked, 0);
        session.addSample(sample);
        diagnosis.recompute();

        QCOMPARE(session.target(0).backendCount, 1); // 101 only: 102 is worker's, 103 idle in pgbouncer, 104 direct
        const Reconciliation& r = diagnosis.target(0).reconciliation;
        QCOMPARE(r.suspects.size(), 1);
        QCOMPARE(r.suspects[0].pid, 101);
        QCOMPARE(r.suspects[0].clientAddr, u"10.0.0.5:41000"_s);
        QVERIFY2(r.suspects[0].reason.contains(u"Held through pgbouncer by client 10.0.0.5:41000 (web)"_s),
            qPrintable(r.suspects[0].reason));
        QVERIFY2(r.confidenceReason.contains(u"only inside a transaction"_s), qPrintable(r.confidenceReason));
    }

    void keepsPoolHistoryWithGaps()
    {
        PoolerHistory history;
        PoolerSnapshot first = snapshot(u"transaction"_s);
        history.append(first);
        PoolerSnapshot failed;
        failed.pooler = u"pgb"_s;
        failed.timestampMs = 2000;
        failed.error = u"connection refused"_s;
        history.append(failed);
        PoolerSnapshot third = snapshot(u"transaction"_s);
        third.timestampMs = 3000;
        third.pools.append(PoolerPool { u"other"_s, u"app"_s, 1, 4, 0, 0, 0, 3'500'000, u"session"_s });
        history.append(third);

        QCOMPARE(history.pools().size(), std::size_t(2));
        const auto* app = history.pool(u"appdb/app"_s);
        QVERIFY(app);
        QCOMPARE(app->times, (std::vector<qint64> { 1000, 2000, 3000 }));
        const auto active = app->column(PoolerHistory::PoolMetric::ClActive);
        QCOMPARE(active[0], 3.0);
        QVERIFY(std::isnan(active[1])); // the failed read is a gap
        QCOMPARE(active[2], 3.0);
        const auto* other = history.pool(u"other/app"_s);
        QVERIFY(other);
        QCOMPARE(other->times, (std::vector<qint64> { 3000 }));
        QCOMPARE(other->column(PoolerHistory::PoolMetric::ClWaiting)[0], 4.0);
        QCOMPARE(other->column(PoolerHistory::PoolMetric::MaxwaitSeconds)[0], 3.5);
    }
};

QTEST_GUILESS_MAIN(TestPoolerJoin)
#include "tst_poolerjoin.moc"
