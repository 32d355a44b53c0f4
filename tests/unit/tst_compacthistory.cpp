#include "store/BlockedColumn.h"
#include "store/ColumnView.h"
#include "store/Decimation.h"
#include "store/GorillaBlock.h"
#include "store/TargetHistory.h"

#include <QTest>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace poolscope;

namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double Inf = std::numeric_limits<double>::infinity();
constexpr qint64 kT0 = 1'795'000'000'000;

using Doubles = std::vector<double>;
using Ints = std::vector<qint64>;

bool sameBits(const Doubles& a, const Doubles& b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::bit_cast<quint64>(a[i]) != std::bit_cast<quint64>(b[i]))
            return false;
    }
    return true;
}

Doubles series(int n, auto&& f)
{
    Doubles v;
    for (int i = 0; i < n; ++i)
        v.push_back(f(i));
    return v;
}

BlockedColumn<double> columnOf(const Doubles& values)
{
    BlockedColumn<double> c;
    for (const double v : values)
        c.append(v);
    return c;
}

BlockedColumn<qint64> columnOf(const Ints& values)
{
    BlockedColumn<qint64> c;
    for (const qint64 v : values)
        c.append(v);
    return c;
}

// The reference: a route keeps the first and the last point of a run of polls with the same counters.
std::vector<RoutePoint> uncompressedRoute(const std::vector<RoutePoint>& polls)
{
    auto same = [](const RouteStats& a, const RouteStats& b) {
        auto eq = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
        return eq(a.acquired, b.acquired) && eq(a.released, b.released) && eq(a.active, b.active)
            && eq(a.leaks, b.leaks);
    };
    std::vector<RoutePoint> points;
    for (const RoutePoint& p : polls) {
        const std::size_t n = points.size();
        if (n >= 2 && same(points[n - 1].stats, p.stats) && same(points[n - 2].stats, p.stats))
            points[n - 1].tMs = p.tMs;
        else
            points.push_back(p);
    }
    return points;
}

Sample sampleAt(qint64 t, double checkedOut, double tracked, const QString& error = {})
{
    Sample s;
    s.target = QStringLiteral("web");
    s.timestampMs = t;
    s.latencyMs = error.isEmpty() ? 3 + (t / 1000) % 5 : -1;
    s.error = error;
    if (error.isEmpty()) {
        s.metrics.set(Metric::CheckedOut, checkedOut);
        s.metrics.set(Metric::Tracked, tracked);
        s.metrics.set(Metric::Discrepancy, checkedOut - tracked);
        s.metrics.set(Metric::PoolMax, 20);
    }
    return s;
}
} // namespace

