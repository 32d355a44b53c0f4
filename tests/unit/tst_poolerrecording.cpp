// pgbouncer reads in a recording: the Recorder writes every read (pools, and the SHOW SERVERS/CLIENTS rows
// when they changed), the reader restores them into the Session exactly as live (history with its gaps,
// newest reads, the read at a time cursor), the pooler CSV has one row per read per pool, and a recording
// made before pooler reads were recorded still opens.
#include "RecordingFormat1.h"
#include "RecordingWalk.h"
#include "export/Exporter.h"
#include "record/Recorder.h"
#include "record/RecordingArchive.h"
#include "record/RecordingReader.h"
#include "store/Session.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

constexpr qint64 kT0 = 1'795'749'120'000;

Workspace pooledWorkspace()
{
    Workspace workspace;
    workspace.databases.append(DatabaseConfig { u"db"_s, u"host=127.0.0.1 dbname=postgres"_s, 1000, 5000 });
    workspace.poolers.append(
        PoolerConfig { u"pgb"_s, u"host=127.0.0.1 port=6432 dbname=pgbouncer"_s, u"db"_s, 1000, 5000 });
    TargetConfig target;
    target.name = u"web"_s;
    target.url = u"http://127.0.0.1:1/health"_s;
    target.database = u"db"_s;
    target.pgbouncerClients.applicationName = u"web"_s;
    workspace.targets.append(target);
    return workspace;
}

PoolerPool pool(const QString& database, int clActive, int svActive, qint64 maxwaitUs, const QString& mode)
{
    PoolerPool p;
    p.database = database;
    p.user = u"app"_s;
    p.clActive = clActive;
    p.clWaiting = clActive / 2;
    p.svActive = svActive;
    p.svIdle = 1;
    p.svUsed = 2;
    p.maxwaitUs = maxwaitUs;
    p.poolMode = mode;
    return p;
}

// Client `i` ("web" or "batch") holding server connection `i`, whose backend is pid 100 + i.
void addLink(PoolerSnapshot& s, int i, const QString& app)
{
    PoolerServer server;
    server.remotePid = 100 + i;
    server.ptr = u"0xs%1"_s.arg(i);
    server.link = u"0xc%1"_s.arg(i);
    server.database = u"postgres"_s;
    server.user = u"app"_s;
    server.state = u"active"_s;
    server.connectTimeMs = kT0 - 60'000;
    PoolerClient client;
    client.addr = u"127.0.0.1"_s;
    client.port = 40000 + i;
    client.applicationName = app;
    client.ptr = server.link;
    client.link = server.ptr;
    client.database = u"postgres"_s;
    client.user = u"app"_s;
    client.state = u"active"_s;
    client.connectTimeMs = kT0 - 50'000;
    client.requestTimeMs = kT0 - 40'000 + i;
    s.servers.append(server);
    s.clients.append(client);
}

// Five reads: two alike, a failed one, one where a client left, one with a new pool.
QList<PoolerSnapshot> poolerReads()
{
    QList<PoolerSnapshot> reads;
    for (int i = 0; i < 5; ++i) {
        PoolerSnapshot s;
        s.pooler = u"pgb"_s;
        s.database = u"db"_s;
        s.timestampMs = kT0 + i * 1000;
        s.latencyMs = 3 + i;
        if (i == 2) {
            s.error = u"connection refused"_s;
            reads.append(s);
            continue;
        }
        s.pools.append(pool(u"=cmd|' /C calc'!A0"_s, 3 + i, 2 + i, i * 1'250'000, u"transaction"_s));
        if (i == 4)
            s.pools.append(pool(u"batch"_s, 1, 1, 0, u"session"_s));
        addLink(s, 0, u"web"_s);
        addLink(s, 1, u"web"_s);
        if (i < 3)
            addLink(s, 2, u"batch"_s);
        reads.append(s);
    }
    return reads;
}

ActivitySnapshot activityAt(qint64 ms)
{
    ActivitySnapshot snapshot;
    snapshot.database = u"db"_s;
    snapshot.timestampMs = ms;
    snapshot.serverTimeMs = ms;
    snapshot.latencyMs = 1;
    for (int i = 0; i < 3; ++i) {
        Backend b;
        b.pid = 100 + i;
        b.backendStartMs = kT0 - 60'000;
        b.applicationName = u"pgbouncer"_s;
        b.state = u"idle in transaction"_s;
        snapshot.backends.append(b);
    }
    return snapshot;
}

