#include "analysis/BackendGroups.h"
#include "analysis/BackendTracker.h"

#include <QTest>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kT0 = 1'700'000'000'000;
constexpr qint64 kS = 1000;

Backend backend(int pid, const QString& state, qint64 queryStart, qint64 stateChange, const QString& query,
    qint64 backendStart = kT0 - 3600 * kS)
{
    Backend b;
    b.pid = pid;
    b.applicationName = u"web"_s;
    b.state = state;
    b.backendStartMs = backendStart;
    b.queryStartMs = queryStart;
    b.stateChangeMs = stateChange;
    b.query = query;
    return b;
}

ActivitySnapshot snapshot(qint64 serverTime, QList<Backend> backends, qint64 localTime = 0)
{
    ActivitySnapshot s;
    s.database = u"main"_s;
    s.timestampMs = localTime != 0 ? localTime : serverTime + 250; // the local clock runs 250 ms ahead
    s.serverTimeMs = serverTime;
    s.backends = std::move(backends);
    return s;
}

} // namespace

class TestBackendTracker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void unchangedAndChanged()
    {
        BackendTracker tracker;
        const Backend idle = backend(101, u"idle"_s, kT0 - 60 * kS, kT0 - 59 * kS, u"SELECT 1"_s);
        for (int i = 0; i < 3; ++i)
            tracker.observe(snapshot(kT0 + i * kS, { idle }));
        const TrackedBackend* t = tracker.find(101);
        QVERIFY(t);
        QCOMPARE(t->firstSeenMs, kT0);
        QCOMPARE(t->lastSeenMs, kT0 + 2 * kS);
        QCOMPARE(t->stateSinceMs, kT0);
        QCOMPARE(t->stateSinceObserved, false);
        QCOMPARE(t->unchangedPolls, 3);
        QCOMPARE(t->polls, 3);
        QCOMPARE(t->unchangedMs(kT0 + 2 * kS), 2 * kS);
        // Already idle at first sight: the server's state_change is the better figure.
        QCOMPARE(t->inStateMs(kT0 + 2 * kS), 61 * kS);

        // It runs a new query at +2.5 s, seen at +3 s: a transition.
        const Backend active = backend(101, u"active"_s, kT0 + 2500, kT0 + 2500, u"SELECT * FROM odds WHERE id = 7"_s);
        tracker.observe(snapshot(kT0 + 3 * kS, { active }));
        t = tracker.find(101);
        QCOMPARE(t->stateSinceMs, kT0 + 3 * kS);
        QCOMPARE(t->stateSinceObserved, true);
        QCOMPARE(t->unchangedPolls, 1);
        QCOMPARE(t->polls, 4);
        QCOMPARE(t->inStateMs(kT0 + 4 * kS), 1500);

        const auto history = tracker.history(101);
        QCOMPARE(history.size(), 2);
        QCOMPARE(history[0].state, u"idle"_s);
        QCOMPARE(history[0].observedMs, kT0);
        QCOMPARE(history[0].fingerprint, u"SELECT ?"_s);
        QCOMPARE(history[1].state, u"active"_s);
        QCOMPARE(history[1].observedMs, kT0 + 3 * kS);
        QCOMPARE(history[1].fingerprint, u"SELECT * FROM odds WHERE id = ?"_s);
        QCOMPARE(history[1].queryStartMs, kT0 + 2500);
        QVERIFY(tracker.history(999).isEmpty());
    }

    // What counts as a change: state, query_start or state_change; the same values again do not.
    void signature_data()
    {
        QTest::addColumn<QString>("state");
        QTest::addColumn<qint64>("queryStart");
        QTest::addColumn<qint64>("stateChange");
        QTest::addColumn<bool>("changed");
        QTest::addRow("same") << u"idle"_s << kT0 << kT0 + 10 << false;
        QTest::addRow("new state") << u"idle in transaction"_s << kT0 << kT0 + 10 << true;
        QTest::addRow("new query_start") << u"idle"_s << kT0 + 500 << kT0 + 10 << true;
        QTest::addRow("new state_change") << u"idle"_s << kT0 << kT0 + 900 << true;
    }

    void signature()
    {
        QFETCH(QString, state);
        QFETCH(qint64, queryStart);
        QFETCH(qint64, stateChange);
        QFETCH(bool, changed);
        BackendTracker tracker;
        tracker.observe(snapshot(kT0 + kS, { backend(7, u"idle"_s, kT0, kT0 + 10, u"SELECT 1"_s) }));
        tracker.observe(snapshot(kT0 + 2 * kS, { backend(7, state, queryStart, stateChange, u"SELECT 1"_s) }));
        const TrackedBackend* t = tracker.find(7);
        QVERIFY(t);
        QCOMPARE(t->unchangedPolls, changed ? 1 : 2);
        QCOMPARE(t->stateSinceMs, changed ? kT0 + 2 * kS : kT0 + kS);
        QCOMPARE(t->transitions.size(), changed ? 2 : 1);
    }

    void observationClock_data()
    {
        QTest::addColumn<qint64>("serverTime");
        QTest::addColumn<qint64>("localTime");
        QTest::addColumn<qint64>("expected");
        QTest::addRow("server clock preferred") << kT0 << kT0 + 5 * kS << kT0;
        QTest::addRow("local clock without server time") << kNoTime << kT0 + 5 * kS << kT0 + 5 * kS;
    }

    void observationClock()
    {
        QFETCH(qint64, serverTime);
        QFETCH(qint64, localTime);
        QFETCH(qint64, expected);
        BackendTracker tracker;
        tracker.observe(snapshot(serverTime, { backend(1, u"idle"_s, kT0, kT0, u""_s) }, localTime));
        QCOMPARE(tracker.lastObservedMs(), expected);
        QCOMPARE(tracker.find(1)->firstSeenMs, expected);
    }

    void pidReuseAndForgetting()
    {
        BackendTracker tracker;
        tracker.observe(snapshot(kT0, { backend(5, u"idle"_s, kT0 - kS, kT0 - kS, u"SELECT 1"_s, kT0 - 100 * kS) }));
        // The backend exits; a new one gets the same pid.
        tracker.observe(
            snapshot(kT0 + kS, { backend(5, u"active"_s, kT0 + 500, kT0 + 500, u"SELECT 2"_s, kT0 + 400) }));
        QCOMPARE(tracker.size(), 2);
        QCOMPARE(tracker.find(5)->backendStartMs, kT0 + 400);
        QCOMPARE(tracker.find(5)->transitions.size(), 1);
        QCOMPARE(tracker.find(5, kT0 - 100 * kS)->lastSeenMs, kT0);

        // A failed snapshot changes nothing.
        ActivitySnapshot failed = snapshot(kT0 + 400 * kS, {});
        failed.error = u"connection refused"_s;
        tracker.observe(failed);
        QCOMPARE(tracker.size(), 2);
        QCOMPARE(tracker.lastObservedMs(), kT0 + kS);

        // Five minutes later the first is forgotten; the second is still there while seen.
        tracker.observe(
            snapshot(kT0 + 200 * kS, { backend(5, u"active"_s, kT0 + 500, kT0 + 500, u"SELECT 2"_s, kT0 + 400) }));
        tracker.observe(
            snapshot(kT0 + 301 * kS, { backend(5, u"active"_s, kT0 + 500, kT0 + 500, u"SELECT 2"_s, kT0 + 400) }));
        QCOMPARE(tracker.size(), 1);
        QVERIFY(!tracker.find(5, kT0 - 100 * kS));
        QCOMPARE(tracker.find(5)->unchangedPolls, 3);
        // Then it is gone too.
        tracker.observe(snapshot(kT0 + 700 * kS, {}));
        QCOMPARE(tracker.size(), 0);
        QVERIFY(!tracker.find(5));
    }

    void transitionsAreCapped()
    {
        BackendTracker tracker;
        tracker.setMaxTransitions(4);
        for (int i = 0; i < 10; ++i)
            tracker.observe(
                snapshot(kT0 + i * kS, { backend(9, u"idle"_s, kT0 + i * kS - 10, kT0 + i * kS - 5, u""_s) }));
        const auto history = tracker.history(9);
        QCOMPARE(history.size(), 4);
        QCOMPARE(history.front().observedMs, kT0 + 6 * kS);
        QCOMPARE(history.back().observedMs, kT0 + 9 * kS);
    }

    void groups_data()
    {
        QTest::addColumn<int>("grouping");
        QTest::addColumn<QStringList>("labels");
        QTest::addColumn<QList<int>>("counts");
        QTest::addColumn<QList<double>>("oldestInState"); // seconds at now
        QTest::addRow("application_name")
            << int(BackendGrouping::ApplicationName) << QStringList { u"web"_s, u"worker_odds"_s, u"(none)"_s }
            << QList<int> { 3, 2, 1 } << QList<double> { 600, 50, 5 };
        QTest::addRow("client address") << int(BackendGrouping::ClientAddress)
                                        << QStringList { u"10.0.0.5"_s, u"(local socket)"_s, u"10.0.0.7"_s }
                                        << QList<int> { 3, 2, 1 } << QList<double> { 600, 50, 5 };
        QTest::addRow("state") << int(BackendGrouping::State)
                               << QStringList { u"idle"_s, u"(withheld)"_s, u"active"_s, u"idle in transaction"_s }
                               << QList<int> { 3, 1, 1, 1 } << QList<double> { 600, 5, 30, 50 };
        QTest::addRow("fingerprint") << int(BackendGrouping::Fingerprint)
                                     << QStringList { u"SELECT key FROM settings WHERE key = ?"_s, u"(withheld)"_s,
                                            u"UPDATE bets SET s = ? WHERE id IN (?)"_s, u"select now()"_s }
                                     << QList<int> { 3, 1, 1, 1 } << QList<double> { 600, 5, 50, 30 };
    }

    void groups()
    {
        QFETCH(int, grouping);
        QFETCH(QStringList, labels);
        QFETCH(QList<int>, counts);
        QFETCH(QList<double>, oldestInState);
        const qint64 now = kT0 + 1000 * kS;
        auto make = [&](int pid, const QString& app, const QString& addr, const QString& state, int inStateS,
                        const QString& query) {
            Backend b = backend(pid, state, now - inStateS * kS, now - inStateS * kS, query, kT0 + pid * kS);
            b.applicationName = app;
            b.clientAddr = addr;
            return b;
        };
        QList<Backend> rows {
            make(1, u"web"_s, u"10.0.0.5"_s, u"idle"_s, 600, u"SELECT key FROM settings WHERE key = 'a'"_s),
            make(2, u"web"_s, u"10.0.0.5"_s, u"idle"_s, 400, u"SELECT key FROM settings WHERE key = 'b'"_s),
            make(3, u"web"_s, u"10.0.0.5"_s, u"idle"_s, 300, u"SELECT  key FROM settings WHERE key = 'c'"_s),
            make(4, u"worker_odds"_s, QString(), u"idle in transaction"_s, 50,
                u"UPDATE bets SET s = 'won' WHERE id IN (1, 2, 3)"_s),
            make(5, u"worker_odds"_s, QString(), u"active"_s, 30, u"select now()"_s),
            make(6, QString(), u"10.0.0.7"_s, QString(), 5, QString()),
        };
        rows[5].withheld = true;
        const auto groups = groupBackends(rows, static_cast<BackendGrouping>(grouping), now);
        QStringList gotLabels;
        QList<int> gotCounts;
        QList<double> gotOldest;
        for (const auto& g : groups) {
            gotLabels << g.label;
            gotCounts << g.count;
            gotOldest << g.oldestInStateSeconds;
        }
        QCOMPARE(gotLabels, labels);
        QCOMPARE(gotCounts, counts);
        QCOMPARE(gotOldest, oldestInState);
        // The first group always holds pids 1..3, the oldest backend started at +1 s.
        QCOMPARE(groups.front().pids, (QList<int> { 1, 2, 3 }));
        QCOMPARE(groups.front().oldestAgeSeconds, 999.0);
        QCOMPARE(groups.front().oldestInStatePid, 1);
    }
};

QTEST_GUILESS_MAIN(TestBackendTracker)
#include "tst_backendtracker.moc"
