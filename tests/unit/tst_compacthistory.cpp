#include "store/BlockedColumn.h"
#include "store/ColumnView.h"
#include "store/Decimation.h"
#include "store/GorillaBlock.h"
#include "store/RouteBlock.h"
#include "store/TargetHistory.h"

#include <QTest>

#include <algorithm>
#include <bit>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
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

// The reference of a route's history: every poll's point, a run of the same counters kept as its first and last
// poll, dropBefore keeping the last point before the cutoff.
class ReferenceRoute
{
public:
    void append(const RoutePoint& p)
    {
        auto same = [](const RouteStats& a, const RouteStats& b) {
            auto eq = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
            return eq(a.acquired, b.acquired) && eq(a.released, b.released) && eq(a.active, b.active)
                && eq(a.leaks, b.leaks);
        };
        const std::size_t n = points.size();
        if (n >= 2 && same(points[n - 1].stats, p.stats) && same(points[n - 2].stats, p.stats))
            points[n - 1].tMs = p.tMs;
        else
            points.push_back(p);
    }
    void dropBefore(qint64 cutoffMs)
    {
        const auto first
            = std::find_if(points.begin(), points.end(), [&](const RoutePoint& p) { return p.tMs >= cutoffMs; });
        if (first - points.begin() >= 2)
            points.erase(points.begin(), first - 1);
    }
    std::vector<RoutePoint> between(qint64 fromMs, qint64 toMs) const
    {
        std::vector<RoutePoint> out;
        std::copy_if(points.begin(), points.end(), std::back_inserter(out),
            [&](const RoutePoint& p) { return p.tMs >= fromMs && p.tMs <= toMs; });
        return out;
    }
    std::optional<RoutePoint> atOrBefore(qint64 tMs) const
    {
        const auto it = std::find_if(points.rbegin(), points.rend(), [&](const RoutePoint& p) { return p.tMs <= tMs; });
        return it == points.rend() ? std::nullopt : std::optional<RoutePoint>(*it);
    }

    std::vector<RoutePoint> points;
};

bool samePoint(const RoutePoint& a, const RoutePoint& b)
{
    return a.tMs == b.tMs && a.stats.name == b.stats.name
        && sameBits({ a.stats.acquired, a.stats.released, a.stats.active, a.stats.leaks },
            { b.stats.acquired, b.stats.released, b.stats.active, b.stats.leaks });
}

QString describe(const RoutePoint& p)
{
    return QStringLiteral("%1 @%2: %3 %4 %5 %6")
        .arg(p.stats.name)
        .arg(p.tMs)
        .arg(p.stats.acquired)
        .arg(p.stats.released)
        .arg(p.stats.active)
        .arg(p.stats.leaks);
}

// Compares every read of a route with the reference; returns what differs first, empty when nothing does.
QString compareRoute(const RouteSeries& series, const ReferenceRoute& reference, std::mt19937& random)
{
    const auto& expected = reference.points;
    if (series.size() != expected.size())
        return QStringLiteral("%1: %2 points, expected %3").arg(series.name).arg(series.size()).arg(expected.size());
    const auto all = series.points();
    for (std::size_t i = 0; i < expected.size(); ++i) {
        if (!samePoint(all[i], expected[i]))
            return QStringLiteral("points()[%1] is %2, expected %3")
                .arg(i)
                .arg(describe(all[i]), describe(expected[i]));
    }
    if (expected.empty())
        return {};
    std::uniform_int_distribution<std::size_t> index(0, expected.size() - 1);
    std::vector<std::size_t> probes { 0, expected.size() - 1 };
    for (const std::size_t edge : { 63, 64, 65, 1023, 1024, 1025, 1087, 1088, 2047, 2048 }) {
        if (edge < expected.size())
            probes.push_back(edge);
    }
    for (int k = 0; k < 20; ++k)
        probes.push_back(index(random));
    for (const std::size_t i : probes) {
        if (!samePoint(series.point(i), expected[i]))
            return QStringLiteral("point(%1) is %2, expected %3")
                .arg(i)
                .arg(describe(series.point(i)), describe(expected[i]));
    }
    const qint64 first = expected.front().tMs, last = expected.back().tMs;
    std::uniform_int_distribution<qint64> when(first - 5000, last + 5000);
    for (int k = 0; k < 12; ++k) {
        qint64 from = when(random), to = when(random);
        if (k == 0)
            from = std::numeric_limits<qint64>::min(), to = first; // the first point alone
        if (from > to)
            std::swap(from, to);
        const auto actual = series.points(from, to);
        const auto wanted = reference.between(from, to);
        if (actual.size() != wanted.size())
            return QStringLiteral("points(%1, %2): %3 points, expected %4")
                .arg(from)
                .arg(to)
                .arg(actual.size())
                .arg(wanted.size());
        for (std::size_t i = 0; i < wanted.size(); ++i) {
            if (!samePoint(actual[i], wanted[i]))
                return QStringLiteral("points(%1, %2)[%3] differs").arg(from).arg(to).arg(i);
        }
        for (const qint64 t : { from, to, first - 1, first, last }) {
            const auto a = series.pointAtOrBefore(t);
            const auto b = reference.atOrBefore(t);
            if (a.has_value() != b.has_value() || (a && !samePoint(*a, *b)))
                return QStringLiteral("pointAtOrBefore(%1) differs").arg(t);
        }
    }
    return {};
}