// Empty when equal, else what differs.
QString diffPoolerSnapshots(const PoolerSnapshot& a, const PoolerSnapshot& b)
{
    if (a.pooler != b.pooler || a.database != b.database || a.timestampMs != b.timestampMs || a.latencyMs != b.latencyMs
        || a.error != b.error)
        return u"header: %1/%2@%3 %4 '%5' vs %6/%7@%8 %9 '%10'"_s.arg(a.pooler, a.database)
            .arg(a.timestampMs)
            .arg(a.latencyMs)
            .arg(a.error, b.pooler, b.database)
            .arg(b.timestampMs)
            .arg(b.latencyMs)
            .arg(b.error);
    if (a.pools != b.pools)
        return u"pools differ at %1"_s.arg(a.timestampMs);
    if (a.servers != b.servers)
        return u"servers differ at %1 (%2 vs %3)"_s.arg(a.timestampMs).arg(a.servers.size()).arg(b.servers.size());
    if (a.clients != b.clients)
        return u"clients differ at %1 (%2 vs %3)"_s.arg(a.timestampMs).arg(a.clients.size()).arg(b.clients.size());
    return {};
}

bool sameColumn(std::span<const double> a, std::span<const double> b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
        [](double x, double y) { return std::isnan(x) ? std::isnan(y) : x == y; });
}

QString diffHistories(const PoolerHistory& a, const PoolerHistory& b)
{
    if (a.pools().size() != b.pools().size())
        return u"pool count %1 vs %2"_s.arg(a.pools().size()).arg(b.pools().size());
    for (std::size_t i = 0; i < a.pools().size(); ++i) {
        const auto& x = a.pools()[i];
        const auto& y = b.pools()[i];
        if (x.key != y.key || x.times != y.times)
            return u"pool %1: key or times differ"_s.arg(x.key);
        for (int m = 0; m < PoolerHistory::kPoolMetricCount; ++m) {
            const auto metric = static_cast<PoolerHistory::PoolMetric>(m);
            if (!sameColumn(x.column(metric), y.column(metric)))
                return u"pool %1: %2 differs"_s.arg(x.key, PoolerHistory::metricName(metric));
        }
        if (!sameColumn(x.svUsed, y.svUsed) || x.poolModes != y.poolModes)
            return u"pool %1: sv_used or pool_mode differs"_s.arg(x.key);
    }
    return {};
}

QList<QStringList> readCsv(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QStringList> rows;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (QByteArray line : lines) {
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.isEmpty())
            continue;
        // The test's cells hold no comma or quote except the neutralised pool name, which is quoted.
        QStringList cells;
        QString cell;
        bool quoted = false;
        for (const QChar c : QString::fromUtf8(line)) {
            if (c == u'"') {
                quoted = !quoted;
            } else if (c == u',' && !quoted) {
                cells.append(cell);
                cell.clear();
            } else {
                cell.append(c);
            }
        }
        cells.append(cell);
        rows.append(cells);
    }
    return rows;
}

} // namespace

