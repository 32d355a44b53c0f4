// PoolerSource, the Session's pooler history and the pgbouncer join against a real pgbouncer (Debian's
// 1.18, started by tests/common/PgBouncer as an unprivileged user) in front of a PostgreSQL of the test's own,
// in transaction and in session pooling. An "app" (libpq connections of this process, each its own
// pgbouncer client with its own port and application_name) holds connections: its held backends must be
// found through SHOW SERVERS/SHOW CLIENTS and attributed to the right client; the pooler chart's series must
// equal SHOW POOLS; a pgbouncer that dies must be a failing state that loses nothing.
#include "PgBouncer.h"
#include "PgCluster.h"
#include "PoolerPane.h"
#include "analysis/PoolerJoin.h"
#include "export/Exporter.h"
#include "record/Recorder.h"
#include "record/RecordingArchive.h"
#include "record/RecordingReader.h"
#include "sources/PgActivitySource.h"
#include "sources/PoolerSource.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <libpq-fe.h>

#include <arpa/inet.h>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

namespace {

constexpr int kIntervalMs = 300;
constexpr int kTimeoutMs = 3000;
constexpr int kWaitMs = 30'000; // loaded CI machines

// One connection the app holds through pgbouncer.
struct Held
{
    QString app;
    int pid = 0; // the PostgreSQL backend that served its last statement
    int localPort = 0; // the client's port as pgbouncer sees it
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn { nullptr, &PQfinish };
};

QString exec(PGconn* conn, const char* sql)
{
    PGresult* result = PQexec(conn, sql);
    const ExecStatusType status = PQresultStatus(result);
    QString value;
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0)
        value = QString::fromUtf8(PQgetvalue(result, 0, 0));
    else if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        value = u"ERROR: "_s + QString::fromUtf8(PQresultErrorMessage(result));
    PQclear(result);
    return value;
}

// Opens a connection through pgbouncer as `app`; `transaction`: leaves a transaction open on it.
std::unique_ptr<Held> hold(const PgBouncer& bouncer, const QString& app, bool transaction, QString* error)
{
    auto held = std::make_unique<Held>();
    held->app = app;
    held->conn.reset(PQconnectdb(bouncer.conninfo(u"postgres"_s, app).toUtf8().constData()));
    if (PQstatus(held->conn.get()) != CONNECTION_OK) {
        *error = QString::fromUtf8(PQerrorMessage(held->conn.get()));
        return nullptr;
    }
    if (transaction)
        exec(held->conn.get(), "BEGIN");
    const QString pid = exec(held->conn.get(), "SELECT pg_backend_pid()");
    held->pid = pid.toInt();
    if (held->pid <= 0) {
        *error = pid;
        return nullptr;
    }
    sockaddr_in local {};
    socklen_t length = sizeof local;
    if (::getsockname(PQsocket(held->conn.get()), reinterpret_cast<sockaddr*>(&local), &length) != 0) {
        *error = u"getsockname failed"_s;
        return nullptr;
    }
    held->localPort = ntohs(local.sin_port);
    return held;
}

QSet<int> pidsOf(const QList<Backend>& backends)
{
    QSet<int> pids;
    for (const Backend& b : backends)
        pids.insert(b.pid);
    return pids;
}

// The session's pooler chart (the newest row of each series of pool postgres/postgres) against SHOW POOLS
// read now; empty when they agree, otherwise what differs.
QString poolChartMismatch(const Session& session, const PgBouncer& bouncer)
{
    QString error;
    const auto rows = bouncer.show(u"SHOW POOLS"_s, &error);
    if (!error.isEmpty())
        return error;
    const PoolerHistory::PoolSeries* series = session.pooler(0).history.pool(u"postgres/postgres"_s);
    if (!series || series->times.empty())
        return u"no series for postgres/postgres"_s;
    for (const auto& row : rows) {
        if (row.value(u"database"_s) != u"postgres"_s || row.value(u"user"_s) != u"postgres"_s)
            continue;
        using M = PoolerHistory::PoolMetric;
        const QList<std::pair<M, double>> expected {
            { M::ClActive, row.value(u"cl_active"_s).toDouble() },
            { M::ClWaiting, row.value(u"cl_waiting"_s).toDouble() },
            { M::SvActive, row.value(u"sv_active"_s).toDouble() },
            { M::SvIdle, row.value(u"sv_idle"_s).toDouble() },
            { M::MaxwaitSeconds, row.value(u"maxwait"_s).toDouble() + row.value(u"maxwait_us"_s).toDouble() / 1e6 },
        };
        QStringList differ;
        for (const auto& [metric, value] : expected) {
            const double charted = series->column(metric).back();
            if (charted != value)
                differ
                    << u"%1 charted %2, SHOW POOLS %3"_s.arg(PoolerHistory::metricName(metric)).arg(charted).arg(value);
        }
        return differ.join(u"; "_s);
    }
    return u"SHOW POOLS has no postgres/postgres pool"_s;
}

} // namespace

