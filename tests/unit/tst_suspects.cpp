#include "analysis/BackendTracker.h"
#include "analysis/Suspects.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kT0 = 1'700'000'000'000; // 2023-11-14 22:13:20 UTC
constexpr qint64 kS = 1000;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const QString kSettingsQuery = u"SELECT key, value FROM settings WHERE key = 'odds_refresh'"_s;
const QString kJobQuery = u"UPDATE jobs SET claimed_by = 'w1' WHERE id = 42"_s;

// The demo service, in pg_stat_activity: the app started at kT0 − 10 s and took `untracked` connections
// outside tracking right away (the last `inTransaction` of them left idle in transaction), then serves
// tracked requests on a pool of `pooled` connections, reusing one every second (round robin), with one
// request in flight at each poll (the app started startupSecondsBefore before kT0). PoolScope polls every second from
// kT0 for `polls` polls; traffic stops after `trafficPolls` of them.
struct Demo
{
    int untracked = 15;
    int inTransaction = 1;
    int pooled = 5;
    int polls = 120;
    int trafficPolls = 120;
    int startupSecondsBefore = 10; // the app started this long before PoolScope's first poll
};

struct World
{
    BackendTracker tracker;
    QList<Backend> backends; // the last snapshot
    qint64 now = 0;
};

Backend row(int pid, const QString& state, qint64 queryStart, qint64 stateChange, const QString& query)
{
    Backend b;
    b.pid = pid;
    b.datname = u"demo"_s;
    b.applicationName = u"web"_s;
    b.clientAddr = u"10.0.0.5"_s;
    b.backendType = u"client backend"_s;
    b.backendStartMs = kT0 - 3600 * kS;
    b.state = state;
    b.queryStartMs = queryStart;
    b.stateChangeMs = stateChange;
    b.query = query;
    return b;
}

void simulate(const Demo& demo, World& world)
{
    const qint64 startup = kT0 - demo.startupSecondsBefore * kS;
    QList<Backend> pool;
    for (int k = 0; k < demo.pooled; ++k)
        pool.append(row(2001 + k, u"idle"_s, kT0 - (demo.pooled - k) * kS - 200, kT0 - (demo.pooled - k) * kS - 100,
            u"SELECT 1"_s)); // already cycling before PoolScope's first poll
    for (int i = 0; i < demo.polls; ++i) {
        const qint64 t = kT0 + i * kS;
        QList<Backend> rows;
        for (int u = 0; u < demo.untracked; ++u) {
            const bool iit = u >= demo.untracked - demo.inTransaction;
            rows.append(row(1001 + u, iit ? u"idle in transaction"_s : u"idle"_s, startup + u, startup + u + 2,
                iit ? kJobQuery : kSettingsQuery));
        }
        QList<Backend> current = pool;
        if (i < demo.trafficPolls) {
            // Connection i % pooled served a request that just ended; the next one is busy now.
            const int done = i % demo.pooled;
            pool[done] = row(2001 + done, u"idle"_s, t - 200, t - 100, u"SELECT * FROM odds WHERE match_id = 7"_s);
            current = pool;
            const int busy = (i + 1) % demo.pooled;
            current[busy] = row(2001 + busy, u"active"_s, t - 50, t - 50, u"SELECT * FROM bets WHERE id = 9"_s);
            pool[busy] = row(2001 + busy, u"idle"_s, t - 50, t + 30, u"SELECT * FROM bets WHERE id = 9"_s);
        }
        rows += current;
        ActivitySnapshot s;
        s.database = u"demo"_s;
        s.timestampMs = t + 3;
        s.serverTimeMs = t;
        s.backends = rows;
        world.tracker.observe(s);
        world.backends = rows;
        world.now = t;
    }
}

} // namespace

Q_DECLARE_METATYPE(Demo)
Q_DECLARE_METATYPE(ReconcileConfidence)