class tst_PoolerRecording : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(u"%1.psrec"_s.arg(QString::fromLatin1(QTest::currentTestFunction())));
    }

    void reopenedPoolerHistoryEqualsLive()
    {
        Session live(pooledWorkspace());
        const QList<PoolerSnapshot> reads = record(live);

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_path, &error), qPrintable(error));
        QVERIFY(reader.hasPoolerTables());
        const std::unique_ptr<Session> review = reader.load();
        QVERIFY2(reader.problems().isEmpty(), qPrintable(reader.problems().join(u"; "_s)));
        QCOMPARE(review->poolerCount(), 1);
        const PoolerState& replayed = review->pooler(0);
        const PoolerState& original = live.pooler(0);
        QCOMPARE(diffHistories(replayed.history, original.history), QString());
        QCOMPARE(replayed.history.pools().size(), std::size_t(2));
        QCOMPARE(diffPoolerSnapshots(replayed.latest, original.latest), QString());
        QCOMPARE(diffPoolerSnapshots(replayed.lastOk, original.lastOk), QString());
        QCOMPARE(replayed.consecutiveFailures, original.consecutiveFailures);
        // Read off the GUI thread into plain data (RecordingLoader) it is the same.
        SessionContent content(reader.workspace());
        QVERIFY(reader.read(content));
        QCOMPARE(content.poolers.size(), std::size_t(1));
        QCOMPARE(diffHistories(content.poolers.at(0).history, original.history), QString());
        QCOMPARE(diffPoolerSnapshots(content.poolers.at(0).lastOk, original.lastOk), QString());
        // The join works in review as it did live: the target owns the backends its clients hold.
        QCOMPARE(review->target(0).backendCount, 2);
        QCOMPARE(review->backendsOf(0).size(), live.backendsOf(0).size());

        // The read at a moment, servers and clients included, also when they were not written again.
        for (int i : { 0, 1, 3, 4 }) {
            QCOMPARE(diffPoolerSnapshots(reader.poolerSnapshotAt(u"pgb"_s, reads.at(i).timestampMs), reads.at(i)),
                QString());
        }
        // The failed read is a gap: the moment shows the read before it.
        QCOMPARE(
            diffPoolerSnapshots(reader.poolerSnapshotAt(u"pgb"_s, reads.at(2).timestampMs), reads.at(1)), QString());
        QCOMPARE(reader.poolerSnapshotAt(u"pgb"_s, kT0 - 1).timestampMs, 0);
        QCOMPARE(reader.timeRange().firstMs, reads.first().timestampMs); // a pooler read came first
    }

    void linksAreWrittenOnlyWhenTheyChange()
    {
        Session live(pooledWorkspace());
        const QList<PoolerSnapshot> reads = record(live);
        const test::WalkedRecording walked = test::walkRecording(m_path);
        QVERIFY2(walked.error.isEmpty(), qPrintable(walked.error));
        QCOMPARE(walked.items(recording::ItemKind::Pooler), 5);
        const QList<test::WalkedRecord> frames = walked.frames(); // one per read (with a pg_stat_activity read)
        QCOMPARE(frames.size(), 5);
        qsizetype failed = 0;
        qsizetype pools = 0;
        for (const test::WalkedRecord& frame : frames) {
            const PoolerSnapshot& read = frame.items.first().pooler;
            failed += read.error == u"connection refused"_s ? 1 : 0;
            pools += read.pools.size();
        }
        QCOMPARE(failed, 1);
        QCOMPARE(pools, 5); // 1 + 1 + 0 + 1 + 2
        // Reads 1 and 4 saw the same SHOW SERVERS/CLIENTS as the read before (0 and 3): their frames do not
        // carry them again, so they are smaller than those frames, which do.
        for (const int same : { 1, 4 }) {
            QCOMPARE(reads.at(same).servers, reads.at(same - 1).servers);
            QCOMPARE(reads.at(same).clients, reads.at(same - 1).clients);
            QVERIFY2(frames.at(same).size < frames.at(same - 1).size,
                qPrintable(
                    u"read %1: %2 bytes vs %3"_s.arg(same).arg(frames.at(same).size).arg(frames.at(same - 1).size)));
        }
    }

    void reviewCursorJoinsThroughTheReadOfThatMoment()
    {
        Session live(pooledWorkspace());
        const QList<PoolerSnapshot> reads = record(live);
        RecordingReader reader;
        QVERIFY(reader.open(m_path));
        const std::unique_ptr<Session> review = reader.load();
        RecordingArchive archive;
        QVERIFY(archive.open(m_path));
        review->setArchive(&archive);
        // At read 1 the batch client still held pid 102; at the end it did not.
        const auto atRead1 = review->poolerSnapshotsFor(u"db"_s, reads.at(1).timestampMs + 10);
        QCOMPARE(atRead1.size(), 1);
        QCOMPARE(diffPoolerSnapshots(*atRead1.first(), reads.at(1)), QString());
        QVERIFY(atRead1.first()->serverOfBackend(102));
        const auto atEnd = review->poolerSnapshotsFor(u"db"_s, reads.last().timestampMs);
        QCOMPARE(atEnd.size(), 1);
        QVERIFY(!atEnd.first()->serverOfBackend(102));
        QVERIFY(review->poolerSnapshotsFor(u"db"_s, kT0 - 1).isEmpty());
    }

    void exportsPoolsOverTime()
    {
        Session live(pooledWorkspace());
        const QList<PoolerSnapshot> reads = record(live);
        RecordingReader reader;
        QVERIFY(reader.open(m_path));
        const std::unique_ptr<Session> review = reader.load();
        const QString csv = m_dir.filePath(u"poolers.csv"_s);
        QString error;
        QVERIFY2(exportPoolers(*review, csv, {}, &error), qPrintable(error));
        const QList<QStringList> rows = readCsv(csv);
        QCOMPARE(poolersColumns().join(u','),
            u"timestamp,pooler,database,user,pool_mode,cl_active,cl_waiting,sv_active,sv_idle,sv_used,maxwait"_s);
        QCOMPARE(rows.value(0), poolersColumns());
        // Pool 1: a row for each of the 5 reads (the failed one a gap); pool 2 from its first read.
        QCOMPARE(rows.size(), 1 + 5 + 1);
        const QStringList first = rows.at(1);
        QCOMPARE(first.at(0), isoTimestamp(kT0));
        QCOMPARE(first.at(1), u"pgb"_s);
        QCOMPARE(first.at(2), u"'=cmd|' /C calc'!A0"_s); // neutralised like every text cell
        QCOMPARE(first.at(3), u"app"_s);
        QCOMPARE(first.mid(4), (QStringList { u"transaction"_s, u"3"_s, u"1"_s, u"2"_s, u"1"_s, u"2"_s, u"0"_s }));
        const QStringList gap = rows.at(3);
        QCOMPARE(gap.at(0), isoTimestamp(reads.at(2).timestampMs));
        QCOMPARE(gap.mid(4), QStringList(7, QString()));
        const QStringList last = rows.at(5);
        QCOMPARE(last.at(0), isoTimestamp(reads.at(4).timestampMs));
        QCOMPARE(last.at(5), u"7"_s);
        QCOMPARE(last.at(10), u"5"_s); // 5 000 000 us
        QCOMPARE(rows.at(6).mid(2, 3), (QStringList { u"batch"_s, u"app"_s, u"session"_s }));

        // A range keeps the reads within it.
        ExportOptions range;
        range.fromMs = reads.at(3).timestampMs;
        QVERIFY(exportPoolers(*review, csv, range, &error));
        QCOMPARE(readCsv(csv).size(), 1 + 3);
    }

    void recordingWithoutPoolerTablesOpens()
    {
        // A recording of format 1 made before pooler reads were recorded: no pooler tables.
        QList<ActivitySnapshot> snapshots;
        for (const PoolerSnapshot& read : poolerReads())
            snapshots.append(activityAt(read.timestampMs + 1));
        QVERIFY(test::writeFormat1Recording(m_path, pooledWorkspace(), snapshots, false));

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_path, &error), qPrintable(error));
        QVERIFY(!reader.hasPoolerTables());
        SessionContent content(reader.workspace());
        QVERIFY2(reader.read(content), qPrintable(reader.problems().join(u"; "_s)));
        QVERIFY(reader.problems().isEmpty());
        QCOMPARE(content.databases.at(0).lastOk.backends.size(), 3); // the rest is all there
        QCOMPARE(content.poolers.size(), std::size_t(1)); // from the workspace
        QVERIFY(content.poolers.at(0).history.empty());
        QCOMPARE(reader.poolerSnapshotAt(u"pgb"_s, kT0 + 10'000).timestampMs, 0);
        QVERIFY(reader.problems().isEmpty());
        const std::unique_ptr<Session> review = reader.load();
        const QString csv = m_dir.filePath(u"old.csv"_s);
        QVERIFY2(exportPoolers(*review, csv, {}, &error), qPrintable(error));
        QCOMPARE(readCsv(csv).size(), 1); // the header only
    }

private:
    // Records the synthetic reads (with a pg_stat_activity read after each) into m_path; returns the reads.
    QList<PoolerSnapshot> record(Session& live)
    {
        const QList<PoolerSnapshot> reads = poolerReads();
        Recorder recorder(&live);
        QString error;
        if (!recorder.open(m_path, &error))
            qFatal("cannot record: %s", qPrintable(error));
        for (const PoolerSnapshot& read : reads) {
            live.addPoolerSnapshot(read);
            live.addSnapshot(activityAt(read.timestampMs + 1));
            recorder.flush();
        }
        recorder.close();
        return reads;
    }

    QTemporaryDir m_dir;
    QString m_path;
};

QTEST_GUILESS_MAIN(tst_PoolerRecording)
#include "tst_poolerrecording.moc"
