#include "analysis/Verdict.h"
#include "store/TargetHistory.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <random>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kT0 = 1'700'000'000'000;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class Shape {
    Flat, // base
    Step, // base until stepAt, then base + step
    Leak, // base + floor(rate · t): one more held connection every 1/rate
    RestartFlat, // base, but a restart drops it to 0 for 5 s at stepAt
    LeakRestart, // a leak that starts over from 0 after a restart at stepAt
};

struct Scenario
{
    Shape shape = Shape::Flat;
    double base = 8;
    double ratePerMinute = 0; // Leak
    double step = 0; // Step
    double stepAtSeconds = 0;
    int noise = 0; // uniform integer noise in [−noise, +noise]
    double seconds = 600;
    double intervalSeconds = 1;
    int failEvery = 0; // every n-th poll fails (a gap), 0 = none
    unsigned seed = 1;
    double poolMax = 40;
};

double baseAt(const Scenario& s, double t)
{
    switch (s.shape) {
    case Shape::Flat:
        return s.base;
    case Shape::Step:
        return t < s.stepAtSeconds ? s.base : s.base + s.step;
    case Shape::Leak:
        return s.base + std::floor(s.ratePerMinute * t / 60.0);
    case Shape::RestartFlat:
        return (t >= s.stepAtSeconds && t < s.stepAtSeconds + 5) ? 0.0 : s.base;
    case Shape::LeakRestart:
        return t < s.stepAtSeconds ? s.base + std::floor(s.ratePerMinute * t / 60.0)
                                   : s.base + std::floor(s.ratePerMinute * (t - s.stepAtSeconds) / 60.0);
    }
    return 0;
}

// A history polled every intervalSeconds from kT0: tracked = 3 requests in flight, checked_out =
// tracked + discrepancy, the discrepancy with integer noise (the jitter of requests in flight).
TargetHistory makeHistory(const Scenario& s, bool withDiscrepancyColumn = true)
{
    TargetHistory history;
    std::mt19937 rng(s.seed);
    const int polls = static_cast<int>(std::llround(s.seconds / s.intervalSeconds));
    for (int i = 0; i <= polls; ++i) {
        const double t = i * s.intervalSeconds;
        Sample sample;
        sample.target = u"web"_s;
        sample.timestampMs = kT0 + static_cast<qint64>(std::llround(t * 1000.0));
        const int e = s.noise > 0 ? static_cast<int>(rng() % static_cast<unsigned>(2 * s.noise + 1)) - s.noise : 0;
        if (s.failEvery > 0 && i % s.failEvery == s.failEvery - 1) {
            sample.error = u"timeout"_s;
        } else {
            const double d = baseAt(s, t) + e;
            sample.metrics.set(Metric::Tracked, 3);
            sample.metrics.set(Metric::CheckedOut, 3 + d);
            if (withDiscrepancyColumn)
                sample.metrics.set(Metric::Discrepancy, d);
            sample.metrics.set(Metric::PoolMax, s.poolMax);
        }
        history.append(sample);
    }
    return history;
}

Verdict verdictOf(const Scenario& s, bool withDiscrepancyColumn = true)
{
    VerdictOptions options;
    options.targetName = u"web"_s;
    const TargetHistory history = makeHistory(s, withDiscrepancyColumn);
    return computeVerdict(history, kT0, kT0 + static_cast<qint64>(s.seconds * 1000), options);
}

} // namespace

Q_DECLARE_METATYPE(Scenario)
Q_DECLARE_METATYPE(VerdictKind)

