#include "store/Decimation.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <vector>

using namespace poolscope;

namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// Every x of every segment, in output order.
std::vector<double> allX(const Segments& segments)
{
    std::vector<double> xs;
    for (const auto& segment : segments) {
        for (const auto& p : segment)
            xs.push_back(p.x());
    }
    return xs;
}
} // namespace

class TestDecimation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void empty()
    {
        const std::vector<qint64> t;
        const std::vector<double> v;
        QVERIFY(decimate(t, v, 0, 1000, 100).isEmpty());
    }

    void allNaN()
    {
        const std::vector<qint64> t { 0, 10, 20, 30 };
        const std::vector<double> v(4, NaN);
        QVERIFY(decimate(t, v, 0, 30, 10).isEmpty());
    }

    void fewPointsUnchanged()
    {
        const std::vector<qint64> t { 0, 100, 200, 300 };
        const std::vector<double> v { 1, 5, 2, 7 };
        const auto segments = decimate(t, v, 0, 300, 1000);
        QCOMPARE(segments.size(), 1);
        QCOMPARE(segments[0].size(), 4);
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(segments[0][i].x(), double(t[std::size_t(i)]));
            QCOMPARE(segments[0][i].y(), v[std::size_t(i)]);
        }
    }

    void gapsSplitSegments()
    {
        // ok ok FAIL ok ok FAIL FAIL ok
        const std::vector<qint64> t { 0, 1000, 2000, 3000, 4000, 5000, 6000, 7000 };
        const std::vector<double> v { 1, 2, NaN, 4, 5, NaN, NaN, 8 };
        const auto segments = decimate(t, v, 0, 7000, 800);
        QCOMPARE(segments.size(), 3);
        QCOMPARE(segments[0], (QList<QPointF> { { 0, 1 }, { 1000, 2 } }));
        QCOMPARE(segments[1], (QList<QPointF> { { 3000, 4 }, { 4000, 5 } }));
        QCOMPARE(segments[2], (QList<QPointF> { { 7000, 8 } }));
    }

    void gapInsideOneColumnIsNotBridged()
    {
        // Everything falls into one pixel column: the NaN must still split the line.
        const std::vector<qint64> t { 0, 1, 2, 3, 4 };
        const std::vector<double> v { 1, 9, NaN, 3, 4 };
        const auto segments = decimate(t, v, 0, 1000, 1);
        QCOMPARE(segments.size(), 2);
        QCOMPARE(segments[0].last().x(), 1.0);
        QCOMPARE(segments[1].first().x(), 3.0);
    }

    void includesNeighboursOutsideRange()
    {
        const std::vector<qint64> t { 0, 100, 200, 300, 400, 500 };
        const std::vector<double> v { 0, 1, 2, 3, 4, 5 };
        const auto segments = decimate(t, v, 250, 350, 100);
        QCOMPARE(segments.size(), 1);
        QCOMPARE(segments[0], (QList<QPointF> { { 200, 2 }, { 300, 3 }, { 400, 4 } }));
    }

    void gapJustBeforeRangeKeepsEdgeEmpty()
    {
        const std::vector<qint64> t { 0, 100, 200, 300 };
        const std::vector<double> v { 0, NaN, 2, 3 };
        const auto segments = decimate(t, v, 150, 300, 100);
        QCOMPARE(segments.size(), 1);
        QCOMPARE(segments[0].first(), QPointF(200, 2));
    }

    void millionPointsBounded_data()
    {
        QTest::addColumn<int>("columns");
        QTest::addColumn<int>("gapEvery");
        QTest::addRow("800 columns, no gaps") << 800 << 0;
        QTest::addRow("800 columns, gap every 1000") << 800 << 1000;
        QTest::addRow("1920 columns, gap every 3") << 1920 << 3;
        QTest::addRow("1 column, gap every 2") << 1 << 2;
    }
    void millionPointsBounded()
    {
        QFETCH(int, columns);
        QFETCH(int, gapEvery);
        constexpr int n = 1'000'000;
        std::vector<qint64> t(n);
        std::vector<double> v(n);
        for (int i = 0; i < n; ++i) {
            t[std::size_t(i)] = qint64(i) * 1000;
            v[std::size_t(i)]
                = (gapEvery > 0 && i % gapEvery == gapEvery - 1) ? NaN : std::sin(i * 0.001) * 50 + (i % 7);
        }
        const auto segments = decimate(t, v, t.front(), t.back(), columns);
        QVERIFY(!segments.isEmpty());
        QVERIFY2(pointCount(segments) <= 12 * (columns + 2), qPrintable(QString::number(pointCount(segments))));
        QVERIFY(segments.size() <= 2 * (columns + 2));
        for (const auto& segment : segments) {
            for (const auto& p : segment)
                QVERIFY(!std::isnan(p.y()));
        }
    }

    void exactMinMaxPerColumn()
    {
        constexpr int n = 100'000;
        constexpr int columns = 100;
        std::vector<qint64> t(n);
        std::vector<double> v(n);
        for (int i = 0; i < n; ++i) {
            t[std::size_t(i)] = i;
            v[std::size_t(i)] = double((i * 7919) % 1013) - 500; // pseudo-random
        }
        const auto segments = decimate(t, v, 0, n - 1, columns);
        QCOMPARE(segments.size(), 1);
        // Per column, the output's min and max equal the input's.
        const qint64 span = n - 1;
        std::vector<double> inMin(columns, 1e300), inMax(columns, -1e300), outMin(columns, 1e300),
            outMax(columns, -1e300);
        const auto columnOf = [&](qint64 x) { return int(std::min<qint64>(x * columns / span, columns - 1)); };
        for (int i = 0; i < n; ++i) {
            const int c = columnOf(t[std::size_t(i)]);
            inMin[std::size_t(c)] = std::min(inMin[std::size_t(c)], v[std::size_t(i)]);
            inMax[std::size_t(c)] = std::max(inMax[std::size_t(c)], v[std::size_t(i)]);
        }
        for (const auto& p : segments[0]) {
            const int c = columnOf(qint64(p.x()));
            outMin[std::size_t(c)] = std::min(outMin[std::size_t(c)], p.y());
            outMax[std::size_t(c)] = std::max(outMax[std::size_t(c)], p.y());
        }
        for (int c = 0; c < columns; ++c) {
            QCOMPARE(outMin[std::size_t(c)], inMin[std::size_t(c)]);
            QCOMPARE(outMax[std::size_t(c)], inMax[std::size_t(c)]);
        }
        QVERIFY(segments[0].size() <= 4 * columns);
    }

    void orderPreserved()
    {
        constexpr int n = 50'000;
        std::vector<qint64> t(n);
        std::vector<double> v(n);
        for (int i = 0; i < n; ++i) {
            t[std::size_t(i)] = qint64(i) * 10;
            v[std::size_t(i)] = (i % 97 == 0) ? NaN : double((i * 31) % 17);
        }
        const auto xs = allX(decimate(t, v, 0, t.back(), 300));
        QVERIFY(xs.size() > 300);
        for (std::size_t i = 1; i < xs.size(); ++i)
            QVERIFY2(xs[i - 1] < xs[i], qPrintable(QString::number(i)));
    }

    void degenerateRange()
    {
        const std::vector<qint64> t { 5, 5, 5 };
        const std::vector<double> v { 1, 3, 2 };
        const auto segments = decimate(t, v, 5, 5, 0);
        QCOMPARE(segments.size(), 1);
        QCOMPARE(segments[0].size(), 3);
    }
};

QTEST_GUILESS_MAIN(TestDecimation)
#include "tst_decimation.moc"
