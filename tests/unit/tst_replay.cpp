#include "RecordingCompare.h"
#include "SyntheticSession.h"
#include "jobs/JobTracker.h"
#include "record/Recorder.h"
#include "record/RecordingArchive.h"
#include "record/RecordingFormat.h"
#include "record/RecordingLoader.h"
#include "record/RecordingReader.h"
#include "store/Session.h"
#include "workspace/WorkspaceFile.h"

#include <QFile>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

namespace {

// What the live session showed after each tick.
struct LiveTick
{
    ActivitySnapshot lastOkSnapshot;
    QList<QList<RouteStats>> lastOkRoutes; // per target
};

struct LiveRun
{
    QList<Sample> samples; // in the order the session received them
    QList<ActivitySnapshot> snapshots;
    QList<LiveTick> ticks;
};

// Records `ticks` ticks of a synthetic session into `path`, returning what the live session saw.
LiveRun recordSynthetic(const QString& path, int ticks, SyntheticFeed& feed, Session& live)
{
    LiveRun run;
    QObject context;
    QObject::connect(
        &live, &Session::sampleAdded, &context, [&](int index) { run.samples.append(live.target(index).latest); });
    QObject::connect(&live, &Session::snapshotAdded, &context,
        [&](int index) { run.snapshots.append(live.database(index).latest); });
    Recorder recorder(&live);
    QString error;
    if (!recorder.open(path, &error))
        qFatal("cannot record: %s", qPrintable(error));
    for (int tick = 0; tick < ticks; ++tick) {
        feed.feed(live, tick);
        recorder.flush();
        LiveTick state;
        state.lastOkSnapshot = live.database(0).lastOk;
        for (int t = 0; t < live.targetCount(); ++t)
            state.lastOkRoutes.append(live.target(t).lastOk.routes);
        run.ticks.append(state);
    }
    recorder.close();
    return run;
}

// A synthetic session with everything a recording holds: failures, events, holders that come and go, and a
// pgbouncer whose links change now and then, with a target behind it. One tick per minute by default, so that
// keyframes start many blocks.
struct MixedRun
{
    Workspace workspace;
    QList<Sample> samples;
    QList<ActivitySnapshot> snapshots;
    QList<PoolerSnapshot> poolerReads;
    QList<Event> events;
    struct Moment
    {
        ActivitySnapshot snapshot;
        QList<QList<RouteStats>> routes; // per target
        QList<HolderReport> holders; // per target
        PoolerSnapshot pooler;
    };
    QList<Moment> ticks; // the live session's newest successful values after each tick
};

PoolerSnapshot poolerRead(int tick, qint64 ms)
{
    PoolerSnapshot read;
    read.pooler = u"pgb"_s;
    read.database = u"main"_s;
    read.timestampMs = ms;
    read.latencyMs = 2 + tick % 3;
    if (tick % 11 == 5) {
        read.error = u"connection refused"_s;
        return read;
    }
    PoolerPool pool;
    pool.database = u"app"_s;
    pool.user = u"app"_s;
    pool.clActive = 3 + tick % 4;
    pool.clWaiting = tick % 3;
    pool.svActive = 2 + tick % 2;
    pool.maxwaitUs = (tick % 5) * 250'000;
    pool.poolMode = u"transaction"_s;
    read.pools.append(pool);
    const int links = 1 + (tick / 4) % 3; // the same links for four ticks in a row
    for (int i = 0; i < links; ++i) {
        PoolerServer server;
        server.remotePid = 1000 + i;
        server.ptr = u"0x%1"_s.arg(100 + i);
        server.link = u"0x%1"_s.arg(200 + i);
        server.database = u"app"_s;
        server.user = u"app"_s;
        server.state = u"active"_s;
        server.connectTimeMs = ms - 600'000;
        server.requestTimeMs = ms - 1000 * i;
        read.servers.append(server);
        PoolerClient client;
        client.addr = u"10.0.0.%1"_s.arg(i);
        client.port = 50000 + i;
        client.applicationName = u"web"_s;
        client.ptr = server.link;
        client.link = server.ptr;
        client.database = u"app"_s;
        client.user = u"app"_s;
        client.state = u"active"_s;
        client.connectTimeMs = ms - 300'000;
        client.requestTimeMs = ms - 1000 * i;
        read.clients.append(client);
    }
    return read;
}

MixedRun recordMixed(const QString& path, int ticks, qint64 tickMs = 60'000)
{
    SyntheticOptions options;
    options.tickMs = tickMs;
    options.eventEvery = 3;
    SyntheticFeed feed(options);
    MixedRun run;
    run.workspace = feed.workspace();
    run.workspace.poolers.append(
        PoolerConfig { u"pgb"_s, u"host=127.0.0.1 port=6432 dbname=pgbouncer"_s, u"main"_s, 1000, 5000 });
    // Its backends are those pgbouncer links to the client at 10.0.0.1 (there in some reads, not in others).
    run.workspace.targets[1].pgbouncerClients.addr = u"10.0.0.1"_s;
    Session live(run.workspace);
    Recorder recorder(&live);
    QString error;
    if (!recorder.open(path, &error))
        qFatal("cannot record: %s", qPrintable(error));
    for (int tick = 0; tick < ticks; ++tick) {
        for (int t = 0; t < live.targetCount(); ++t) {
            Sample sample = feed.sample(t, tick);
            if (t == 0 && sample.ok()) {
                // Holders reported from tick 3 on; the set changes every fifth tick; an empty set at times.
                sample.holdersReported = tick >= 3;
                const int count = tick >= 3 ? (tick / 5) % 4 : 0;
                for (int h = 0; h < count; ++h) {
                    Holder holder;
                    holder.backendPid = 1000 + h;
                    holder.acquiredAtMs = feed.tickTime(tick) - 5000 * (h + 1);
                    holder.tracked = h % 2 == 0;
                    holder.route = h == 1 ? QString() : u"/bets/%1"_s.arg(h);
                    holder.stack = { u"app/jobs.py:88:refresh_odds"_s, u"app/main.py:12:run"_s };
                    sample.holders.append(holder);
                }
            }
            live.addSample(sample);
            run.samples.append(sample);
        }
        const ActivitySnapshot snapshot = feed.snapshot(tick);
        live.addSnapshot(snapshot);
        run.snapshots.append(snapshot);
        const PoolerSnapshot read = poolerRead(tick, feed.tickTime(tick) + 50);
        live.addPoolerSnapshot(read);
        run.poolerReads.append(live.pooler(0).latest);
        if (tick % options.eventEvery == 0) {
            live.addEvent(feed.event(tick));
            run.events.append(feed.event(tick));
        }
        recorder.flush();
        MixedRun::Moment moment;
        moment.snapshot = live.database(0).lastOk;
        for (int t = 0; t < live.targetCount(); ++t) {
            const Sample& lastOk = live.target(t).lastOk;
            moment.routes.append(lastOk.routes);
            HolderReport report;
            if (lastOk.holdersReported) {
                report.reported = true;
                report.timestampMs = lastOk.timestampMs;
                report.holders = lastOk.holders;
            }
            moment.holders.append(report);
        }
        moment.pooler = live.pooler(0).lastOk;
        run.ticks.append(moment);
    }
    recorder.close();
    return run;
}

} // namespace

class tst_Replay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        const QString tag = QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'_');
        m_path = m_dir.filePath(u"%1%2.psrec"_s.arg(QString::fromLatin1(QTest::currentTestFunction()), tag));
    }

    // 2 s ticks: one block (a keyframe every 512 frames); 1 min ticks: a keyframe every 10 minutes, so every
    // tenth frame starts a new block.
    void replayedSessionMatchesLive_data()
    {
        QTest::addColumn<qint64>("tickMs");
        QTest::addRow("one block") << qint64(2000);
        QTest::addRow("many blocks") << qint64(60'000);
    }

    void replayedSessionMatchesLive()
    {
        QFETCH(qint64, tickMs);
        SyntheticOptions options;
        options.tickMs = tickMs;
        SyntheticFeed feed(options);
        Session live(feed.workspace());
        const int ticks = 120;
        const LiveRun run = recordSynthetic(m_path, ticks, feed, live);
        QCOMPARE(run.samples.size(), ticks * 3);

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_path, &error), qPrintable(error));
        QVERIFY2(reader.problems().isEmpty(), qPrintable(reader.problems().join(u'\n')));
        QCOMPARE(reader.formatVersion(), 2);
        QCOMPARE(reader.workspace(), feed.workspace());

        auto replay = reader.load();
        QVERIFY(replay);
        QVERIFY2(reader.problems().isEmpty(), qPrintable(reader.problems().join(u'\n')));

        // The timeline: every stored sample, metric, failure and backend count.
        QCOMPARE(replay->targetCount(), live.targetCount());
        for (int t = 0; t < live.targetCount(); ++t) {
            const TargetHistory& a = live.target(t).history;
            const TargetHistory& b = replay->target(t).history;
            QCOMPARE(b.size(), a.size());
            for (std::size_t row = 0; row < a.size(); ++row) {
                QCOMPARE(b.times()[row], a.times()[row]);
                QCOMPARE(b.ok(row), a.ok(row));
                QCOMPARE(b.error(row), a.error(row));
                for (int m = 0; m < kMetricCount; ++m) {
                    const auto metric = static_cast<Metric>(m);
                    QVERIFY2(sameNumber(a.column(metric)[row], b.column(metric)[row]),
                        qPrintable(u"%1 row %2 %3"_s.arg(live.target(t).config.name).arg(row).arg(metricKey(metric))));
                }
            }
            QCOMPARE(b.backendCountTimes().size(), a.backendCountTimes().size());
            for (std::size_t row = 0; row < a.backendCountTimes().size(); ++row) {
                QCOMPARE(b.backendCountTimes()[row], a.backendCountTimes()[row]);
                QVERIFY(sameNumber(a.backendCounts()[row], b.backendCounts()[row]));
            }
            QCOMPARE(replay->target(t).consecutiveFailures, live.target(t).consecutiveFailures);
            QCOMPARE(diffSamples(live.target(t).lastOk, replay->target(t).lastOk), QString());
        }

        // Every sample (with its routes) and every snapshot, in the order the live session got them.
        QList<Sample> replayedSamples;
        QList<ActivitySnapshot> replayedSnapshots;
        {
            Session again(reader.workspace());
            QObject context;
            connect(&again, &Session::sampleAdded, &context,
                [&](int index) { replayedSamples.append(again.target(index).latest); });
            connect(&again, &Session::snapshotAdded, &context,
                [&](int index) { replayedSnapshots.append(again.database(index).latest); });
            QVERIFY(reader.loadInto(again));
        }
        QCOMPARE(replayedSamples.size(), run.samples.size());
        for (qsizetype i = 0; i < run.samples.size(); ++i)
            QCOMPARE(diffSamples(run.samples.at(i), replayedSamples.at(i)), QString());
        QCOMPARE(replayedSnapshots.size(), run.snapshots.size());
        for (qsizetype i = 0; i < run.snapshots.size(); ++i)
            QCOMPARE(diffSnapshots(run.snapshots.at(i), replayedSnapshots.at(i)), QString());

        QCOMPARE(replay->events(), live.events());
        QVERIFY(!live.events().isEmpty());
        QCOMPARE(diffSnapshots(live.database(0).lastOk, replay->database(0).lastOk), QString());
        QCOMPARE(replay->firstTimestampMs(), live.firstTimestampMs());
        QCOMPARE(replay->lastTimestampMs(), live.lastTimestampMs());
        const auto range = reader.timeRange();
        QCOMPARE(range.firstMs, live.firstTimestampMs());
        QCOMPARE(range.lastMs, live.lastTimestampMs());
    }

    // Everything a live Session receives comes back: samples (holders included), snapshots, pgbouncer reads and
    // events in order, and the values at a moment equal the live ones, across many keyframe blocks.
    void mixedSessionRoundTrips()
    {
        const int ticks = 70;
        const MixedRun run = recordMixed(m_path, ticks);
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_path, &error), qPrintable(error));
        QVERIFY2(reader.problems().isEmpty(), qPrintable(reader.problems().join(u'\n')));
        QCOMPARE(reader.workspace(), withoutSecrets(run.workspace));

        QList<Sample> samples;
        QList<ActivitySnapshot> snapshots;
        QList<PoolerSnapshot> reads;
        Session session(reader.workspace());
        QObject context;
        connect(&session, &Session::sampleAdded, &context,
            [&](int index) { samples.append(session.target(index).latest); });
        connect(&session, &Session::snapshotAdded, &context,
            [&](int index) { snapshots.append(session.database(index).latest); });
        connect(&session, &Session::poolerSnapshotAdded, &context,
            [&](int index) { reads.append(session.pooler(index).latest); });
        QVERIFY(reader.loadInto(session));
        QCOMPARE(samples.size(), run.samples.size());
        int withHolders = 0;
        for (qsizetype i = 0; i < samples.size(); ++i) {
            QCOMPARE(diffSamples(run.samples.at(i), samples.at(i)), QString());
            if (run.samples.at(i).ok()) {
                QCOMPARE(samples.at(i).holdersReported, run.samples.at(i).holdersReported);
                QCOMPARE(samples.at(i).holders, run.samples.at(i).holders);
                withHolders += samples.at(i).holders.isEmpty() ? 0 : 1;
            }
        }
        QVERIFY(withHolders > 10);
        QCOMPARE(snapshots.size(), run.snapshots.size());
        for (qsizetype i = 0; i < snapshots.size(); ++i)
            QCOMPARE(diffSnapshots(run.snapshots.at(i), snapshots.at(i)), QString());
        QCOMPARE(reads.size(), run.poolerReads.size());
        for (qsizetype i = 0; i < reads.size(); ++i)
            QCOMPARE(diffPoolerReads(run.poolerReads.at(i), reads.at(i)), QString());
        QCOMPARE(session.events(), run.events);

        // At every tick, just after it and just before the next.
        SyntheticOptions options;
        options.tickMs = 60'000;
        const SyntheticFeed clock(options);
        for (int tick = 0; tick < ticks; ++tick) {
            for (const qint64 t : { clock.tickTime(tick) + 60, clock.tickTime(tick + 1) - 1 }) {
                const MixedRun::Moment& expected = run.ticks.at(tick);
                QCOMPARE(diffSnapshots(expected.snapshot, reader.snapshotAt(u"main"_s, t)), QString());
                for (int target = 0; target < run.workspace.targets.size(); ++target) {
                    const QString name = run.workspace.targets.at(target).name;
                    QCOMPARE(diffRoutes(expected.routes.at(target), reader.routesAt(name, t)), QString());
                    const HolderReport holders = reader.holdersAt(name, t);
                    QCOMPARE(holders.reported, expected.holders.at(target).reported);
                    QCOMPARE(holders.timestampMs, expected.holders.at(target).timestampMs);
                    QCOMPARE(holders.holders, expected.holders.at(target).holders);
                }
                QCOMPARE(diffPoolerReads(expected.pooler, reader.poolerSnapshotAt(u"pgb"_s, t)), QString());
            }
        }
    }

    // The timeline read (read(), what opening a recording does) counts each read's backends as they change
    // instead of copying them, and gives each database's newest read once at the end: the Session it gives is
    // the one every item fed as live gives (loadInto), every tick of every column, backend counts included.
    void timelineReadEqualsFullRead_data()
    {
        QTest::addColumn<int>("ticks");
        QTest::addColumn<qint64>("tickMs");
        QTest::addRow("many blocks") << 70 << qint64(60'000);
        QTest::addRow("the last read failed") << 58 << qint64(60'000); // snapshotFailEvery 29
        QTest::addRow("one block") << 200 << qint64(2000);
    }

    void timelineReadEqualsFullRead()
    {
        QFETCH(int, ticks);
        QFETCH(qint64, tickMs);
        const MixedRun run = recordMixed(m_path, ticks, tickMs);
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_path, &error), qPrintable(error));

        Session full(reader.workspace());
        Session timeline(reader.workspace());
        QCOMPARE(readBothWays(reader, &full, &timeline), QString());
        QCOMPARE(diffSessions(full, timeline), QString());

        // What the comparison rests on: counts that change, a target behind pgbouncer with and without backends,
        // and the newest read's backends there.
        QCOMPARE(run.workspace.targets.at(1).pgbouncerClients.addr, u"10.0.0.1"_s);
        for (int t : { 0, 1 }) {
            const auto counts = timeline.target(t).history.backendCounts();
            QCOMPARE(counts.size(), static_cast<std::size_t>(ticks));
            QVERIFY2(std::adjacent_find(counts.begin(), counts.end(), std::not_equal_to<double>()) != counts.end(),
                qPrintable(timeline.target(t).config.name));
        }
        const auto linked = timeline.target(1).history.backendCounts();
        QVERIFY(std::find(linked.begin(), linked.end(), 0.0) != linked.end());
        QVERIFY(std::find(linked.begin(), linked.end(), 1.0) != linked.end());
        QCOMPARE(timeline.database(0).lastOk.backends.size(), run.ticks.last().snapshot.backends.size());
        QCOMPARE(timeline.database(0).latest.ok(), run.snapshots.last().ok());
        QCOMPARE(timeline.backendsOf(0).size(), full.backendsOf(0).size());
    }

    void cursorRebuildsBackendsAndRoutes_data() { replayedSessionMatchesLive_data(); }

    void cursorRebuildsBackendsAndRoutes()
    {
        QFETCH(qint64, tickMs);
        SyntheticOptions options;
        options.tickMs = tickMs;
        SyntheticFeed feed(options);
        Session live(feed.workspace());
        const int ticks = 90;
        const LiveRun run = recordSynthetic(m_path, ticks, feed, live);
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_path, &error), qPrintable(error));

        // Before anything was recorded: nothing.
        QCOMPARE(reader.snapshotAt(u"main"_s, feed.tickTime(0) - 1).timestampMs, 0);
        QVERIFY(reader.snapshotAt(u"main"_s, feed.tickTime(0) - 1).backends.isEmpty());
        QVERIFY(reader.routesAt(u"web"_s, feed.tickTime(0) - 1).isEmpty());

        int checkedSnapshots = 0;
        for (const int tick : { 0, 1, 2, 3, 10, 19, 20, 21, 27, 28, 29, 30, 45, 57, 58, 77, 89 }) {
            // Just after the tick's snapshot, and just before the next tick's samples.
            for (const qint64 t : { feed.tickTime(tick) + 35, feed.tickTime(tick + 1) - 1 }) {
                const LiveTick& expected = run.ticks.at(tick);
                const ActivitySnapshot at = reader.snapshotAt(u"main"_s, t);
                QCOMPARE(diffSnapshots(expected.lastOkSnapshot, at), QString());
                QVERIFY(!at.backends.isEmpty());
                ++checkedSnapshots;
                for (int target = 0; target < live.targetCount(); ++target) {
                    const QString name = live.target(target).config.name;
                    QCOMPARE(diffRoutes(expected.lastOkRoutes.at(target), reader.routesAt(name, t)), QString());
                }
            }
        }
        QCOMPARE(checkedSnapshots, 34);
        // Unknown names give empty results rather than errors.
        QVERIFY(reader.snapshotAt(u"nope"_s, feed.tickTime(10)).backends.isEmpty());
        QVERIFY(reader.routesAt(u"nope"_s, feed.tickTime(10)).isEmpty());
        QVERIFY(reader.problems().isEmpty());
    }

    void refusesWithClearMessages_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        const QString notOne = u"is not a PoolScope recording (neither format 2 nor a SQLite file)."_s;
        QTest::addRow("garbage") << QByteArray("this is not a database, just some text\n").repeated(100) << notOne;
        QTest::addRow("empty") << QByteArray() << u"is empty: not a PoolScope recording."_s;
        QTest::addRow("short") << QByteArray("SQLite") << notOne;
        const QByteArray magic("PSREC\r\n\x1a", 8);
        QTest::addRow("header cut short")
            << magic + QByteArray("\x02\0", 2) << u"is damaged: its header is cut short (10 of 16 bytes)."_s;
        QTest::addRow("no meta") << magic + QByteArray("\x02\0\0\0\0\0\0\0", 8)
                                 << u"is damaged: it has no meta record."_s;
        QTest::addRow("version 0") << magic + QByteArray(8, '\0') << u"is damaged: its format version is 0."_s;
    }

    void refusesWithClearMessages()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        QFile file(m_path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
        file.close();
        RecordingReader reader;
        QString error;
        QVERIFY(!reader.open(m_path, &error));
        QVERIFY2(error.contains(message), qPrintable(error));
        QVERIFY2(error.contains(m_path), qPrintable(error));
        QCOMPARE(reader.errorString(), error);
        QVERIFY(!reader.isOpen());
    }

    void refusesMissingFile()
    {
        RecordingReader reader;
        QString error;
        QVERIFY(!reader.open(m_path, &error));
        QCOMPARE(error, u"%1 does not exist."_s.arg(m_path));
    }

    void refusesOtherSqliteDatabase()
    {
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(QFile::encodeName(m_path).constData(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
        RecordingReader reader;
        QString error;
        QVERIFY(!reader.open(m_path, &error));
        QCOMPARE(error, u"%1 is a SQLite database but not a PoolScope recording."_s.arg(m_path));
    }

    void refusesNewerFormat_data()
    {
        QTest::addColumn<bool>("sqlite");
        QTest::addRow("format 2 header") << false;
        QTest::addRow("SQLite user_version") << true;
    }

    void refusesNewerFormat()
    {
        QFETCH(bool, sqlite);
        if (sqlite) {
            sqlite3* db = nullptr;
            QCOMPARE(sqlite3_open(QFile::encodeName(m_path).constData(), &db), SQLITE_OK);
            QCOMPARE(sqlite3_exec(db, "PRAGMA application_id=1347634002; PRAGMA user_version=3; CREATE TABLE t(x);",
                         nullptr, nullptr, nullptr),
                SQLITE_OK);
            sqlite3_close(db);
        } else {
            SyntheticFeed feed;
            Session live(feed.workspace());
            recordSynthetic(m_path, 3, feed, live);
            QFile file(m_path);
            QVERIFY(file.open(QIODevice::ReadWrite));
            QVERIFY(file.seek(8));
            file.write(QByteArray("\x03", 1)); // the format version, u32 little endian
            file.close();
        }
        RecordingReader reader;
        QString error;
        QVERIFY(!reader.open(m_path, &error));
        QCOMPARE(error, u"%1 was recorded by a newer PoolScope (format 3); this build reads up to 2."_s.arg(m_path));
    }

    void readsWhatCanBeReadFromATruncatedFile()
    {
        SyntheticFeed feed;
        Session live(feed.workspace());
        const LiveRun run = recordSynthetic(m_path, 400, feed, live);
        QFile whole(m_path);
        QVERIFY(whole.open(QIODevice::ReadOnly));
        const QByteArray bytes = whole.readAll();
        whole.close();

        const QString truncated = m_dir.filePath(u"truncated.psrec"_s);
        QFile cut(truncated);
        QVERIFY(cut.open(QIODevice::WriteOnly));
        cut.write(bytes.left(bytes.size() * 6 / 10));
        cut.close();

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(truncated, &error), qPrintable(error));
        QVERIFY(reader.workspace() == feed.workspace());
        QList<Sample> replayed;
        Session session(reader.workspace());
        QObject context;
        connect(&session, &Session::sampleAdded, &context,
            [&](int index) { replayed.append(session.target(index).latest); });
        QVERIFY(!reader.loadInto(session));
        const QStringList problems = reader.problems();
        QCOMPARE(problems.size(), 1);
        qInfo().noquote() << "problems reported:" << problems.join(u" | "_s);
        QVERIFY2(problems.first().startsWith(truncated + u": record at byte "_s), qPrintable(problems.first()));
        QVERIFY2(problems.first().contains(u"cut short"_s), qPrintable(problems.first()));
        // Some, not all, of the samples come back, and those that do are the recorded ones.
        QVERIFY(!replayed.isEmpty());
        QVERIFY(replayed.size() < run.samples.size());
        for (qsizetype i = 0; i < replayed.size(); ++i)
            QCOMPARE(diffSamples(run.samples.at(i), replayed.at(i)), QString());
        // Only the record cut in half is lost: every tick before it is there.
        QVERIFY(replayed.size() >= run.samples.size() * 55 / 100);
        const int lastTick = static_cast<int>(replayed.size() / live.targetCount()) - 1;
        QCOMPARE(diffSnapshots(run.ticks.at(lastTick).lastOkSnapshot,
                     reader.snapshotAt(u"main"_s, feed.tickTime(lastTick + 1) - 1)),
            QString());
    }

    // A frame whose checksum matches but whose items end in the middle of one (a bug, or a crafted file): what
    // is before the cut is read, and the timeline read gives the Session loadInto gives, the newest backends
    // included (an item half decoded is undone), wherever the cut falls.
    void timelineReadStopsWhereAnItemIsCutShort()
    {
        SyntheticFeed feed; // 2 s ticks: one block, so the frame cut is far from its keyframe
        Session live(feed.workspace());
        recordSynthetic(m_path, 20, feed, live);
        QFile file(m_path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        file.close();
        auto u32At = [&bytes](qsizetype at) {
            quint32 v = 0;
            for (int i = 0; i < 4; ++i)
                v |= static_cast<quint32>(static_cast<quint8>(bytes.at(at + i))) << (8 * i);
            return v;
        };
        qsizetype last = -1; // the last record: a frame
        for (qsizetype at = recording::kHeaderSize2; at < bytes.size(); at += recording::kRecordOverhead + u32At(at))
            last = at;
        QCOMPARE(static_cast<quint8>(bytes.at(last + 4)), static_cast<quint8>(recording::RecordType::Frame));
        const quint32 length = u32At(last);
        QVERIFY(length > 100);

        const QString damagedPath = m_dir.filePath(u"cut-item.psrec"_s);
        int failed = 0;
        for (quint32 keep = 17; keep < length; ++keep) { // the frame's two times and part of its items
            QByteArray record;
            for (int i = 0; i < 4; ++i)
                record.append(static_cast<char>((keep >> (8 * i)) & 0xff));
            record.append(bytes.mid(last + 4, 1 + keep)); // type and payload
            const quint32 crc = recording::crc32(
                reinterpret_cast<const std::uint8_t*>(record.constData()) + 4, static_cast<std::size_t>(keep) + 1);
            for (int i = 0; i < 4; ++i)
                record.append(static_cast<char>((crc >> (8 * i)) & 0xff));
            QFile damaged(damagedPath);
            QVERIFY(damaged.open(QIODevice::WriteOnly | QIODevice::Truncate));
            damaged.write(bytes.left(last) + record);
            damaged.close();

            RecordingReader reader;
            QString error;
            QVERIFY2(reader.open(damagedPath, &error), qPrintable(error));
            Session full(reader.workspace());
            const bool whole = reader.loadInto(full);
            failed += whole ? 0 : 1;
            SessionContent content(reader.workspace());
            QCOMPARE(reader.read(content), whole);
            Session timeline(reader.workspace());
            timeline.adopt(std::move(content));
            QVERIFY2(diffSessions(full, timeline).isEmpty(),
                qPrintable(u"cut after %1 of %2 bytes: %3"_s.arg(keep).arg(length).arg(diffSessions(full, timeline))));
        }
        QVERIFY(failed > static_cast<int>(length) / 2);
    }

    // A byte flipped in the middle (a bad disk, a bad copy): the record holding it fails its checksum; what is
    // before it is read as recorded, and problems() names the file and the byte where reading stopped.
    void readsWhatIsBeforeAFlippedByte()
    {
        SyntheticOptions options;
        options.tickMs = 60'000; // many blocks: the damage is in a later one
        SyntheticFeed feed(options);
        Session live(feed.workspace());
        const LiveRun run = recordSynthetic(m_path, 200, feed, live);
        QFile file(m_path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        const qint64 middle = file.size() / 2;
        QVERIFY(file.seek(middle));
        char byte = 0;
        QVERIFY(file.getChar(&byte));
        QVERIFY(file.seek(middle));
        QVERIFY(file.putChar(static_cast<char>(byte ^ 0x20)));
        const qint64 size = file.size();
        file.close();

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_path, &error), qPrintable(error));
        QCOMPARE(reader.problems().size(), 1);
        const QString problem = reader.problems().first();
        qInfo().noquote() << problem;
        const QRegularExpressionMatch match
            = QRegularExpression(u"^(.+): record at byte (\\d+): checksum mismatch; the rest of the file \\((\\d+) "
                                 "bytes\\) is not read$"_s)
                  .match(problem);
        QVERIFY2(match.hasMatch(), qPrintable(problem));
        QCOMPARE(match.captured(1), m_path);
        const qint64 at = match.captured(2).toLongLong();
        QVERIFY(at <= middle && at > middle - 10'000);
        QCOMPARE(match.captured(3).toLongLong(), size - at);

        QList<Sample> replayed;
        Session session(reader.workspace());
        QObject context;
        connect(&session, &Session::sampleAdded, &context,
            [&](int index) { replayed.append(session.target(index).latest); });
        QVERIFY(!reader.loadInto(session));
        // A prefix of what was recorded, exactly.
        QVERIFY(replayed.size() > run.samples.size() / 3);
        QVERIFY(replayed.size() < run.samples.size());
        for (qsizetype i = 0; i < replayed.size(); ++i)
            QCOMPARE(diffSamples(run.samples.at(i), replayed.at(i)), QString());
        // The moments before the damage are rebuilt as they were; the ones after show the last one read.
        const int lastTick = static_cast<int>(replayed.size() / live.targetCount()) - 1;
        for (const int tick : { 0, lastTick / 2, lastTick - 1 }) {
            QCOMPARE(diffSnapshots(
                         run.ticks.at(tick).lastOkSnapshot, reader.snapshotAt(u"main"_s, feed.tickTime(tick + 1) - 1)),
                QString());
        }
        QVERIFY(reader.timeRange().lastMs < live.lastTimestampMs());
    }

    void readsIntoPlainDataAsLoadDoes()
    {
        SyntheticFeed feed;
        Session live(feed.workspace());
        recordSynthetic(m_path, 60, feed, live);
        RecordingReader reader;
        QVERIFY(reader.open(m_path));
        SessionContent content(reader.workspace());
        QVERIFY(reader.read(content));
        Session adopted(reader.workspace());
        adopted.adopt(content);
        QCOMPARE(adopted.firstTimestampMs(), live.firstTimestampMs());
        QCOMPARE(adopted.lastTimestampMs(), live.lastTimestampMs());
        QCOMPARE(adopted.events(), live.events());
        for (int t = 0; t < live.targetCount(); ++t) {
            QCOMPARE(adopted.target(t).history.size(), live.target(t).history.size());
            QCOMPARE(adopted.target(t).history.backendCounts().size(), live.target(t).history.backendCounts().size());
            QCOMPARE(adopted.target(t).backendCount, live.target(t).backendCount);
            QCOMPARE(diffSamples(live.target(t).lastOk, adopted.target(t).lastOk), QString());
        }
        QCOMPARE(diffSnapshots(live.database(0).lastOk, adopted.database(0).lastOk), QString());
    }

    void readingStopsWhenCanceled()
    {
        SyntheticFeed feed;
        Session live(feed.workspace());
        recordSynthetic(m_path, 400, feed, live); // 1,200 samples: progress is asked every 512
        RecordingReader reader;
        QVERIFY(reader.open(m_path));
        SessionContent content(reader.workspace());
        double seen = -2;
        QVERIFY(!reader.read(content, [&seen](double fraction) {
            seen = fraction;
            return false;
        }));
        QVERIFY(seen > 0 && seen < 1);
        QVERIFY(reader.problems().contains(u"load: canceled"_s));
        QVERIFY(content.targets.at(0).history.size() < live.target(0).history.size());
    }

    void opensAsAJobTimelineFirst()
    {
        SyntheticFeed feed;
        Session live(feed.workspace());
        recordSynthetic(m_path, 60, feed, live);

        JobTracker jobs;
        QObject receiver;
        std::unique_ptr<Session> session;
        std::unique_ptr<RecordingArchive> archive;
        QStringList order;
        RecordingOpenCallbacks callbacks;
        callbacks.timeline = [&](std::unique_ptr<Session> opened, RecordingReader::TimeRange range) {
            order.append(u"timeline"_s);
            QCOMPARE(range.firstMs, live.firstTimestampMs());
            QCOMPARE(range.lastMs, live.lastTimestampMs());
            session = std::move(opened);
        };
        callbacks.rest = [&](std::unique_ptr<RecordingArchive> opened, const QStringList& problems) {
            order.append(u"rest"_s);
            QVERIFY(problems.isEmpty());
            archive = std::move(opened);
        };
        callbacks.failed = [&](const QString& error) { order.append(error); };
        QSignalSpy finished(&jobs, &JobTracker::jobFinished);
        openRecording(jobs, m_path, &receiver, callbacks);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
        QCOMPARE(order, (QStringList { u"timeline"_s, u"rest"_s }));
        QVERIFY(session);
        QVERIFY(session->isReview());
        QCOMPARE(session->events(), live.events());
        for (int t = 0; t < live.targetCount(); ++t)
            QCOMPARE(session->target(t).history.size(), live.target(t).history.size());
        QVERIFY(archive);
        const qint64 middle = (live.firstTimestampMs() + live.lastTimestampMs()) / 2;
        QCOMPARE(archive->snapshotAt(u"main"_s, middle).backends.isEmpty(), false);
    }

    void openJobNamesTheFileItCannotOpen()
    {
        JobTracker jobs;
        QObject receiver;
        QString failure;
        bool timeline = false;
        RecordingOpenCallbacks callbacks;
        callbacks.timeline = [&](std::unique_ptr<Session>, RecordingReader::TimeRange) { timeline = true; };
        callbacks.failed = [&](const QString& error) { failure = error; };
        const QString missing = m_dir.filePath(u"nowhere.psrec"_s);
        openRecording(jobs, missing, &receiver, callbacks);
        QTRY_VERIFY_WITH_TIMEOUT(!failure.isEmpty(), 30000);
        QVERIFY2(failure.contains(missing), qPrintable(failure));
        QVERIFY(!timeline);
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
};

QTEST_GUILESS_MAIN(tst_Replay)
#include "tst_replay.moc"