class TestSuspects : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void reconcile_data()
    {
        QTest::addColumn<Demo>("demo");
        QTest::addColumn<double>("discrepancy");
        QTest::addColumn<double>("poolIdle");
        QTest::addColumn<bool>("withTracker");
        QTest::addColumn<int>("suspects");
        QTest::addColumn<int>("unexplained");
        QTest::addColumn<int>("explainedByPool");
        QTest::addColumn<int>("extra");
        QTest::addColumn<ReconcileConfidence>("confidence");

        // The stable demo: 15 held at startup, a busy pool of 5 (4 idle in it, 1 in flight).
        QTest::addRow("demo, stable") << Demo {} << 15.0 << 4.0 << true << 15 << 0 << 0 << 0
                                      << ReconcileConfidence::High;
        // Traffic stopped 90 s ago: the pool's own 5 idle connections sit past the threshold too, but
        // pool_idle says they are the pool's.
        QTest::addRow("quiet pool, pool_idle known")
            << Demo { 15, 1, 5, 120, 30 } << 15.0 << 5.0 << true << 15 << 0 << 5 << 0 << ReconcileConfidence::High;
        // Same, without pool_idle: the 15 oldest are still the right ones, but 5 are left over.
        QTest::addRow("quiet pool, pool_idle unknown")
            << Demo { 15, 1, 5, 120, 30 } << 15.0 << kNaN << true << 15 << 0 << 0 << 5 << ReconcileConfidence::Medium;
        // More untracked than held backends: 3 unexplained.
        QTest::addRow("three unexplained")
            << Demo {} << 18.0 << 4.0 << true << 15 << 3 << 0 << 0 << ReconcileConfidence::Medium;
        QTest::addRow("most unexplained")
            << Demo { 4, 0, 5, 120, 120 } << 12.0 << 4.0 << true << 4 << 8 << 0 << 0 << ReconcileConfidence::Low;
        // PoolScope just started on an app that has been up for 5 minutes: 2 polls only.
        QTest::addRow("two polls in") << Demo { 15, 1, 5, 2, 2, 300 } << 15.0 << 4.0 << true << 15 << 0 << 0 << 0
                                      << ReconcileConfidence::Medium;
        // Without PoolScope's history only state_change is evidence.
        QTest::addRow("no tracker") << Demo {} << 15.0 << 4.0 << false << 15 << 0 << 0 << 0
                                    << ReconcileConfidence::Medium;
        // Fewer suspects are listed than candidates when the discrepancy is smaller.
        QTest::addRow("discrepancy 10") << Demo {} << 10.0 << 4.0 << true << 10 << 0 << 0 << 5
                                        << ReconcileConfidence::Medium;
        QTest::addRow("no discrepancy, nothing held")
            << Demo { 0, 0, 5, 120, 120 } << 0.0 << 4.0 << true << 0 << 0 << 0 << 0 << ReconcileConfidence::High;
        QTest::addRow("unknown discrepancy")
            << Demo {} << kNaN << 4.0 << true << 15 << 0 << 0 << 0 << ReconcileConfidence::Low;
    }

    void reconcile()
    {
        QFETCH(Demo, demo);
        QFETCH(double, discrepancy);
        QFETCH(double, poolIdle);
        QFETCH(bool, withTracker);
        QFETCH(int, suspects);
        QFETCH(int, unexplained);
        QFETCH(int, explainedByPool);
        QFETCH(int, extra);
        QFETCH(ReconcileConfidence, confidence);

        World world;
        simulate(demo, world);
        ReconcileInput input;
        input.target = u"web"_s;
        input.discrepancy = discrepancy;
        input.poolIdle = poolIdle;
        input.backends = world.backends;
        input.tracker = withTracker ? &world.tracker : nullptr;
        input.serverNowMs = world.now;
        const Reconciliation r = poolscope::reconcile(input);

        QCOMPARE(r.backendCount, demo.untracked + demo.pooled);
        QCOMPARE(r.suspects.size(), suspects);
        QCOMPARE(r.explainedCount, suspects);
        QCOMPARE(r.unexplainedCount, unexplained);
        QCOMPARE(r.explainedByPool, explainedByPool);
        QCOMPARE(r.extraCandidates, extra);
        QVERIFY2(r.confidence == confidence,
            qPrintable(reconcileConfidenceKey(r.confidence) + u": "_s + r.confidenceReason));
        QVERIFY(!r.confidenceReason.isEmpty());
        // Every suspect is one of the connections taken outside tracking, never a pool connection.
        for (const auto& s : r.suspects) {
            QVERIFY2(s.pid >= 1001 && s.pid < 1001 + demo.untracked, qPrintable(QString::number(s.pid)));
            QVERIFY(!s.reason.isEmpty());
        }
        // Idle in transaction ranks first; then the longest idle.
        if (demo.inTransaction > 0 && suspects > 0)
            QCOMPARE(r.suspects.front().state, u"idle in transaction"_s);
        for (qsizetype i = 1; i < r.suspects.size(); ++i)
            QVERIFY(r.suspects[i - 1].score >= r.suspects[i].score);
    }

    void demoDetails()
    {
        World world;
        simulate(Demo {}, world);
        ReconcileInput input;
        input.target = u"web"_s;
        input.checkedOut = 16;
        input.tracked = 1;
        input.poolSize = 20;
        input.poolIdle = 4;
        input.backends = world.backends;
        input.tracker = &world.tracker;
        input.serverNowMs = world.now;
        const Reconciliation r = poolscope::reconcile(input);

        QCOMPARE(r.discrepancy, 15.0); // checked_out − tracked
        QCOMPARE(r.expected, 15);
        QCOMPARE(r.byState.value(u"idle"_s), 18);
        QCOMPARE(r.byState.value(u"idle in transaction"_s), 1);
        QCOMPARE(r.byState.value(u"active"_s), 1);
        // Pool connections are reused every 5 s: idle spans of ~3.9 s, threshold = max(30 s, 3 × p90).
        QVERIFY2(r.reuseSpans > 50, qPrintable(QString::number(r.reuseSpans)));
        QVERIFY2(r.normalReuseSeconds > 3.5 && r.normalReuseSeconds < 4.5,
            qPrintable(QString::number(r.normalReuseSeconds)));
        QCOMPARE(r.thresholdSeconds, 30.0);

        const Suspect& first = r.suspects.front();
        QCOMPARE(first.pid, 1015);
        QCOMPARE(first.state, u"idle in transaction"_s);
        QCOMPARE(first.idleSeconds, 128.984); // now − state_change (startup + 16 ms)
        QCOMPARE(first.unchangedSeconds, 119.0);
        QCOMPARE(first.unchangedPolls, 120);
        QCOMPARE(first.fingerprint, u"UPDATE jobs SET claimed_by = ? WHERE id = ?"_s);
        QVERIFY(!first.reason.isEmpty()); // its numbers are the fields above
        // Among equally weighted idle ones the longest idle comes first.
        QCOMPARE(r.suspects[1].pid, 1001);
        QCOMPARE(r.suspects.back().pid, 1014);

        QCOMPARE(r.suspects.size(), 15);
        QCOMPARE(r.explainedCount, 15);
        QCOMPARE(r.unexplainedCount, 0);
        QCOMPARE(r.groups.size(), 2);
        QCOMPARE(r.groups[0].count, 1);
        QCOMPARE(r.groups[0].state, u"idle in transaction"_s);
        QCOMPARE(r.groups[1].count, 14);
        QCOMPARE(r.groups[1].state, u"idle"_s);
        QCOMPARE(r.groups[1].fingerprint, u"SELECT key, value FROM settings WHERE key = ?"_s);
        // The one golden summary, kept on purpose: it is the sentence people paste into an incident
        // channel. The other tests compare the reconciliation's numbers.
        QCOMPARE(r.summary(),
            u"15 of 15 explained: 1 connection idle in transaction since 22:13 whose last query was UPDATE jobs "
            u"SET claimed_by = ? WHERE id = ?; 14 connections idle since 22:13 whose last query was SELECT key, "
            u"value FROM settings WHERE key = ?; 0 unexplained."_s);

        SuspectOptions local;
        local.utcOffsetSeconds = 2 * 3600;
        QVERIFY(poolscope::reconcile(input, local).summary().contains(u"since 00:13"_s));
    }

    void outcomes_data()
    {
        QTest::addColumn<double>("discrepancy");
        QTest::addColumn<bool>("withBackends");
        QTest::addColumn<int>("expected");
        QTest::addColumn<int>("explained");
        QTest::addColumn<int>("unexplained");
        QTest::addColumn<int>("confidence");
        QTest::addRow("nothing to explain") << 0.0 << true << 0 << 0 << 0 << int(ReconcileConfidence::High);
        QTest::addRow("unknown") << kNaN << false << -1 << 0 << 0 << int(ReconcileConfidence::Low);
        QTest::addRow("no backends") << 3.0 << false << 3 << 0 << 3 << int(ReconcileConfidence::Low);
    }

    void outcomes()
    {
        QFETCH(double, discrepancy);
        QFETCH(bool, withBackends);
        QFETCH(int, expected);
        QFETCH(int, explained);
        QFETCH(int, unexplained);
        QFETCH(int, confidence);
        World world;
        simulate(Demo { 0, 0, 5, 60, 60 }, world);
        ReconcileInput input;
        input.discrepancy = discrepancy;
        input.poolIdle = 4;
        if (withBackends)
            input.backends = world.backends;
        input.tracker = &world.tracker;
        input.serverNowMs = world.now;
        const Reconciliation r = poolscope::reconcile(input);
        QCOMPARE(r.expected, expected);
        QCOMPARE(r.explainedCount, explained);
        QCOMPARE(r.unexplainedCount, unexplained);
        QCOMPARE(r.suspects.size(), explained);
        QCOMPARE(int(r.confidence), confidence);
        QVERIFY(!r.summary().isEmpty());
    }

    void setMetrics()
    {
        MetricValues m;
        m.set(Metric::CheckedOut, 16);
        m.set(Metric::Tracked, 1);
        m.set(Metric::PoolIdle, 4);
        ReconcileInput input;
        input.setMetrics(m);
        QCOMPARE(input.checkedOut, 16.0);
        QCOMPARE(input.tracked, 1.0);
        QCOMPARE(input.poolIdle, 4.0);
        QVERIFY(std::isnan(input.discrepancy));
        QVERIFY(std::isnan(input.poolSize));
    }
};

QTEST_GUILESS_MAIN(TestSuspects)
#include "tst_suspects.moc"
