#include "analysis/RouteRates.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kT0 = 1'700'000'000'000;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// acquired/released totals and active (NaN: derived) at one poll every 10 s.
struct Poll
{
    double acquired;
    double released;
    double active = kNaN;
};

std::vector<RoutePoint> points(const QList<Poll>& polls, qint64 stepMs = 10'000)
{
    std::vector<RoutePoint> out;
    qint64 t = kT0;
    for (const auto& p : polls) {
        RoutePoint rp;
        rp.tMs = t;
        rp.stats.name = u"/bets"_s;
        rp.stats.acquired = p.acquired;
        rp.stats.released = p.released;
        rp.stats.active = p.active;
        out.push_back(rp);
        t += stepMs;
    }
    return out;
}

} // namespace

Q_DECLARE_METATYPE(QList<Poll>)

class TestRouteRates : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rates_data()
    {
        QTest::addColumn<QList<Poll>>("polls");
        QTest::addColumn<bool>("fromZero");
        QTest::addColumn<double>("acquired");
        QTest::addColumn<double>("perMinute");
        QTest::addColumn<int>("resets");
        QTest::addColumn<double>("activeChange");
        QTest::addColumn<bool>("rising");

        // 6 polls over 50 s, 10 acquisitions per poll: 50 in 50 s = 60/min, all released.
        QTest::addRow("steady") << QList<Poll> { { 100, 100 }, { 110, 110 }, { 120, 119 }, { 130, 130 }, { 140, 140 },
            { 150, 150 } } << true
                                << 50.0 << 60.0 << 0 << 0.0 << false;
        // The process restarts between poll 3 and 4: 100→120 (+20), reset, counts from 0: +5, then +10.
        QTest::addRow("counter reset, from zero")
            << QList<Poll> { { 100, 100 }, { 110, 110 }, { 120, 120 }, { 5, 5 }, { 15, 15 }, { 25, 25 } } << true
            << 45.0 << 54.0 << 1 << 0.0 << false;
        QTest::addRow("counter reset, segments only")
            << QList<Poll> { { 100, 100 }, { 110, 110 }, { 120, 120 }, { 5, 5 }, { 15, 15 }, { 25, 25 } } << false
            << 40.0 << 48.0 << 1 << 0.0 << false;
        // Gaps (NaN) are skipped for the counts.
        QTest::addRow("gaps") << QList<Poll> { { 0, 0 }, { kNaN, kNaN }, { 20, 20 }, { kNaN, kNaN }, { 40, 40 },
            { 50, 50 } } << true
                              << 50.0 << 60.0 << 0 << 0.0 << false;
        // Active climbs by one every poll: a leak on this route.
        QTest::addRow("active rising") << QList<Poll> { { 10, 10 }, { 21, 20 }, { 32, 30 }, { 43, 40 }, { 54, 50 },
            { 65, 60 }, { 76, 70 }, { 87, 80 } }
                                       << true << 77.0 << 66.0 << 0 << 7.0 << true;
        // Active goes up and comes back: not rising.
        QTest::addRow("active up and down") << QList<Poll> { { 0, 0, 0 }, { 10, 8, 2 }, { 20, 17, 3 }, { 30, 28, 2 },
            { 40, 40, 0 }, { 50, 49, 1 }, { 60, 60, 0 } }
                                            << true << 60.0 << 60.0 << 0 << 0.0 << false;
        // A leak before the restart, flat after it: rising is about the last segment only.
        QTest::addRow("leak, then restart") << QList<Poll> { { 10, 10 }, { 21, 20 }, { 32, 30 }, { 43, 40 }, { 3, 3 },
            { 13, 13 }, { 23, 23 }, { 33, 33 } }
                                            << true << 66.0 << 56.571428571428571 << 1 << 0.0 << false;
        QTest::addRow("single poll") << QList<Poll> { { 10, 10 } } << true << 0.0 << kNaN << 0 << 0.0 << false;
    }

    void rates()
    {
        QFETCH(QList<Poll>, polls);
        QFETCH(bool, fromZero);
        QFETCH(double, acquired);
        QFETCH(double, perMinute);
        QFETCH(int, resets);
        QFETCH(double, activeChange);
        QFETCH(bool, rising);

        RouteRateOptions options;
        options.countFromZeroAfterReset = fromZero;
        const auto input = points(polls);
        const RouteRate r = computeRouteRate(u"/bets"_s, input, kT0, kT0 + 3600'000, options);
        QCOMPARE(r.name, u"/bets"_s);
        QCOMPARE(r.points, static_cast<int>(polls.size()));
        QCOMPARE(r.acquired, acquired);
        if (std::isnan(perMinute))
            QVERIFY(std::isnan(r.acquiresPerMinute));
        else
            QVERIFY2(
                std::abs(r.acquiresPerMinute - perMinute) < 1e-9, qPrintable(QString::number(r.acquiresPerMinute)));
        QVERIFY(std::isnan(r.acquiresPerMinute) || r.acquiresPerMinute >= 0.0);
        QVERIFY(std::isnan(r.releasesPerMinute) || r.releasesPerMinute >= 0.0);
        QCOMPARE(r.resets, resets);
        QCOMPARE(r.activeChange, activeChange);
        QCOMPARE(r.rising, rising);
    }

    void rangeSelection()
    {
        // 0, 10, ..., 100 acquisitions at 0..100 s; the range 20..60 s holds 5 polls with +40 over 40 s.
        QList<Poll> polls;
        for (int i = 0; i <= 10; ++i)
            polls.append({ 10.0 * i, 10.0 * i, 0 });
        const auto input = points(polls);
        const RouteRate r = computeRouteRate(u"/bets"_s, input, kT0 + 20'000, kT0 + 60'000);
        QCOMPARE(r.points, 5);
        QCOMPARE(r.spanSeconds, 40.0);
        QCOMPARE(r.acquired, 40.0);
        QCOMPARE(r.acquiresPerMinute, 60.0);
    }

    void fromSamples()
    {
        QList<Sample> samples;
        for (int i = 0; i < 4; ++i) {
            Sample s;
            s.target = u"web"_s;
            s.timestampMs = kT0 + i * 30'000LL;
            if (i == 2) {
                s.error = u"timeout"_s; // a failed poll contributes nothing
            } else {
                s.routes.append({ u"/odds"_s, 100.0 + 30 * i, 100.0 + 30 * i, 0, 0 });
                if (i > 0)
                    s.routes.append({ u"/bets"_s, 5.0 * i, 5.0 * i, kNaN, 0 });
            }
            samples.append(s);
        }
        const auto rates = computeRouteRates(samples, kT0, kT0 + 90'000);
        QCOMPARE(rates.size(), 2);
        QCOMPARE(rates[0].name, u"/odds"_s);
        QCOMPARE(rates[0].points, 3);
        QCOMPARE(rates[0].acquired, 90.0);
        QCOMPARE(rates[0].acquiresPerMinute, 60.0);
        QCOMPARE(rates[1].name, u"/bets"_s);
        QCOMPARE(rates[1].points, 2);
        QCOMPARE(rates[1].acquired, 10.0);
        QCOMPARE(rates[1].acquiresPerMinute, 10.0);
        QCOMPARE(rates[1].activeLast, 0.0); // derived from acquired − released
    }
};

QTEST_GUILESS_MAIN(TestRouteRates)
#include "tst_routerates.moc"