class TestVerdict : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void kinds_data()
    {
        QTest::addColumn<Scenario>("scenario");
        QTest::addColumn<VerdictKind>("kind");
        QTest::addColumn<double>("level"); // NaN: not checked
        QTest::addColumn<double>("truePerHour"); // Growing: the slope must be within 30 % of it
        QTest::addColumn<bool>("roseEarlier");

        Scenario s;
        s = {};
        s.seconds = 3600;
        QTest::addRow("flat, 1 h") << s << VerdictKind::Stable << 8.0 << kNaN << false;
        s = {};
        s.noise = 2;
        s.seconds = 120;
        QTest::addRow("flat with ±2 noise, 2 min after launch") << s << VerdictKind::Stable << 8.0 << kNaN << false;
        s = {};
        s.noise = 2;
        s.seconds = 60;
        QTest::addRow("flat with ±2 noise, first minute") << s << VerdictKind::Stable << 8.0 << kNaN << false;
        s = {};
        s.base = 15;
        s.noise = 1;
        s.seconds = 12 * 3600;
        s.intervalSeconds = 5;
        QTest::addRow("the seed's 15 over 12 h") << s << VerdictKind::Stable << 15.0 << kNaN << false;
        s = {};
        s.base = 0;
        QTest::addRow("zero") << s << VerdictKind::None << 0.0 << kNaN << false;
        s = {};
        s.base = 0;
        s.noise = 1;
        QTest::addRow("zero with ±1 noise") << s << VerdictKind::None << 0.0 << kNaN << false;
        s = {};
        s.shape = Shape::Step;
        s.base = 5;
        s.step = 10;
        s.stepAtSeconds = 600;
        s.noise = 1;
        s.seconds = 3600;
        QTest::addRow("step 10 min into 1 h") << s << VerdictKind::Stable << 15.0 << kNaN << true;
        s = {};
        s.shape = Shape::Step;
        s.base = 5;
        s.step = 3;
        s.stepAtSeconds = 4 * 3600;
        s.noise = 1;
        s.seconds = 12 * 3600;
        s.intervalSeconds = 2;
        QTest::addRow("step in the middle of 12 h") << s << VerdictKind::Stable << 8.0 << kNaN << false;
        s = {};
        s.shape = Shape::Step;
        s.base = 0;
        s.step = 15;
        s.stepAtSeconds = 3;
        s.noise = 1;
        s.seconds = 120;
        QTest::addRow("15 taken at startup, 2 min") << s << VerdictKind::Stable << 15.0 << kNaN << false;
        s = {};
        s.shape = Shape::Leak;
        s.ratePerMinute = 2.0 / 60.0;
        s.noise = 1;
        s.seconds = 6 * 3600;
        s.intervalSeconds = 10;
        QTest::addRow("slow growth, 2/h over 6 h") << s << VerdictKind::Growing << kNaN << 2.0 << false;
        s = {};
        s.shape = Shape::Leak;
        s.ratePerMinute = 1;
        s.noise = 1;
        s.seconds = 150;
        QTest::addRow("1/min leak, 2.5 min") << s << VerdictKind::Growing << kNaN << 60.0 << false;
        s = {};
        s.shape = Shape::Leak;
        s.ratePerMinute = 1;
        s.noise = 2;
        s.seconds = 240;
        QTest::addRow("1/min leak with ±2 noise, 4 min") << s << VerdictKind::Growing << kNaN << 60.0 << false;
        s = {};
        s.shape = Shape::Leak;
        s.ratePerMinute = 6;
        s.noise = 2;
        s.seconds = 600;
        QTest::addRow("fast growth, 6/min") << s << VerdictKind::Growing << kNaN << 360.0 << false;
        s = {};
        s.shape = Shape::Leak;
        s.ratePerMinute = 3;
        s.noise = 1;
        s.seconds = 900;
        s.failEvery = 3;
        QTest::addRow("3/min leak with a third of polls failing")
            << s << VerdictKind::Growing << kNaN << 180.0 << false;
        s = {};
        s.noise = 1;
        s.seconds = 1800;
        s.failEvery = 2;
        QTest::addRow("flat with every other poll failing") << s << VerdictKind::Stable << 8.0 << kNaN << false;
        s = {};
        s.shape = Shape::RestartFlat;
        s.base = 15;
        s.stepAtSeconds = 1800;
        s.noise = 1;
        s.seconds = 3600;
        QTest::addRow("restart: drops to 0 and comes back") << s << VerdictKind::Stable << 15.0 << kNaN << false;
        s = {};
        s.shape = Shape::LeakRestart;
        s.base = 2;
        s.ratePerMinute = 1;
        s.stepAtSeconds = 1200;
        s.noise = 1;
        s.seconds = 1800;
        QTest::addRow("leak that restarts and leaks again") << s << VerdictKind::Growing << kNaN << 60.0 << false;
        s = {};
        s.shape = Shape::Leak;
        s.base = 5;
        s.ratePerMinute = 10;
        s.seconds = 30;
        QTest::addRow("too short, even if steep") << s << VerdictKind::Unknown << kNaN << kNaN << false;
    }

    void kinds()
    {
        QFETCH(Scenario, scenario);
        QFETCH(VerdictKind, kind);
        QFETCH(double, level);
        QFETCH(double, truePerHour);
        QFETCH(bool, roseEarlier);

        const Verdict v = verdictOf(scenario);
        QVERIFY2(v.kind == kind, qPrintable(verdictKindKey(v.kind) + u": "_s + v.text()));
        if (!std::isnan(level))
            QVERIFY2(std::abs(v.level - level) <= 0.5, qPrintable(v.text()));
        if (!std::isnan(truePerHour)) {
            QVERIFY2(std::abs(v.slopePerHour - truePerHour) <= 0.3 * truePerHour, qPrintable(v.text()));
            QVERIFY2(v.slopeLow <= v.slopePerHour && v.slopePerHour <= v.slopeHigh, qPrintable(v.text()));
        }
        QVERIFY2(v.roseEarlier == roseEarlier, qPrintable(v.text()));
        if (kind == VerdictKind::Unknown) {
            QVERIFY(v.neededSeconds > 0);
        } else {
            QCOMPARE(v.neededSeconds, 0.0);
            QVERIFY(v.samplesUsed >= 30);
        }
    }

    // Noise of requests in flight never makes a flat baseline "growing", whatever the window length.
    void noiseIsNeverGrowing_data()
    {
        QTest::addColumn<int>("noise");
        QTest::addColumn<double>("seconds");
        for (int noise : { 1, 2 }) {
            for (double seconds : { 60.0, 90.0, 120.0, 300.0, 900.0 })
                QTest::addRow("±%d for %g s", noise, seconds) << noise << seconds;
        }
    }

    void noiseIsNeverGrowing()
    {
        QFETCH(int, noise);
        QFETCH(double, seconds);
        for (unsigned seed = 1; seed <= 40; ++seed) {
            Scenario s;
            s.noise = noise;
            s.seconds = seconds;
            s.seed = seed;
            const Verdict v = verdictOf(s);
            QVERIFY2(v.kind == VerdictKind::Stable, qPrintable(QString::number(seed) + u": "_s + v.text()));
        }
    }

    void derivedDiscrepancy()
    {
        // Without a discrepancy column, checked_out − tracked is used.
        Scenario s;
        s.base = 6;
        s.seconds = 300;
        const Verdict v = verdictOf(s, false);
        QCOMPARE(v.kind, VerdictKind::Stable);
        QCOMPARE(v.level, 6.0);
        QCOMPARE(v.samplesUsed, 301);
    }

    void unknownNeeds_data()
    {
        QTest::addColumn<double>("seconds");
        QTest::addColumn<double>("interval");
        QTest::addColumn<int>("samples");
        QTest::addColumn<double>("needed");
        QTest::addRow("20 s of 1 s polls") << 20.0 << 1.0 << 21 << 40.0;
        // 10 s polls: coverage suffices after 60 s, but 30 samples take 290 s.
        QTest::addRow("70 s of 10 s polls") << 70.0 << 10.0 << 8 << 220.0;
    }

    void unknownNeeds()
    {
        QFETCH(double, seconds);
        QFETCH(double, interval);
        QFETCH(int, samples);
        QFETCH(double, needed);
        Scenario s;
        s.seconds = seconds;
        s.intervalSeconds = interval;
        const Verdict v = verdictOf(s);
        QCOMPARE(v.kind, VerdictKind::Unknown);
        QCOMPARE(v.samplesUsed, samples);
        QCOMPARE(v.coverageSeconds, seconds);
        QCOMPARE(v.neededSeconds, needed);
    }

    void emptyHistory()
    {
        TargetHistory history;
        VerdictOptions options;
        options.targetName = u"web"_s;
        const Verdict v = computeVerdict(history, kT0, kT0 + 1000, options);
        QCOMPARE(v.kind, VerdictKind::Unknown);
        QCOMPARE(v.samplesUsed, 0);
        QCOMPARE(v.neededSeconds, 60.0);
        QCOMPARE(v.coverageSeconds, 0.0);
    }

    void windowIsClamped()
    {
        // 14 h of data: only the last 12 h are analysed, so an early ramp is outside the window.
        Scenario s;
        s.shape = Shape::Step;
        s.base = 0;
        s.step = 9;
        s.stepAtSeconds = 1.5 * 3600;
        s.seconds = 14 * 3600;
        s.intervalSeconds = 10;
        s.noise = 1;
        const Verdict v = verdictOf(s);
        QCOMPARE(v.fromMs, kT0 + 2 * 3600 * 1000LL);
        QCOMPARE(v.kind, VerdictKind::Stable);
        QVERIFY(!v.roseEarlier);
        QCOMPARE(v.level, 9.0);
    }

    void exhaustion()
    {
        // 6/min from 10 with no noise: checked_out = 3 + discrepancy, pool max 40.
        Scenario s;
        s.shape = Shape::Leak;
        s.base = 10;
        s.ratePerMinute = 6;
        s.seconds = 300;
        s.poolMax = 80;
        const Verdict v = verdictOf(s);
        QCOMPARE(v.kind, VerdictKind::Growing);
        QCOMPARE(v.poolMax, 80.0);
        QCOMPARE(v.checkedOutNow, 42.0); // the last 10 polls: nine of 3 + 10 + 29, one of 3 + 10 + 30
        const double expected = (80.0 - 42.0) / v.slopePerHour * 3600.0;
        QCOMPARE(v.exhaustionEtaSeconds, expected);
        QVERIFY(v.exhaustionEtaSeconds > 5 * 60 && v.exhaustionEtaSeconds < 8 * 60);

        s.poolMax = 30; // already past it
        const Verdict full = verdictOf(s);
        QCOMPARE(full.exhaustionEtaSeconds, 0.0);
        QCOMPARE(full.poolMax, 30.0);

        s.poolMax = kNaN; // unknown
        const Verdict unknown = verdictOf(s);
        QCOMPARE(unknown.exhaustionEtaSeconds, -1.0);
        QCOMPARE(unknown.exhaustionLimit, Verdict::Limit::None);
        QVERIFY(std::isnan(unknown.poolMax));
    }

    // Without a pool max, the time to exhaustion is the server's: max_connections − reserved − in use.
    void exhaustionOfTheServer()
    {
        Scenario s;
        s.shape = Shape::Leak;
        s.base = 10;
        s.ratePerMinute = 6;
        s.seconds = 300;
        s.poolMax = kNaN;
        VerdictOptions options;
        options.targetName = u"web"_s;
        options.serverMaxConnections = 100;
        options.serverReservedConnections = 3;
        options.serverConnectionsNow = 57;
        const Verdict v = computeVerdict(makeHistory(s), kT0, kT0 + static_cast<qint64>(s.seconds * 1000), options);
        QCOMPARE(v.kind, VerdictKind::Growing);
        QCOMPARE(v.exhaustionLimit, Verdict::Limit::Server);
        QCOMPARE(v.exhaustionEtaSeconds, (100.0 - 3.0 - 57.0) / v.slopePerHour * 3600.0);
        QVERIFY2(
            v.text().contains(u"the server's limit of 97 connections (max_connections 100 \u2212 3 reserved, 57 in "
                              u"use) reached in about"_s),
            qPrintable(v.text()));

        options.serverConnectionsNow = 97; // already there
        QCOMPARE(computeVerdict(makeHistory(s), kT0, kT0 + static_cast<qint64>(s.seconds * 1000), options)
                     .exhaustionEtaSeconds,
            0.0);

        // A pool max, when known, wins over the server's limit.
        s.poolMax = 80;
        const Verdict pool = computeVerdict(makeHistory(s), kT0, kT0 + static_cast<qint64>(s.seconds * 1000), options);
        QCOMPARE(pool.exhaustionLimit, Verdict::Limit::PoolMax);
    }

    // The golden sentences, kept on purpose: the verdict is pasted into chat channels, so its wording
    // is part of the product. Everywhere else these tests compare the verdict's numbers and kind.
    void text_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<double>("level");
        QTest::addColumn<double>("slope");
        QTest::addColumn<double>("low");
        QTest::addColumn<double>("high");
        QTest::addColumn<double>("span");
        QTest::addColumn<double>("coverage");
        QTest::addColumn<bool>("roseEarlier");
        QTest::addColumn<double>("poolMax");
        QTest::addColumn<double>("eta");
        QTest::addColumn<QString>("text");

        QTest::addRow("stable") << int(VerdictKind::Stable) << 8.0 << 0.01 << -0.3 << 0.2 << 4320.0 << 4320.0 << false
                                << 50.0 << -1.0
                                << u"web: stable baseline of 8 untracked connections (slope +0.0/h, 95% CI "
                                   u"\u22120.3\u2026+0.2, over 1 h 12 m); not a leak."_s;
        QTest::addRow("stable after a step")
            << int(VerdictKind::Stable) << 1.0 << 0.0 << -0.4 << 0.4 << 900.0 << 3600.0 << true << 50.0 << -1.0
            << u"web: stable baseline of 1 untracked connection (slope +0.0/h, 95% CI \u22120.4\u2026+0.4, over "
               u"the last 15 min; it rose earlier in the 1 h window); not a leak."_s;
        QTest::addRow("growing") << int(VerdictKind::Growing) << 7.0 << 6.1 << 5.2 << 7.0 << 7200.0 << 7200.0 << false
                                 << 10.0 << 38.0 * 60
                                 << u"web: GROWING by 6.1 connections/hour (95% CI 5.2\u20267.0, over 2 h), now 7 "
                                    u"untracked \u2014 pool max 10 reached in about 38 min at this rate."_s;
        QTest::addRow("growing fast") << int(VerdictKind::Growing) << 12.0 << 120.0 << 100.0 << 140.0 << 300.0 << 300.0
                                      << false << 50.0 << 1200.0
                                      << u"web: GROWING by 120.0 connections/hour (2.0/min; 95% CI 100.0\u2026140.0, "
                                         u"over 5 min), now 12 untracked \u2014 pool max 50 reached in about 20 min "
                                         u"at this rate."_s;
        QTest::addRow("none") << int(VerdictKind::None) << 0.0 << 0.0 << 0.0 << 0.0 << 600.0 << 600.0 << false << 50.0
                              << -1.0 << u"web: no untracked connections (level 0, slope +0.0/h over 10 min)."_s;
        QTest::addRow("unknown") << int(VerdictKind::Unknown) << kNaN << kNaN << kNaN << kNaN << 0.0 << 20.0 << false
                                 << 50.0 << -1.0
                                 << u"web: not enough data yet \u2014 need about 40 s more (have 20 s, 21 polls)."_s;
    }

    void text()
    {
        QFETCH(int, kind);
        QFETCH(double, level);
        QFETCH(double, slope);
        QFETCH(double, low);
        QFETCH(double, high);
        QFETCH(double, span);
        QFETCH(double, coverage);
        QFETCH(bool, roseEarlier);
        QFETCH(double, poolMax);
        QFETCH(double, eta);
        QFETCH(QString, text);
        Verdict v;
        v.target = u"web"_s;
        v.kind = static_cast<VerdictKind>(kind);
        v.level = level;
        v.slopePerHour = slope;
        v.slopeLow = low;
        v.slopeHigh = high;
        v.slopeSpanSeconds = span;
        v.coverageSeconds = coverage;
        v.roseEarlier = roseEarlier;
        v.poolMax = poolMax;
        v.exhaustionEtaSeconds = eta;
        if (v.kind == VerdictKind::Unknown) {
            v.neededSeconds = 40;
            v.samplesUsed = 21;
        }
        QCOMPARE(v.text(), text);
    }
};

QTEST_GUILESS_MAIN(TestVerdict)
#include "tst_verdict.moc"
