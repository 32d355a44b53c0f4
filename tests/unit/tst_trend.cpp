#include "analysis/RobustStats.h"
#include "analysis/Trend.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <vector>

using namespace poolscope;

namespace {

constexpr qint64 kT0 = 1'700'000'000'000;
constexpr qint64 kHour = 3600 * 1000;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Series
{
    std::vector<qint64> t;
    std::vector<double> y;
};

} // namespace

Q_DECLARE_METATYPE(Series)

class TestTrend : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void robustStats()
    {
        QCOMPARE(medianOf({ 3, 1, 2 }), 2.0);
        QCOMPARE(medianOf({ 4, 1, 3, 2 }), 2.5);
        QVERIFY(std::isnan(medianOf({})));
        QCOMPARE(quantileOf({ 1, 2, 3, 4, 5 }, 0.9), 4.6);
        QCOMPARE(quantileOf({ 7 }, 0.9), 7.0);
        QCOMPARE(madOf({ 1, 1, 2, 2, 4, 6, 9 }), 1.4826);
        QVERIFY(std::abs(normalQuantile(0.975) - 1.959964) < 1e-6);
        QVERIFY(std::abs(normalQuantile(0.5)) < 1e-9);
        QVERIFY(std::isnan(normalQuantile(1.0)));
    }

    void slope_data()
    {
        QTest::addColumn<Series>("series");
        QTest::addColumn<int>("inputPoints");
        QTest::addColumn<double>("slope"); // per hour, NaN = no slope
        QTest::addColumn<double>("low");
        QTest::addColumn<double>("high");
        QTest::addColumn<double>("level"); // median of the last 5 values (levelMinPoints) here
        QTest::addColumn<double>("noise");

        auto hours = [](std::initializer_list<double> ys) {
            Series s;
            int i = 0;
            for (double y : ys) {
                s.t.push_back(kT0 + i++ * kHour);
                s.y.push_back(y);
            }
            return s;
        };

        QTest::addRow("empty") << Series {} << 0 << kNaN << kNaN << kNaN << kNaN << kNaN;
        QTest::addRow("one point") << hours({ 7 }) << 1 << kNaN << kNaN << kNaN << 7.0 << 0.0;
        QTest::addRow("two points") << hours({ 1, 4 }) << 2 << 3.0 << 3.0 << 3.0 << 2.5 << 0.0;
        QTest::addRow("constant") << hours({ 5, 5, 5, 5, 5, 5, 5, 5 }) << 8 << 0.0 << 0.0 << 0.0 << 5.0 << 0.0;
        QTest::addRow("exact line") << hours({ 2, 5, 8, 11, 14, 17, 20, 23 }) << 8 << 3.0 << 3.0 << 3.0 << 17.0 << 0.0;
        // Worked by hand (Sen 1968): 45 pair slopes, Var S = (10·9·25 − 2·1·9)/18 = 124 (one tie in y),
        // C = 1.96·sqrt(124) = 21.8, ranks 11.6 → 12th and 33.4 + 1 → 34th.
        QTest::addRow("noisy, worked example")
            << hours({ 1, 3, 2, 5, 4, 4, 7, 6, 9, 8 }) << 10 << 0.8 << 0.5 << 1.0 << 7.0 << 0.7 * 1.4826;
        // A wild outlier does not move the slope.
        QTest::addRow("outlier") << hours({ 0, 1, 2, 3, 1000, 5, 6, 7, 8, 9 }) << 10 << 1.0 << 1.0 << 1.0 << 7.0 << 0.0;
        // NaN (failed polls) are skipped.
        QTest::addRow("gaps") << hours({ 0, kNaN, 2, kNaN, 4, 5, kNaN, 7 }) << 5 << 1.0 << 1.0 << 1.0 << 4.0 << 0.0;
        {
            // Duplicate times: pairs with equal times are skipped; the other slopes are 1, 3, −1, 1.
            Series s;
            s.t = { kT0, kT0, kT0 + kHour, kT0 + kHour };
            s.y = { 0, 2, 1, 3 };
            QTest::addRow("duplicate times") << s << 4 << 1.0 << -1.0 << 3.0 << 1.5 << 1.4826;
        }
        {
            // Unsorted input is sorted first.
            Series s;
            s.t = { kT0 + 2 * kHour, kT0, kT0 + kHour };
            s.y = { 4, 0, 2 };
            QTest::addRow("unsorted") << s << 3 << 2.0 << 2.0 << 2.0 << 2.0 << 0.0;
        }
    }

    void slope()
    {
        QFETCH(Series, series);
        QFETCH(int, inputPoints);
        QFETCH(double, slope);
        QFETCH(double, low);
        QFETCH(double, high);
        QFETCH(double, level);
        QFETCH(double, noise);

        const Trend trend = Trend::compute(series.t, series.y, kT0, kT0 + 100 * kHour);
        QCOMPARE(trend.inputPoints, inputPoints);
        auto same = [](double actual, double expected) {
            if (std::isnan(expected))
                return std::isnan(actual);
            return std::abs(actual - expected) < 1e-9;
        };
        QVERIFY2(same(trend.slopePerHour, slope), qPrintable(QString::number(trend.slopePerHour)));
        QVERIFY2(same(trend.slopeLowPerHour, low), qPrintable(QString::number(trend.slopeLowPerHour)));
        QVERIFY2(same(trend.slopeHighPerHour, high), qPrintable(QString::number(trend.slopeHighPerHour)));
        QVERIFY2(same(trend.level, level), qPrintable(QString::number(trend.level)));
        QVERIFY2(same(trend.noise, noise), qPrintable(QString::number(trend.noise)));
        QCOMPARE(trend.hasSlope(), !std::isnan(slope));
    }

    void windowLimits()
    {
        Series s;
        for (int i = 0; i < 10; ++i) {
            s.t.push_back(kT0 + i * kHour);
            s.y.push_back(i < 5 ? 0.0 : 10.0 * (i - 4)); // flat, then steep
        }
        const Trend early = Trend::compute(s.t, s.y, kT0, kT0 + 4 * kHour);
        QCOMPARE(early.inputPoints, 5);
        QCOMPARE(early.slopePerHour, 0.0);
        const Trend late = Trend::compute(s.t, s.y, kT0 + 5 * kHour, kT0 + 9 * kHour);
        QCOMPARE(late.inputPoints, 5);
        QCOMPARE(late.slopePerHour, 10.0);
        QCOMPARE(late.firstMs, kT0 + 5 * kHour);
        QCOMPARE(late.coverageSeconds(), 4 * 3600.0);
        QCOMPARE(late.lineAt(kT0 + 7 * kHour), 30.0);
    }

    void reduction_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("maxPoints");
        QTest::addColumn<int>("expectedUsed");
        QTest::addRow("small series untouched") << 100 << 600 << 100;
        QTest::addRow("exactly max") << 600 << 600 << 600;
        QTest::addRow("one second polls for 12 h") << 43200 << 600 << 600;
        QTest::addRow("tiny max") << 1000 << 10 << 10;
    }

    void reduction()
    {
        QFETCH(int, count);
        QFETCH(int, maxPoints);
        QFETCH(int, expectedUsed);
        // y = 8 + 0.5/h·t + an alternating ±1 wiggle.
        Series s;
        for (int i = 0; i < count; ++i) {
            s.t.push_back(kT0 + i * 1000LL);
            s.y.push_back(8.0 + 0.5 * i / 3600.0 + (i % 2 == 0 ? 1.0 : -1.0));
        }
        TrendOptions options;
        options.maxPoints = maxPoints;
        const Trend trend = Trend::compute(s.t, s.y, kT0, kT0 + count * 1000LL, options);
        QCOMPARE(trend.inputPoints, count);
        QCOMPARE(trend.pointsUsed, expectedUsed);
        QVERIFY2(std::abs(trend.slopePerHour - 0.5) < 0.05, qPrintable(QString::number(trend.slopePerHour)));
        QVERIFY(trend.slopeLowPerHour <= 0.5 && trend.slopeHighPerHour >= 0.5);
        QVERIFY2(std::abs(trend.noise - 1.4826) < 0.01, qPrintable(QString::number(trend.noise)));
    }

    void reduceBuckets()
    {
        // Ten points in 0..9 s, reduced to 2 buckets of 4.5 s: [0..4] and [5..9], medians 2 and 7.
        std::vector<TrendPoint> points;
        for (int i = 0; i < 10; ++i)
            points.push_back({ kT0 + i * 1000LL, static_cast<double>(i * i) });
        const auto reduced = Trend::reduce(points, 2);
        QCOMPARE(reduced.size(), std::size_t(2));
        QCOMPARE(reduced[0].tMs, kT0 + 2000);
        QCOMPARE(reduced[0].y, 4.0);
        QCOMPARE(reduced[1].tMs, kT0 + 7000);
        QCOMPARE(reduced[1].y, 49.0);
        // All at one time: a single bucket.
        std::vector<TrendPoint> same(5, TrendPoint { kT0, 3.0 });
        QCOMPARE(Trend::reduce(same, 2).size(), std::size_t(1));
    }

    void confidenceLevel()
    {
        Series s;
        for (int i = 0; i < 200; ++i) {
            s.t.push_back(kT0 + i * 60'000LL);
            s.y.push_back(10.0 + ((i * 7919) % 11) - 5.0); // deterministic scatter around a flat line
        }
        TrendOptions narrow;
        narrow.confidence = 0.5;
        TrendOptions wide;
        wide.confidence = 0.99;
        const Trend a = Trend::compute(s.t, s.y, kT0, kT0 + 1000 * 60'000LL, narrow);
        const Trend b = Trend::compute(s.t, s.y, kT0, kT0 + 1000 * 60'000LL, wide);
        QCOMPARE(a.slopePerHour, b.slopePerHour);
        QVERIFY(b.slopeLowPerHour < a.slopeLowPerHour);
        QVERIFY(b.slopeHighPerHour > a.slopeHighPerHour);
        QVERIFY(b.slopeLowPerHour < 0.0 && b.slopeHighPerHour > 0.0);
    }
};

QTEST_GUILESS_MAIN(TestTrend)
#include "tst_trend.moc"