// A route's counters over polls, by kind of series; `i` counts the route's polls.
struct RouteScript
{
    QString kind;
    std::mt19937_64 random;
    double acquired = 10'000, released = 9'998, active = 2, leaks = 3;

    RouteStats next(const QString& name, int i)
    {
        auto pick = [&](int lo, int hi) { return double(std::uniform_int_distribution<int>(lo, hi)(random)); };
        if (kind == QLatin1String("busy")) {
            acquired += pick(1, 4), active = pick(0, 1), released = acquired - active;
        } else if (kind == QLatin1String("sparse")) { // idle runs, changes now and then
            if (pick(0, 20) == 0)
                acquired += pick(1, 3), active = pick(0, 2), released = acquired - active;
        } else if (kind == QLatin1String("resets")) { // the service restarts: counters back to 0
            acquired += pick(0, 50), active = pick(0, 5), released = acquired - active;
            if (i % 700 == 699)
                acquired = released = active = 0;
        } else if (kind == QLatin1String("absent")) { // fields the service does not report
            acquired += pick(0, 2), released = kAbsent, active = i % 300 < 10 ? kAbsent : pick(0, 3), leaks = kAbsent;
        } else if (kind == QLatin1String("fractions")) { // rates, not counters
            acquired += pick(0, 40) / 7.0, released = acquired * 0.999, active = pick(0, 3) * 0.25, leaks = 0.1;
        } else if (kind == QLatin1String("huge")) { // around 2^53 and beyond, infinities, -0.0
            const double big = 9007199254740992.0;
            acquired = big - 3000 + 2 * i, released = i % 5 ? 1e300 + i * 1e285 : -0.0,
            active = i % 97 == 0 ? std::numeric_limits<double>::infinity() : pick(-1'000'000'000, 1'000'000'000),
            leaks = i % 2 ? -big : big;
        } else { // "random": any bits
            std::uniform_int_distribution<quint64> bits;
            acquired = std::bit_cast<double>(bits(random)), released = std::bit_cast<double>(bits(random));
            active = pick(-5, 5), leaks = std::bit_cast<double>(bits(random));
        }
        return RouteStats { name, acquired, released, active, leaks };
    }
};

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

    // Routes read back exactly, whatever their counters: integers, NaN, fractions, huge values, counter resets,
    // routes that appear, go away, come back or stay idle; across block boundaries, failed polls, copies, moves
    // and dropBefore (twice, the second time with a kept point whose poll is gone).
    void routesRoundTrip_data()
    {
        QTest::addColumn<QString>("kind");
        for (const char* kind : { "busy", "sparse", "resets", "absent", "fractions", "huge", "random" })
            QTest::newRow(kind) << QString::fromLatin1(kind);
    }
    void routesRoundTrip()
    {
        QFETCH(QString, kind);
        std::mt19937 random(static_cast<unsigned>(qHash(kind)));
        std::uniform_int_distribution<int> jitter(-30, 30);
        const QStringList names { QStringLiteral("/always"), QStringLiteral("/late"), QStringLiteral("/gone"),
            QStringLiteral("/comes-and-goes"), QStringLiteral("/idle") };
        std::vector<RouteScript> scripts;
        for (int r = 0; r < names.size(); ++r)
            scripts.push_back(RouteScript { r == 4 ? QStringLiteral("idle") : kind, std::mt19937_64(r + 1) });
        std::vector<int> polls(names.size(), 0);
        std::vector<ReferenceRoute> reference(names.size());
        TargetHistory history;
        TargetHistory* into = &history;
        int tick = 0;
        auto run = [&](int count) {
            for (int k = 0; k < count; ++k, ++tick) {
                const qint64 t = kT0 + 1000LL * tick + jitter(random);
                const bool failed = tick % 400 == 17;
                Sample s = sampleAt(t, 3, 3, failed ? QStringLiteral("connection refused") : QString());
                for (int r = 0; r < names.size(); ++r) {
                    const bool present = r == 0 || (r == 1 && tick >= 900) || (r == 2 && tick < 1500)
                        || (r == 3 && (tick / 250) % 2 == 0) || r == 4;
                    if (!present || failed)
                        continue;
                    const RouteStats stats = scripts[std::size_t(r)].kind == QLatin1String("idle")
                        ? RouteStats { names[r], 7, 7, 0, 0 }
                        : scripts[std::size_t(r)].next(names[r], polls[std::size_t(r)]++);
                    s.routes.append(stats);
                    reference[std::size_t(r)].append(RoutePoint { t, stats });
                }
                into->append(s);
            }
        };
        auto check = [&](const TargetHistory& h, const char* when, const std::vector<ReferenceRoute>& expected) {
            for (int r = 0; r < names.size(); ++r) {
                const RouteSeries* series = h.route(names[r]);
                QVERIFY2(series, qPrintable(names[r]));
                const QString difference = compareRoute(*series, expected[std::size_t(r)], random);
                QVERIFY2(
                    difference.isEmpty(), qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(when), difference)));
            }
        };
        run(3000);
        check(history, "appended", reference);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(history.route(names[4])->size(), std::size_t(2)); // idle: its first and its last poll

        // A copy reads the same and stays apart from the original; a move keeps reading.
        const TargetHistory copy = history;
        const std::vector<ReferenceRoute> copied = reference;
        run(10);
        TargetHistory moved = std::move(history);
        into = &moved;
        check(moved, "moved", reference);
        check(copy, "copied", copied);
        if (QTest::currentTestFailed())
            return;

        // The agent's trim: cut between two polls, then on one, then after more polls.
        for (const qint64 cutoff : { kT0 + 1'234'500LL, kT0 + 2'000'000LL }) {
            moved.dropBefore(cutoff);
            for (auto& r : reference)
                r.dropBefore(cutoff);
            check(moved, "dropped", reference);
            if (QTest::currentTestFailed())
                return;
        }
        run(1500);
        check(moved, "appended after dropping", reference);
        if (QTest::currentTestFailed())
            return;
        moved.dropBefore(kT0 + 4'400'000);
        for (auto& r : reference)
            r.dropBefore(kT0 + 4'400'000);
        check(moved, "dropped again", reference);
    }

    // The coding on its own: every block re-reads bit for bit, whichever codes it chose.
    void routeBlockRoundTrip_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("rows");
        for (const char* kind : { "busy", "sparse", "resets", "absent", "fractions", "huge", "random" }) {
            for (const int rows : { 1, 2, 3, 64, 1024 })
                QTest::addRow("%s, %d rows", kind, rows) << QString::fromLatin1(kind) << rows;
        }
    }
    void routeBlockRoundTrip()
    {
        QFETCH(QString, kind);
        QFETCH(int, rows);
        RouteScript script { kind, std::mt19937_64(9) };
        std::vector<RouteRow> input;
        std::uint64_t tick = 1'000'000'000'000ULL;
        for (int i = 0; i < rows; ++i) {
            const RouteStats s = script.next(QString(), i);
            tick += i % 50 == 49 ? 3 : 1; // failed polls
            input.push_back(RouteRow { tick, { s.acquired, s.released, s.active, s.leaks } });
        }
        RouteCodes codes;
        const RouteBlock block = RouteBlock::encode(input, 77, &codes);
        QCOMPARE(block.count(), input.size());
        QCOMPARE(block.firstPoint(), 77U);
        std::vector<RouteRow> sealed, open;
        block.decode(sealed);
        // The open block, coded with the codes the sealed one chose, and with the defaults.
        for (const RouteCodes& with : { codes, OpenRouteBlock::defaultCodes() }) {
            OpenRouteBlock o;
            o.start(with, input.front().tick, 0, 0);
            for (const RouteRow& row : input)
                o.append(row);
            o.decode(open);
            QCOMPARE(open.size(), input.size());
            for (std::size_t i = 0; i < input.size(); ++i) {
                QCOMPARE(open[i].tick, input[i].tick);
                QVERIFY(sameBits(Doubles(open[i].counters.begin(), open[i].counters.end()),
                    Doubles(input[i].counters.begin(), input[i].counters.end())));
            }
        }
        QCOMPARE(sealed.size(), input.size());
        for (std::size_t i = 0; i < input.size(); ++i) {
            QCOMPARE(sealed[i].tick, input[i].tick);
            QVERIFY2(sameBits(Doubles(sealed[i].counters.begin(), sealed[i].counters.end()),
                         Doubles(input[i].counters.begin(), input[i].counters.end())),
                qPrintable(QString::number(i)));
        }
    }

    // What the coding is for: a busy route (acquired +1..4 a poll, active 0..1, released = acquired - active) packs
    // its sealed blocks in 3 bits a point and a bit of header; the time is not stored again.
    void busyRouteIsCompact()
    {
        TargetHistory history;
        RouteScript script { QStringLiteral("busy"), std::mt19937_64(1) };
        for (int i = 0; i < 10'000; ++i) {
            Sample s = sampleAt(kT0 + 1000LL * i + (i * 7919) % 41, 3, 3);
            s.routes = { script.next(QStringLiteral("/busy"), i) };
            history.append(s);
        }
        const RouteSeries& route = *history.route(QStringLiteral("/busy"));
        QCOMPARE(route.size(), std::size_t(10'000));
        std::size_t bits = 0, points = 0;
        for (const RouteBlock& block : route.sealedBlocks()) {
            if (block.count() == RouteSeries::kBlockRows)
                bits += block.bits().size() * 8, points += block.count();
        }
        QVERIFY(points >= 8 * RouteSeries::kBlockRows);
        QVERIFY2(bits <= points * 3 + 200 * (points / RouteSeries::kBlockRows),
            qPrintable(QString::number(double(bits) / points)));
        QVERIFY2(route.memoryBytes() < 10'000 * 5 / 8, qPrintable(QString::number(route.memoryBytes())));
    }

    // Sealing more never moves or changes a sealed block's bits.
    void routeSealedBlocksAreImmutable()
    {
        TargetHistory history;
        RouteScript script { QStringLiteral("busy"), std::mt19937_64(2) };
        auto poll = [&](int i) {
            Sample s = sampleAt(kT0 + 1000LL * i, 3, 3);
            s.routes = { script.next(QStringLiteral("/r"), i) };
            history.append(s);
        };
        int i = 0;
        while (history.route(QStringLiteral("/r")) == nullptr
            || history.route(QStringLiteral("/r"))->sealedBlocks().empty())
            poll(i++);
        const RouteBlock& first = history.route(QStringLiteral("/r"))->sealedBlocks().front();
        const auto bits = first.bits();
        const std::vector<std::uint8_t> copy(bits.begin(), bits.end());
        const RoutePoint p = history.route(QStringLiteral("/r"))->point(3);
        for (int k = 0; k < 5000; ++k)
            poll(i++);
        const RouteBlock& again = history.route(QStringLiteral("/r"))->sealedBlocks().front();
        QCOMPARE(again.bits().data(), bits.data());
        QVERIFY(std::equal(copy.begin(), copy.end(), again.bits().begin(), again.bits().end()));
        QVERIFY(samePoint(history.route(QStringLiteral("/r"))->point(3), p));
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
