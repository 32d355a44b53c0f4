// Recording benchmark: a synthetic 12-hour session (2 s ticks = 21,600 ticks; 3 targets with 10 routes;
// one database with 1,000 backends of which ~2% change per tick) is recorded, then reopened.
// Prints (as QDEBUG lines) the file size, bytes per tick, the bytes the process wrote while recording
// (/proc/self/io wchar: every write() of the process, whatever the storage) against the bytes kept, write
// time per tick, open and timeline-read times (what opening the recording in the window reads), snapshotAt and routesAt
// latency and memory per stored sample of TargetHistory, then PASS/FAIL lines against the budgets of issue 11. Asserts
// only correctness, never time. The full 12 h takes several minutes in a debug build on 2 shared cores, so the default
// is 3,600 ticks (2 h); POOLSCOPE_BENCH_TICKS=21600 runs the full 12 h. POOLSCOPE_BENCH_LOAD=1 also times a full
// review-mode load().

#include "SyntheticSession.h"
#include "record/Recorder.h"
#include "record/RecordingFormat.h"
#include "record/RecordingReader.h"
#include "store/Session.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <QFile>
#include <QRegularExpression>

#include <random>

#include <time.h>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

namespace {

// Bytes this process has passed to write() and similar calls so far (/proc/self/io "wchar"); -1 when unknown.
qint64 writtenByProcess()
{
    QFile io(u"/proc/self/io"_s);
    if (!io.open(QIODevice::ReadOnly))
        return -1;
    const QString text = QString::fromLatin1(io.readAll());
    const QRegularExpressionMatch match
        = QRegularExpression(u"^wchar: (\\d+)$"_s, QRegularExpression::MultilineOption).match(text);
    return match.hasMatch() ? match.captured(1).toLongLong() : -1;
}

// Keyframes in a recording of format 2 and their bytes (framing included), by walking the record headers.
std::pair<int, qint64> keyframesIn(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return { -1, 0 };
    const QByteArray bytes = file.readAll();
    int count = 0;
    qint64 total = 0;
    for (qsizetype at = recording::kHeaderSize2; at + recording::kRecordOverhead <= bytes.size();) {
        quint32 size = 0;
        for (int i = 0; i < 4; ++i)
            size |= static_cast<quint32>(static_cast<quint8>(bytes.at(at + i))) << (8 * i);
        if (static_cast<quint8>(bytes.at(at + 4)) == static_cast<quint8>(recording::RecordType::Keyframe)) {
            ++count;
            total += recording::kRecordOverhead + size;
        }
        at += recording::kRecordOverhead + size;
    }
    return { count, total };
}

// CPU time of this thread (ns): on a shared machine, the work done apart from the waits for a core.
qint64 threadCpuNs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<qint64>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

QString loadAverage()
{
    QFile file(u"/proc/loadavg"_s);
    return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readAll()).section(u' ', 0, 0) : u"?"_s;
}

QString verdict(bool pass)
{
    return pass ? u"PASS"_s : u"FAIL"_s;
}

} // namespace