class TestPooler : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<ActivitySnapshot>();
        qRegisterMetaType<PoolerSnapshot>();
        QString error;
        QVERIFY2(m_cluster.create({}, &error), qPrintable(error));
        QVERIFY2(m_cluster.start(&error), qPrintable(error));
    }

    void heldConnectionsThroughPgbouncer_data()
    {
        QTest::addColumn<QString>("poolMode");
        QTest::addRow("transaction pooling") << u"transaction"_s;
        QTest::addRow("session pooling") << u"session"_s;
    }

    void heldConnectionsThroughPgbouncer()
    {
        QFETCH(QString, poolMode);
        const bool session = poolMode == u"session"_s;
        PgBouncer bouncer;
        QString error;
        QVERIFY2(bouncer.start(m_cluster.port(), poolMode, &error), qPrintable(error));

        // The app: app_a holds 3 connections in open transactions, app_b 2 (in transactions too), app_c 1
        // that is idle outside a transaction: in transaction pooling it holds no backend, in session pooling
        // it holds one.
        std::vector<std::unique_ptr<Held>> held;
        for (const auto& [app, count, transaction] : { std::tuple { u"app_a"_s, 3, true },
                 std::tuple { u"app_b"_s, 2, true }, std::tuple { u"app_c"_s, 1, false } }) {
            for (int i = 0; i < count; ++i) {
                auto connection = hold(bouncer, app, transaction, &error);
                QVERIFY2(connection, qPrintable(error));
                held.push_back(std::move(connection));
            }
        }
        auto expectedPids = [&](const QString& app) {
            QSet<int> pids;
            for (const auto& h : held) {
                if (h->app == app && (session || app != u"app_c"_s))
                    pids.insert(h->pid);
            }
            return pids;
        };
        QCOMPARE(expectedPids(u"app_a"_s).size(), 3); // each its own backend

        Workspace workspace;
        DatabaseConfig database { u"db"_s, m_cluster.conninfo(u"postgres"_s), kIntervalMs, kTimeoutMs };
        PoolerConfig pooler { u"pgb"_s, bouncer.adminConninfo(), u"db"_s, kIntervalMs, kTimeoutMs };
        workspace.databases.append(database);
        workspace.poolers.append(pooler);
        for (const QString& app : { u"app_a"_s, u"app_b"_s, u"app_c"_s }) {
            TargetConfig target;
            target.name = app;
            target.url = u"http://127.0.0.1:1/unused"_s;
            target.database = u"db"_s;
            target.pgbouncerClients.applicationName = app;
            workspace.targets.append(target);
        }
        Session store(workspace);
        // Recorded all along: the reopened recording must hold what was live (checked at the end).
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString recordingPath = dir.filePath(u"pooler.psrec"_s);
        Recorder recorder(&store);
        QVERIFY2(recorder.open(recordingPath, &error), qPrintable(error));
        PgActivitySource activity(database);
        PoolerSource source(pooler);
        QObject::connect(&activity, &PgActivitySource::snapshotReady, &store, &Session::addSnapshot);
        QObject::connect(&source, &PoolerSource::snapshotReady, &store, &Session::addPoolerSnapshot);
        activity.start();
        source.start();

        // Found through the join, and only those.
        for (const QString& app : { u"app_a"_s, u"app_b"_s, u"app_c"_s }) {
            const int index = store.targetIndex(app);
            QTRY_COMPARE_WITH_TIMEOUT(pidsOf(store.backendsOf(index)), expectedPids(app), kWaitMs);
        }
        QVERIFY2(store.pooler(0).latest.ok(), qPrintable(store.pooler(0).latest.error));
        qInfo(
            "%s pooling: one read (SHOW POOLS, SERVERS, CLIENTS) took %lld ms; %lld pools, %lld servers, %lld clients",
            qPrintable(poolMode), store.pooler(0).latest.latencyMs, qint64(store.pooler(0).latest.pools.size()),
            qint64(store.pooler(0).latest.servers.size()), qint64(store.pooler(0).latest.clients.size()));

        // Attributed to the right client: address, port, application_name, pool mode, a since.
        const QHash<int, ClientBehind> clients
            = clientsBehind(store.database(0).lastOk, store.poolerSnapshotsFor(u"db"_s, ViewState::kLive));
        for (const auto& h : held) {
            if (!session && h->app == u"app_c"_s) {
                QVERIFY(!clients.contains(h->pid) || clients.value(h->pid).applicationName != u"app_c"_s);
                continue;
            }
            QVERIFY2(clients.contains(h->pid), qPrintable(u"pid %1 of %2 not joined"_s.arg(h->pid).arg(h->app)));
            const ClientBehind client = clients.value(h->pid);
            QCOMPARE(client.applicationName, h->app);
            QCOMPARE(client.addr, u"127.0.0.1"_s);
            QCOMPARE(client.port, h->localPort);
            QCOMPARE(client.poolMode, poolMode);
            QCOMPARE(client.pooler, u"pgb"_s);
            QVERIFY(client.sinceMs != kNoTime);
        }

        // The pooler chart shows what SHOW POOLS says.
        QTRY_COMPARE_WITH_TIMEOUT(poolChartMismatch(store, bouncer), QString(), kWaitMs);
        const PoolerHistory::PoolSeries* series = store.pooler(0).history.pool(u"postgres/postgres"_s);
        QVERIFY(series);
        QCOMPARE(series->column(PoolerHistory::PoolMetric::ClActive).back(), 6.0);
        QCOMPARE(series->column(PoolerHistory::PoolMetric::SvActive).back(), session ? 6.0 : 5.0);
        // ... and the pane draws exactly those values.
        PoolerPane pane(&store);
        pane.refresh();
        const int poolItem = pane.poolBox()->findData(u"0/postgres/postgres"_s);
        QVERIFY(poolItem >= 0);
        pane.poolBox()->setCurrentIndex(poolItem);
        for (int metric = 0; metric < PoolerHistory::kPoolMetricCount; ++metric) {
            const auto column = series->column(static_cast<PoolerHistory::PoolMetric>(metric));
            QCOMPARE(pane.lastCharted(metric), column.back());
        }

        // A few reads more, so that the recording has a moment before the newest read to show.
        QTRY_VERIFY_WITH_TIMEOUT(store.pooler(0).history.pool(u"postgres/postgres"_s)->times.size() >= 3, kWaitMs);
        series = store.pooler(0).history.pool(u"postgres/postgres"_s);

        // pgbouncer dies: a failing state with a reason, and nothing collected is lost.
        const std::vector<qint64> timesBefore = series->times;
        const std::vector<double> activeBefore(series->column(PoolerHistory::PoolMetric::ClActive).begin(),
            series->column(PoolerHistory::PoolMetric::ClActive).end());
        QVERIFY2(bouncer.stop(&error, /* hard */ true), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(store.pooler(0).polled() && !store.pooler(0).latest.ok(), kWaitMs);
        QVERIFY(!store.pooler(0).latest.error.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(
            source.state() == PgPoller::State::Backoff || source.state() == PgPoller::State::Connecting, kWaitMs);
        QVERIFY(store.pooler(0).lastOk.ok());
        QCOMPARE(store.pooler(0).lastOk.clients.size(), 6);
        series = store.pooler(0).history.pool(u"postgres/postgres"_s);
        QVERIFY(series->times.size() > timesBefore.size());
        QVERIFY(std::equal(timesBefore.begin(), timesBefore.end(), series->times.begin()));
        const auto active = series->column(PoolerHistory::PoolMetric::ClActive);
        QVERIFY(std::equal(activeBefore.begin(), activeBefore.end(), active.begin()));
        QVERIFY(std::isnan(active.back())); // a gap, never a frozen value
        QVERIFY(store.database(0).latest.ok()); // PostgreSQL's own reads go on
        source.stop();
        activity.stop();

        recorder.close();
        QVERIFY2(recorder.lastError().isEmpty(), qPrintable(recorder.lastError()));
        checkRecording(store, recordingPath, clients, dir.filePath(u"poolers.csv"_s));
    }

private:
    // The recording of `live` reopened: the pooler history, the newest reads and the join are what was live
    // (`clients`: the join while pgbouncer was up, found again at the time cursor through the recorded read
    // of that moment); the pooler CSV has a row per read per pool.
    static void checkRecording(
        const Session& live, const QString& path, const QHash<int, ClientBehind>& clients, const QString& csvPath)
    {
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(path, &error), qPrintable(error));
        const std::unique_ptr<Session> review = reader.load();
        QVERIFY2(reader.problems().isEmpty(), qPrintable(reader.problems().join(u"; "_s)));
        QCOMPARE(review->poolerCount(), 1);
        const PoolerState& original = live.pooler(0);
        const PoolerState& replayed = review->pooler(0);
        QCOMPARE(replayed.history.pools().size(), original.history.pools().size());
        std::size_t rows = 0;
        for (std::size_t i = 0; i < original.history.pools().size(); ++i) {
            const auto& a = original.history.pools()[i];
            const auto& b = replayed.history.pools()[i];
            QCOMPARE(b.key, a.key);
            QCOMPARE(b.times, a.times);
            for (int m = 0; m < PoolerHistory::kPoolMetricCount; ++m) {
                const auto metric = static_cast<PoolerHistory::PoolMetric>(m);
                const auto x = a.column(metric);
                const auto y = b.column(metric);
                QVERIFY2(std::equal(x.begin(), x.end(), y.begin(), y.end(),
                             [](double p, double q) { return std::isnan(p) ? std::isnan(q) : p == q; }),
                    qPrintable(PoolerHistory::metricName(metric)));
            }
            QCOMPARE(b.poolModes, a.poolModes);
            rows += a.times.size();
        }
        QCOMPARE(replayed.latest.error, original.latest.error);
        QCOMPARE(replayed.lastOk.timestampMs, original.lastOk.timestampMs);
        QCOMPARE(replayed.lastOk.pools, original.lastOk.pools);
        QCOMPARE(replayed.lastOk.servers, original.lastOk.servers);
        QCOMPARE(replayed.lastOk.clients, original.lastOk.clients);

        // The backends' client columns in review: the join at the end, and at a moment through the archive.
        const QString db = live.database(0).config.name;
        QCOMPARE(clientsBehind(review->database(0).lastOk, review->poolerSnapshotsFor(db, ViewState::kLive)),
            clientsBehind(live.database(0).lastOk, live.poolerSnapshotsFor(db, ViewState::kLive)));
        RecordingArchive archive;
        QVERIFY(archive.open(path));
        review->setArchive(&archive);
        const qint64 moment = original.lastOk.timestampMs - 1; // before the newest read: asks the archive
        const ActivitySnapshot activityThen = review->snapshotAt(0, moment);
        const auto poolersThen = review->poolerSnapshotsFor(db, moment);
        QCOMPARE(poolersThen.size(), 1);
        QVERIFY(poolersThen.first()->timestampMs < original.lastOk.timestampMs);
        QCOMPARE(poolersThen.first()->clients.size(), original.lastOk.clients.size());
        const QHash<int, ClientBehind> behindThen = clientsBehind(activityThen, poolersThen);
        for (auto it = clients.cbegin(); it != clients.cend(); ++it) {
            QVERIFY2(behindThen.contains(it.key()), qPrintable(u"pid %1 not joined at the cursor"_s.arg(it.key())));
            QCOMPARE(behindThen.value(it.key()).applicationName, it->applicationName);
            QCOMPARE(behindThen.value(it.key()).port, it->port);
        }

        // The pooler CSV of the reopened recording: a row per read per pool, the gap included.
        QVERIFY2(exportPoolers(*review, csvPath, {}, &error), qPrintable(error));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), qsizetype(1 + rows));
        QCOMPARE(lines.first().trimmed(), poolersColumns().join(u',').toUtf8());
        const QList<QByteArray> last = lines.last().trimmed().split(',');
        QCOMPARE(last.value(1), QByteArray("pgb"));
        QCOMPARE(last.mid(4), QList<QByteArray>(7, QByteArray())); // pgbouncer died: a gap
        qInfo("recording of %lld pooler reads: %lld bytes; pooler CSV %lld rows",
            qint64(original.history.pools()[0].times.size()), QFileInfo(path).size(), qint64(rows));
    }

    PgCluster m_cluster;
};

QTEST_MAIN(TestPooler)
#include "tst_pooler.moc"