class TestCompactHistory : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void valuesRoundTrip_data()
    {
        QTest::addColumn<Doubles>("values");
        std::mt19937_64 random(7);
        std::uniform_real_distribution<double> uniform(-1e6, 1e6);
        QTest::newRow("random doubles") << series(1000, [&](int) { return uniform(random); });
        QTest::newRow("constant") << series(1000, [](int) { return 12.0; });
        QTest::newRow("counter") << series(1000, [](int i) { return 1000.0 + 7.0 * i + (i % 3); });
        QTest::newRow("gauge") << series(1000, [](int i) { return double((i / 40) % 6); });
        QTest::newRow("nan runs") << series(1000, [](int i) { return (i / 50) % 2 ? NaN : double(i % 7); });
        QTest::newRow("all nan") << series(600, [](int) { return NaN; });
        QTest::newRow("nan payloads") << series(
            300, [](int i) { return std::bit_cast<double>(quint64(0x7ff8000000000000ULL) | quint64(i % 4)); });
        QTest::newRow("infinities") << series(300, [](int i) { return i % 3 == 0 ? Inf : (i % 3 == 1 ? -Inf : 1.0); });
        QTest::newRow("signed zeros") << series(300, [](int i) { return i % 2 ? -0.0 : 0.0; });
        QTest::newRow("denormals") << series(300, [](int i) { return std::numeric_limits<double>::denorm_min() * i; });
        QTest::newRow("around 2^53") << series(300, [](int i) { return 9007199254740992.0 + 2.0 * (i - 150); });
        QTest::newRow("huge") << series(300, [](int i) { return (i % 2 ? -1 : 1) * 1.7e308 / (i + 1); });
        QTest::newRow("negative") << series(700, [](int i) { return -5.0 * i - 3; });
        QTest::newRow("non-integers") << series(700, [](int i) { return 0.1 * i; });
        QTest::newRow("mixed") << series(900, [](int i) {
            switch (i % 6) {
            case 0:
                return NaN;
            case 1:
                return -0.0;
            case 2:
                return 1e300;
            case 3:
                return double(i);
            case 4:
                return 0.5;
            default:
                return -Inf;
            }
        });
        QTest::newRow("one value") << Doubles { 42.0 };
        QTest::newRow("empty") << Doubles {};
    }
    void valuesRoundTrip()
    {
        QFETCH(Doubles, values);
        const auto column = columnOf(values);
        const ColumnView<double> view(column);
        QCOMPARE(view.size(), values.size());
        QVERIFY(sameBits(view.toVector(), values));
        QVERIFY(sameBits(Doubles(view.begin(), view.end()), values));
        Doubles backwards;
        for (std::size_t i = values.size(); i-- > 0;)
            backwards.push_back(view[i]);
        std::reverse(backwards.begin(), backwards.end());
        QVERIFY(sameBits(backwards, values));
        // Each sealed block on its own.
        for (std::size_t k = 0; k < column.sealedCount(); ++k) {
            Doubles decoded;
            column.sealed(k).decode(decoded);
            const auto from = values.begin() + static_cast<std::ptrdiff_t>(column.blockStart(k));
            QVERIFY(sameBits(decoded, Doubles(from, from + static_cast<std::ptrdiff_t>(decoded.size()))));
        }
    }

    // Integers pack in deltas of deltas, or deltas, noise in XOR: each block keeps the smallest.
    void codecChoice_data()
    {
        QTest::addColumn<Doubles>("values");
        QTest::addColumn<int>("codec");
        QTest::addColumn<int>("maxBytes");
        std::mt19937_64 random(3);
        std::uniform_real_distribution<double> uniform(0, 1);
        std::uniform_int_distribution<int> jitter(-20, 20);
        QTest::newRow("steady counter") << series(256, [](int i) { return 100.0 + 5.0 * i; })
                                        << int(GorillaBlock::Codec::DeltaOfDelta) << 40;
        QTest::newRow("jitter around a level")
            << series(256, [&](int) { return 50.0 + jitter(random); }) << int(GorillaBlock::Codec::Delta) << 320;
        QTest::newRow("noise") << series(256, [&](int) { return uniform(random); }) << int(GorillaBlock::Codec::Xor)
                               << 256 * 8;
        QTest::newRow("constant") << series(256, [](int) { return 3.0; }) << int(GorillaBlock::Codec::Delta) << 40;
    }
    void codecChoice()
    {
        QFETCH(Doubles, values);
        QFETCH(int, codec);
        QFETCH(int, maxBytes);
        const GorillaBlock block = GorillaBlock::encode(std::span<const double>(values));
        QCOMPARE(int(block.codec()), codec);
        QVERIFY2(block.packedBytes() <= std::size_t(maxBytes), qPrintable(QString::number(block.packedBytes())));
        Doubles decoded;
        block.decode(decoded);
        QVERIFY(sameBits(decoded, values));
    }

    void timesRoundTrip_data()
    {
        QTest::addColumn<Ints>("times");
        std::mt19937_64 random(11);
        std::uniform_int_distribution<int> jitter(-40, 40);
        Ints steady, jittered, equal, gaps, extremes;
        for (int i = 0; i < 1500; ++i) {
            steady.push_back(kT0 + 1000LL * i);
            jittered.push_back(kT0 + 1000LL * i + jitter(random));
            equal.push_back(kT0 + 1000LL * (i / 3)); // out-of-order polls that landed on the same ms
            gaps.push_back(kT0 + 1000LL * i + (i > 700 ? 86'400'000LL : 0));
        }
        for (int i = 0; i < 300; ++i)
            extremes.push_back(i % 2 ? std::numeric_limits<qint64>::max() - i : std::numeric_limits<qint64>::min() + i);
        QTest::newRow("steady") << steady;
        QTest::newRow("jittered") << jittered;
        QTest::newRow("equal") << equal;
        QTest::newRow("a day's gap") << gaps;
        QTest::newRow("extremes") << extremes;
        QTest::newRow("negative") << Ints { -5, -4, -4, -1, 0, 3 };
    }
    void timesRoundTrip()
    {
        QFETCH(Ints, times);
        const auto column = columnOf(times);
        const ColumnView<qint64> view(column);
        QCOMPARE(view.toVector(), times);
        QCOMPARE(Ints(view.begin(), view.end()), times);
        if (std::is_sorted(times.begin(), times.end())) {
            for (const qint64 probe : { times.front() - 1, times.front(), times[times.size() / 2] + 1, times.back() }) {
                QCOMPARE(std::upper_bound(view.begin(), view.end(), probe) - view.begin(),
                    std::upper_bound(times.begin(), times.end(), probe) - times.begin());
                QCOMPARE(std::lower_bound(view.begin(), view.end(), probe) - view.begin(),
                    std::lower_bound(times.begin(), times.end(), probe) - times.begin());
            }
        }
    }

    void blockBoundaries_data()
    {
        QTest::addColumn<int>("rows");
        for (const int n : { 1, 255, 256, 257, 511, 512, 513, 1025 })
            QTest::addRow("%d rows", n) << n;
    }
    void blockBoundaries()
    {
        QFETCH(int, rows);
        const Doubles values = series(rows, [](int i) { return double(i * i % 97); });
        const auto column = columnOf(values);
        const std::size_t block = BlockedColumn<double>::kBlockRows;
        // The open block is never empty: a block seals when the next value arrives.
        QCOMPARE(column.sealedCount(), (std::size_t(rows) - 1) / block);
        QCOMPARE(column.openStart(), column.sealedCount() * block);
        const ColumnView<double> view(column);
        QCOMPARE(view.front(), values.front());
        QCOMPARE(view.back(), values.back());
        for (const std::size_t i : { std::size_t(0), block - 1, block, block + 1, 2 * block - 1, 2 * block }) {
            if (i < values.size())
                QCOMPARE(view[i], values[i]);
        }
        QVERIFY(sameBits(view.toVector(), values));
    }

    // A sealed block is immutable: appending (and sealing more) neither moves nor changes its bits.
    void sealedBlocksAreImmutable()
    {
        BlockedColumn<double> column;
        for (int i = 0; i < 300; ++i)
            column.append(i);
        QCOMPARE(column.sealedCount(), std::size_t(1));
        const auto bits = column.sealed(0).bits();
        const std::vector<std::uint8_t> copy(bits.begin(), bits.end());
        const ColumnView<double> view(column);
        QCOMPARE(view[10], 10.0); // decoded into the view's cache
        for (int i = 300; i < 5000; ++i)
            column.append(-i);
        QCOMPARE(column.sealed(0).bits().data(), bits.data());
        QVERIFY(std::equal(copy.begin(), copy.end(), column.sealed(0).bits().begin(), column.sealed(0).bits().end()));
        QCOMPARE(view[11], 11.0);
        QCOMPARE(view.size(), std::size_t(300)); // a view keeps the size it was made with
    }

    void dropFront_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("drop");
        QTest::newRow("none") << 1000 << 0;
        QTest::newRow("inside the first block") << 1000 << 100;
        QTest::newRow("a whole block") << 1000 << 256;
        QTest::newRow("across blocks") << 1000 << 600;
        QTest::newRow("into the open block") << 1000 << 900;
        QTest::newRow("all") << 1000 << 1000;
    }
    void dropFront()
    {
        QFETCH(int, rows);
        QFETCH(int, drop);
        Doubles values = series(rows, [](int i) { return i % 10 == 0 ? NaN : double(i); });
        auto column = columnOf(values);
        column.dropFront(std::size_t(drop));
        values.erase(values.begin(), values.begin() + drop);
        QVERIFY(sameBits(ColumnView<double>(column).toVector(), values));
        // Appending after the drop keeps rows in place.
        for (int i = 0; i < 700; ++i) {
            column.append(0.5 * i);
            values.push_back(0.5 * i);
        }
        QVERIFY(sameBits(ColumnView<double>(column).toVector(), values));
    }

    // The chart decimates the compact columns exactly as it did the plain vectors.
    void decimationIsUnchanged_data()
    {
        QTest::addColumn<Doubles>("values");
        QTest::addColumn<int>("columns");
        QTest::addColumn<qint64>("from");
        QTest::addColumn<qint64>("to");
        std::mt19937 random(5);
        std::uniform_int_distribution<int> level(0, 30);
        const Doubles noisy = series(5000, [&](int) { return double(level(random)); });
        const Doubles gappy
            = series(5000, [&](int i) { return i % 97 < 5 || i % 13 == 0 ? NaN : double(level(random)); });
        QTest::newRow("all, 800 px") << noisy << 800 << kT0 << kT0 + 5'000'000;
        QTest::newRow("all, 3 px") << noisy << 3 << kT0 << kT0 + 5'000'000;
        QTest::newRow("zoomed") << noisy << 500 << kT0 + 1'000'000 << kT0 + 1'300'000;
        QTest::newRow("gaps") << gappy << 640 << kT0 << kT0 + 5'000'000;
        QTest::newRow("gaps, 7 px") << gappy << 7 << kT0 + 10'000 << kT0 + 4'000'000;
        QTest::newRow("beyond") << gappy << 100 << kT0 + 6'000'000 << kT0 + 7'000'000;
    }
    void decimationIsUnchanged()
    {
        QFETCH(Doubles, values);
        QFETCH(int, columns);
        QFETCH(qint64, from);
        QFETCH(qint64, to);
        Ints times;
        for (std::size_t i = 0; i < values.size(); ++i)
            times.push_back(kT0 + 1000 * qint64(i));
        const auto t = columnOf(times);
        const auto v = columnOf(values);
        const Segments expected
            = decimate(std::span<const qint64>(times), std::span<const double>(values), from, to, columns);
        const Segments actual = decimate(ColumnView<qint64>(t), ColumnView<double>(v), from, to, columns);
        QCOMPARE(actual, expected);
    }

    void routeUnchangedCostsNothing()
    {
        TargetHistory history;
        const QList<RouteStats> routes { RouteStats { QStringLiteral("/idle"), 5, 5, 0, 0 } };
        std::size_t bytesAfterWarmup = 0;
        for (int i = 0; i < 20'000; ++i) {
            Sample s = sampleAt(kT0 + 1000 * i, 3, 3);
            s.routes = routes;
            history.append(s);
            if (i == 10)
                bytesAfterWarmup = history.routes().front().memoryBytes();
        }
        const RouteSeries& route = history.routes().front();
        QCOMPARE(route.size(), std::size_t(2)); // the first and the last poll of the run
        QCOMPARE(route.memoryBytes(), bytesAfterWarmup);
        QCOMPARE(route.point(1).tMs, kT0 + 1000 * 19'999);
    }

    void routeKeepsRunEnds_data()
    {
        QTest::addColumn<int>("seed");
        QTest::newRow("a") << 1;
        QTest::newRow("b") << 2;
        QTest::newRow("c") << 3;
    }
    void routeKeepsRunEnds()
    {
        QFETCH(int, seed);
        std::mt19937 random(static_cast<unsigned>(seed));
        std::uniform_int_distribution<int> change(0, 3);
        std::vector<RoutePoint> polls;
        double acquired = 0, released = 0;
        for (int i = 0; i < 2000; ++i) {
            if (change(random) == 0)
                acquired += 1 + change(random);
            if (change(random) == 0)
                released = acquired;
            polls.push_back({ kT0 + 500 * i,
                RouteStats { QStringLiteral("/r"), acquired, released, i % 300 < 5 ? NaN : acquired - released, 0 } });
        }
        TargetHistory history;
        for (const auto& p : polls) {
            Sample s = sampleAt(p.tMs, 3, 3);
            s.routes = { p.stats };
            history.append(s);
        }
        const RouteSeries& series = history.routes().front();
        const auto expected = uncompressedRoute(polls);
        const auto actual = series.points();
        QCOMPARE(actual.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            QCOMPARE(actual[i].tMs, expected[i].tMs);
            QCOMPARE(actual[i].stats.name, QStringLiteral("/r"));
            QVERIFY(sameBits(
                { actual[i].stats.acquired, actual[i].stats.released, actual[i].stats.active, actual[i].stats.leaks },
                { expected[i].stats.acquired, expected[i].stats.released, expected[i].stats.active,
                    expected[i].stats.leaks }));
        }
        const qint64 at = polls[1234].tMs;
        const auto last = series.pointAtOrBefore(at);
        QVERIFY(last.has_value());
        const auto before
            = std::find_if(expected.rbegin(), expected.rend(), [&](const RoutePoint& p) { return p.tMs <= at; });
        QCOMPARE(last->tMs, before->tMs);
        QCOMPARE(series.points(polls[100].tMs, polls[200].tMs).size(),
            std::size_t(std::count_if(expected.begin(), expected.end(),
                [&](const RoutePoint& p) { return p.tMs >= polls[100].tMs && p.tMs <= polls[200].tMs; })));
    }

    void targetHistoryRoundTrip()
    {
        TargetHistory history;
        std::vector<Sample> samples;
        for (int i = 0; i < 3000; ++i) {
            const QString error = (i / 100) % 7 == 3 ? QStringLiteral("connection refused") : QString();
            samples.push_back(sampleAt(kT0 + 1000 * i + (i % 3), 5 + (i / 60) % 4, 5 + (i / 90) % 3, error));
            history.append(samples.back());
        }
        QCOMPARE(history.size(), samples.size());
        const auto times = history.times();
        const auto checkedOut = history.column(Metric::CheckedOut);
        const auto idle = history.column(Metric::PoolIdle);
        const auto latencies = history.latencies();
        for (std::size_t row = 0; row < samples.size(); ++row) {
            const Sample& s = samples[row];
            QCOMPARE(times[row], s.timestampMs);
            QCOMPARE(history.ok(row), s.ok());
            QCOMPARE(history.error(row), s.error);
            QCOMPARE(latencies[row], s.latencyMs);
            QVERIFY(sameBits({ checkedOut[row], idle[row] },
                { s.ok() ? s.metrics[Metric::CheckedOut] : kAbsent, s.ok() ? s.metrics[Metric::PoolIdle] : kAbsent }));
        }
        for (const std::size_t row : { std::size_t(0), std::size_t(255), std::size_t(256), std::size_t(2999) }) {
            QCOMPARE(history.rowAtOrBefore(samples[row].timestampMs), std::ptrdiff_t(row));
            QCOMPARE(history.rowAtOrBefore(samples[row].timestampMs - 1), std::ptrdiff_t(row) - 1);
        }
        QCOMPARE(history.rowAtOrBefore(kT0 + 10'000'000), std::ptrdiff_t(samples.size()) - 1);

        // The agent's trim: rows, counts and the errors' row numbers follow.
        const qint64 cutoff = samples[1000].timestampMs;
        history.dropBefore(cutoff);
        QCOMPARE(history.size(), samples.size() - 1000);
        QCOMPARE(history.times().front(), cutoff);
        for (std::size_t row = 0; row < history.size(); ++row)
            QCOMPARE(history.error(row), samples[row + 1000].error);
        QCOMPARE(history.column(Metric::Tracked)[5], samples[1005].metrics[Metric::Tracked]);
    }

    // memoryBytes counts what the columns hold: far below 8 bytes a value for the counters a pool reports.
    void memoryIsCompact()
    {
        TargetHistory history;
        for (int i = 0; i < 20'000; ++i)
            history.append(sampleAt(kT0 + 1000 * i, 5 + (i / 60) % 4, 5 + (i / 90) % 3));
        const double perRow = double(history.memoryBytes()) / double(history.size());
        QVERIFY2(perRow < kMetricCount * 2.0, qPrintable(QString::number(perRow)));
        QVERIFY(perRow > 0);
    }
};

QTEST_GUILESS_MAIN(TestCompactHistory)
#include "tst_compacthistory.moc"