class bench_Recording : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void twelveHours()
    {
        const int ticks = qEnvironmentVariableIsSet("POOLSCOPE_BENCH_TICKS")
            ? qEnvironmentVariableIntValue("POOLSCOPE_BENCH_TICKS")
            : 3'600;
        QVERIFY(ticks > 10);
        SyntheticOptions options;
        options.targets = 3;
        options.routes = 10;
        options.backends = 1000;
        options.changeFraction = 0.02;
        options.churnEvery = 10; // a connection is replaced every 20 s
        options.failEvery = 0;
        options.snapshotFailEvery = 0;
        options.eventEvery = 600;
        SyntheticFeed feed(options);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"bench.psrec"_s);
        Session baseline(feed.workspace()); // the same work without a recorder, to isolate the write cost
        Session recorded(feed.workspace());
        Recorder recorder(&recorded);
        QString error;
        const qint64 wcharBefore = writtenByProcess(); // the header and meta written by open() count too
        QVERIFY2(recorder.open(path, &error), qPrintable(error));

        QElapsedTimer clock;
        qint64 baselineNs = 0;
        qint64 recordedNs = 0;
        qint64 maxTickNs = 0;
        clock.start();
        for (int tick = 0; tick < ticks; ++tick) {
            QList<Sample> samples;
            for (int t = 0; t < options.targets; ++t)
                samples.append(feed.sample(t, tick));
            const ActivitySnapshot snapshot = feed.snapshot(tick);
            const bool withEvent = tick % options.eventEvery == 0;
            const Event event = feed.event(tick);

            qint64 t0 = clock.nsecsElapsed();
            for (const Sample& sample : std::as_const(samples))
                baseline.addSample(sample);
            baseline.addSnapshot(snapshot);
            if (withEvent)
                baseline.addEvent(event);
            const qint64 t1 = clock.nsecsElapsed();
            for (const Sample& sample : std::as_const(samples))
                recorded.addSample(sample);
            recorded.addSnapshot(snapshot);
            if (withEvent)
                recorded.addEvent(event);
            QVERIFY(recorder.flush());
            const qint64 t2 = clock.nsecsElapsed();
            baselineNs += t1 - t0;
            recordedNs += t2 - t1;
            maxTickNs = std::max(maxTickNs, (t2 - t1) - (t1 - t0));
        }
        const qint64 bytesWritten = recorder.bytesWritten();
        const qint64 liveSize = recorder.fileSize();
        QElapsedTimer closeClock;
        closeClock.start();
        recorder.close();
        const qint64 closeMs = closeClock.elapsed();
        const qint64 wcharAfter = writtenByProcess();
        const qint64 processWrote = wcharBefore >= 0 && wcharAfter >= 0 ? wcharAfter - wcharBefore : -1;
        const qint64 fileSize = QFileInfo(path).size();
        const auto [keyframes, keyframeBytes] = keyframesIn(path);
        const double writeUsPerTick = static_cast<double>(recordedNs - baselineNs) / ticks / 1000.0;

        qDebug().noquote()
            << u"ticks: %1 (%2 h at 2 s), targets 3 x 10 routes, 1000 backends, 2% change/tick"_s.arg(ticks).arg(
                   ticks * 2.0 / 3600.0, 0, 'f', 2);
        const double writtenRatio = static_cast<double>(processWrote) / static_cast<double>(fileSize);
        qDebug().noquote() << u"file size: %1 MB (%2 bytes/tick); file while recording %3 MB; the Recorder wrote %4 "
                              "MB; the process wrote %5 MB (/proc/self/io wchar), %6x the file kept"_s
                                  .arg(fileSize / 1e6, 0, 'f', 2)
                                  .arg(static_cast<double>(fileSize) / ticks, 0, 'f', 0)
                                  .arg(liveSize / 1e6, 0, 'f', 2)
                                  .arg(bytesWritten / 1e6, 0, 'f', 2)
                                  .arg(processWrote / 1e6, 0, 'f', 2)
                                  .arg(writtenRatio, 0, 'f', 2);
        qDebug().noquote() << u"keyframes: %1, %2 MB (%3 KB each on average)"_s.arg(keyframes)
                                  .arg(keyframeBytes / 1e6, 0, 'f', 2)
                                  .arg(keyframes > 0 ? keyframeBytes / 1e3 / keyframes : 0.0, 0, 'f', 1);
        qDebug().noquote() << u"write time per tick: %1 us average (recorded session %2 us - session alone %3 us), "
                              "worst %4 us; close (fsync) %5 ms"_s.arg(writeUsPerTick, 0, 'f', 1)
                                  .arg(recordedNs / 1000.0 / ticks, 0, 'f', 1)
                                  .arg(baselineNs / 1000.0 / ticks, 0, 'f', 1)
                                  .arg(maxTickNs / 1000.0, 0, 'f', 0)
                                  .arg(closeMs);
        const TargetHistory& history = recorded.target(0).history;
        QCOMPARE(history.size(), static_cast<std::size_t>(ticks));
        qDebug().noquote() << u"TargetHistory: %1 bytes per stored sample (%2 bytes for %3 samples)"_s
                                  .arg(static_cast<double>(history.memoryBytes()) / history.size(), 0, 'f', 1)
                                  .arg(history.memoryBytes())
                                  .arg(history.size());

        RecordingReader reader;
        QElapsedTimer openClock;
        openClock.start();
        QVERIFY2(reader.open(path, &error), qPrintable(error));
        const qint64 openMs = openClock.elapsed();
        QVERIFY2(reader.problems().isEmpty(), qPrintable(reader.problems().join(u'\n')));
        const auto range = reader.timeRange();
        QCOMPARE(range.firstMs, recorded.firstTimestampMs());
        QCOMPARE(range.lastMs, recorded.lastTimestampMs());

        // snapshotAt at random moments; the last one must equal the live newest snapshot.
        std::mt19937 random(7);
        std::uniform_int_distribution<qint64> when(range.firstMs, range.lastMs);
        const int lookups = 40;
        qint64 totalNs = 0;
        qint64 worstNs = 0;
        qint64 totalCpuNs = 0;
        qint64 worstCpuNs = 0;
        for (int i = 0; i < lookups; ++i) {
            const qint64 t = when(random);
            QElapsedTimer lookup;
            lookup.start();
            const qint64 cpu0 = threadCpuNs();
            const ActivitySnapshot at = reader.snapshotAt(u"main"_s, t);
            const qint64 cpuNs = threadCpuNs() - cpu0;
            const qint64 ns = lookup.nsecsElapsed();
            totalNs += ns;
            worstNs = std::max(worstNs, ns);
            totalCpuNs += cpuNs;
            worstCpuNs = std::max(worstCpuNs, cpuNs);
            QCOMPARE(at.backends.size(), 1000);
        }
        const ActivitySnapshot last = reader.snapshotAt(u"main"_s, range.lastMs);
        QList<Backend> liveLast = recorded.database(0).lastOk.backends;
        std::sort(liveLast.begin(), liveLast.end(), [](const Backend& a, const Backend& b) {
            return a.pid != b.pid ? a.pid < b.pid : a.backendStartMs < b.backendStartMs;
        });
        QCOMPARE(last.backends.size(), 1000);
        QVERIFY(last.backends == liveLast);
        QElapsedTimer routesClock;
        routesClock.start();
        const QList<RouteStats> routes = reader.routesAt(u"web"_s, (range.firstMs + range.lastMs) / 2);
        const qint64 routesUs = routesClock.nsecsElapsed() / 1000;
        QCOMPARE(routes.size(), 10);
        qDebug().noquote() << u"open (index and checksums): %1 ms; snapshotAt (1000 backends) over %2 random moments: "
                              "%3 ms average, %4 ms worst (CPU time: %5 ms average, %6 ms worst); routesAt: %7 us; "
                              "load average %8"_s.arg(openMs)
                                  .arg(lookups)
                                  .arg(totalNs / 1e6 / lookups, 0, 'f', 2)
                                  .arg(worstNs / 1e6, 0, 'f', 2)
                                  .arg(totalCpuNs / 1e6 / lookups, 0, 'f', 2)
                                  .arg(worstCpuNs / 1e6, 0, 'f', 2)
                                  .arg(routesUs)
                                  .arg(loadAverage());

        // Open to first chart: open a second reader and read the timeline into plain data as the open job does
        // (RecordingLoader): every sample and event, every read's backend count, each database's newest backends.
        QElapsedTimer timelineClock;
        timelineClock.start();
        const qint64 timelineCpu0 = threadCpuNs();
        RecordingReader timelineReader;
        QVERIFY(timelineReader.open(path));
        SessionContent content(timelineReader.workspace());
        QVERIFY(timelineReader.read(content));
        const qint64 timelineMs = timelineClock.elapsed();
        const qint64 timelineCpuMs = (threadCpuNs() - timelineCpu0) / 1'000'000;
        QCOMPARE(content.targets.at(0).history.size(), static_cast<std::size_t>(ticks));
        QCOMPARE(content.targets.at(0).history.backendCounts().size(), static_cast<std::size_t>(ticks));
        QCOMPARE(content.databases.at(0).lastOk.backends, last.backends);
        qDebug().noquote() << u"open + read the timeline (every sample and event, every read's backend counts, the "
                              "newest backends): %1 ms (CPU time %2 ms)"_s.arg(timelineMs)
                                  .arg(timelineCpuMs);

        // Budgets (issue 11). The size of 12 h is extrapolated from the ticks run when fewer than 21,600.
        const double twelveHoursMb = static_cast<double>(fileSize) / ticks * 21'600 / 1e6;
        const double twelveHoursTimelineMs = static_cast<double>(timelineCpuMs) / ticks * 21'600;
        const QString extrapolated = ticks == 21'600 ? u"measured"_s : u"extrapolated from %1 ticks"_s.arg(ticks);
        qDebug().noquote() << u"%1: written <= 3x kept (%2x)"_s.arg(verdict(processWrote >= 0 && writtenRatio <= 3.0))
                                  .arg(writtenRatio, 0, 'f', 2);
        qDebug().noquote() << u"%1: 12 h x 1,000 backends <= 30 MB (%2 MB, %3)"_s.arg(verdict(twelveHoursMb <= 30.0))
                                  .arg(twelveHoursMb, 0, 'f', 1)
                                  .arg(extrapolated);
        // Judged on CPU time: the wall time on this shared machine is mostly waiting for a core (both printed).
        qDebug().noquote() << u"%1: snapshotAt <= 5 ms (CPU time %2 ms average, %3 ms worst; wall %4 ms worst)"_s
                                  .arg(verdict(worstCpuNs <= 5'000'000))
                                  .arg(totalCpuNs / 1e6 / lookups, 0, 'f', 2)
                                  .arg(worstCpuNs / 1e6, 0, 'f', 2)
                                  .arg(worstNs / 1e6, 0, 'f', 2);
        qDebug().noquote() << u"%1: open to first chart <= 1 s (CPU time %2 ms for 12 h, %3)"_s
                                  .arg(verdict(twelveHoursTimelineMs <= 1000.0))
                                  .arg(twelveHoursTimelineMs, 0, 'f', 0)
                                  .arg(extrapolated);

        if (qEnvironmentVariableIntValue("POOLSCOPE_BENCH_LOAD") == 1) {
            QElapsedTimer loadClock;
            loadClock.start();
            auto session = reader.load();
            qDebug().noquote() << u"load() into a review Session (every read's backends fed as live): %1 ms"_s.arg(
                loadClock.elapsed());
            QCOMPARE(session->target(0).history.size(), static_cast<std::size_t>(ticks));
            QCOMPARE(session->database(0).lastOk.backends.size(), 1000);
        }
    }
};

QTEST_GUILESS_MAIN(bench_Recording)
#include "bench_recording.moc"
