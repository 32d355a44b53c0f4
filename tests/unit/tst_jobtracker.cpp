// JobTracker (src/jobs): results reach a live receiver on the tracker's thread; a newer job of the same
// kind makes the older stale; Cancel stops the work; a receiver destroyed mid-job gets nothing; progress
// is reported. The work waits on a semaphore the test releases, so nothing depends on timing.

#include "jobs/JobTracker.h"

#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {
// Work that waits for the test to let it go, then returns `value` (or -1 when canceled meanwhile).
struct GatedWork
{
    std::shared_ptr<QSemaphore> gate;
    int value;
    int operator()(JobControl& control) const
    {
        while (!gate->tryAcquire(1, 5)) {
            if (control.isCanceled())
                return -1;
        }
        return value;
    }
};
} // namespace

class tst_JobTracker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void deliversOnTheTrackerThread()
    {
        JobTracker tracker;
        QObject receiver;
        QSignalSpy finished(&tracker, &JobTracker::jobFinished);
        QThread* workThread = nullptr;
        QThread* doneThread = nullptr;
        int got = 0;
        const quint64 id = tracker.run(
            u"sum"_s, u"Adding"_s, &receiver,
            [&workThread](JobControl&) {
                workThread = QThread::currentThread();
                return 42;
            },
            [&](int value) {
                doneThread = QThread::currentThread();
                got = value;
            });
        QVERIFY(id > 0);
        QVERIFY(tracker.isRunning(id));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(got, 42);
        QCOMPARE(finished.at(0).at(0).toULongLong(), id);
        QCOMPARE(finished.at(0).at(1).toBool(), false);
        QVERIFY(workThread != QThread::currentThread());
        QCOMPARE(doneThread, QThread::currentThread());
        QVERIFY(!tracker.isRunning(id));
        QCOMPARE(tracker.runningCount(), 0);
    }

    void numbersEveryJob()
    {
        JobTracker tracker;
        const quint64 a = tracker.run(u"a"_s, u"A"_s, nullptr, [](JobControl&) {});
        const quint64 b = tracker.run(u"b"_s, u"B"_s, nullptr, [](JobControl&) {});
        QVERIFY(b > a);
        QCOMPARE(tracker.latest(u"a"_s), a);
        QCOMPARE(tracker.latest(u"b"_s), b);
        QVERIFY(tracker.waitForDone(10000));
    }

    void newerJobMakesOlderStale()
    {
        JobTracker tracker;
        QObject receiver;
        QSignalSpy finished(&tracker, &JobTracker::jobFinished);
        QList<int> results;
        auto oldGate = std::make_shared<QSemaphore>();
        auto newGate = std::make_shared<QSemaphore>();
        const quint64 older = tracker.run(
            u"load"_s, u"Old"_s, &receiver, GatedWork { oldGate, 1 }, [&](int value) { results.append(value); });
        const quint64 newer = tracker.run(
            u"load"_s, u"New"_s, &receiver, GatedWork { newGate, 2 }, [&](int value) { results.append(value); });
        // Another kind is not affected.
        const quint64 other = tracker.run(
            u"export"_s, u"Other"_s, &receiver, [](JobControl&) { return 3; },
            [&](int value) { results.append(value); });
        oldGate->release();
        newGate->release();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 10000);
        QCOMPARE(results.size(), 2);
        QVERIFY(results.contains(2));
        QVERIFY(results.contains(3));
        for (const auto& args : std::as_const(finished)) {
            const quint64 id = args.at(0).toULongLong();
            QCOMPARE(args.at(1).toBool(), id == older);
            QVERIFY(id == older || id == newer || id == other);
        }
    }

    // Jobs without a kind (each agent snapshot a fleet window reads) never make each other stale.
    void jobsWithoutAKindAreIndependent()
    {
        JobTracker tracker;
        QObject receiver;
        QSignalSpy finished(&tracker, &JobTracker::jobFinished);
        QList<int> results;
        auto firstGate = std::make_shared<QSemaphore>();
        auto secondGate = std::make_shared<QSemaphore>();
        tracker.run(
            QString(), u"First"_s, &receiver, GatedWork { firstGate, 1 }, [&](int value) { results.append(value); });
        tracker.run(
            QString(), u"Second"_s, &receiver, GatedWork { secondGate, 2 }, [&](int value) { results.append(value); });
        QCOMPARE(tracker.latest(QString()), 0U);
        secondGate->release();
        QTRY_COMPARE_WITH_TIMEOUT(results, QList<int> { 2 }, 10000);
        firstGate->release();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 10000);
        QCOMPARE(results, (QList<int> { 2, 1 }));
        for (const auto& args : std::as_const(finished))
            QCOMPARE(args.at(1).toBool(), false);
    }

    void staleEvenWhenTheWorkFinishedFirst()
    {
        // The older job's result is already queued when the newer one starts: it is still dropped.
        JobTracker tracker;
        QObject receiver;
        QList<int> results;
        auto gate = std::make_shared<QSemaphore>();
        std::atomic<bool> returned { false };
        tracker.run(
            u"load"_s, u"Old"_s, &receiver,
            [&returned](JobControl&) {
                returned = true;
                return 1;
            },
            [&](int value) { results.append(value); });
        while (!returned) // the queued delivery cannot run before the event loop does
            QThread::yieldCurrentThread();
        tracker.run(u"load"_s, u"New"_s, &receiver, GatedWork { gate, 2 }, [&](int value) { results.append(value); });
        gate->release();
        QSignalSpy finished(&tracker, &JobTracker::jobFinished);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 10000);
        QCOMPARE(results, QList<int> { 2 });
    }

    void cancelStopsTheWork()
    {
        JobTracker tracker;
        QObject receiver;
        QSignalSpy finished(&tracker, &JobTracker::jobFinished);
        auto gate = std::make_shared<QSemaphore>(); // never released: only Cancel ends the work
        bool delivered = false;
        const quint64 id
            = tracker.run(u"x"_s, u"Forever"_s, &receiver, GatedWork { gate, 1 }, [&](int) { delivered = true; });
        QCOMPARE(tracker.jobs().size(), 1);
        QCOMPARE(tracker.jobs().at(0).title, u"Forever"_s);
        tracker.cancel(id);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.at(0).at(1).toBool(), true);
        QVERIFY(!delivered);
        QCOMPARE(tracker.runningCount(), 0);
    }

    void receiverDestroyedMidJob()
    {
        JobTracker tracker;
        auto receiver = std::make_unique<QObject>();
        QSignalSpy finished(&tracker, &JobTracker::jobFinished);
        auto started = std::make_shared<QSemaphore>();
        auto gate = std::make_shared<QSemaphore>();
        std::atomic<bool> sawCancel { false };
        bool delivered = false;
        tracker.run(
            u"x"_s, u"Orphan"_s, receiver.get(),
            [started, gate, &sawCancel](JobControl& control) {
                started->release();
                gate->acquire();
                sawCancel = control.isCanceled();
                return 1;
            },
            [&](int) { delivered = true; });
        QVERIFY(started->tryAcquire(1, 10000)); // the work runs, then its receiver goes
        receiver.reset();
        gate->release();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QVERIFY(!delivered);
        QVERIFY(sawCancel);
    }

    void partialResultsInOrder()
    {
        JobTracker tracker;
        QObject receiver;
        QList<int> parts;
        tracker.run(
            u"x"_s, u"Parts"_s, &receiver,
            [&parts](JobControl& control) {
                for (int i = 0; i < 5; ++i)
                    control.deliver([&parts, i] { parts.append(i); });
                return 5;
            },
            [&parts](int last) { parts.append(last); });
        QTRY_COMPARE_WITH_TIMEOUT(parts.size(), 6, 10000);
        QCOMPARE(parts, (QList<int> { 0, 1, 2, 3, 4, 5 }));
    }

    void reportsProgress()
    {
        JobTracker tracker;
        QObject receiver;
        QSignalSpy progress(&tracker, &JobTracker::jobProgress);
        auto half = std::make_shared<QSemaphore>();
        auto gate = std::make_shared<QSemaphore>();
        const quint64 id = tracker.run(u"x"_s, u"Halfway"_s, &receiver, [half, gate](JobControl& control) {
            control.setProgress(0.5);
            half->release();
            gate->acquire();
            control.setProgress(7); // clamped
        });
        QVERIFY(half->tryAcquire(1, 10000));
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(1).toDouble() == 0.5, 10000);
        QCOMPARE(progress.last().at(0).toULongLong(), id);
        QCOMPARE(tracker.jobs().at(0).progress, 0.5);
        gate->release();
        QVERIFY(tracker.waitForDone(10000));

        JobControl* seen = nullptr;
        double initial = 0;
        tracker.run(u"y"_s, u"Unknown"_s, &receiver, [&](JobControl& control) {
            seen = &control;
            initial = control.progress();
        });
        QVERIFY(tracker.waitForDone(10000));
        QVERIFY(seen);
        QCOMPARE(initial, JobControl::kIndeterminate);
    }

    void destroyingTheTrackerCancelsAndWaits()
    {
        auto tracker = std::make_unique<JobTracker>();
        QObject receiver;
        std::atomic<bool> canceledSeen { false };
        auto started = std::make_shared<QSemaphore>();
        tracker->run(u"x"_s, u"Long"_s, &receiver, [&canceledSeen, started](JobControl& control) {
            started->release();
            while (!control.isCanceled())
                QThread::msleep(1);
            canceledSeen = true;
        });
        QVERIFY(started->tryAcquire(1, 10000));
        tracker.reset();
        QVERIFY(canceledSeen);
    }
};

QTEST_GUILESS_MAIN(tst_JobTracker)
#include "tst_jobtracker.moc"
