// Compact history benchmark (issue 11 part 1): what TargetHistory holds per stored value, on the demo's data
// shape (a pool's gauges and counters: small integers changing slowly, latency jitter, 1 s ticks).
// Prints, with PASS/FAIL against the budgets:
//   - bytes per stored metric sample (11 metrics + time + latency per tick, no routes): budget <= 4 B;
//   - bytes per tick per target with 10 busy routes (each changing at every tick): budget <= 16 B;
//   - the RSS growth of 50 targets x 12 h at 1 s ticks, each with 10 routes (POOLSCOPE_BENCH_HOURS shrinks it).
// Asserts only correctness (every value read back is the one appended), never size or time.

#include "store/TargetHistory.h"

#include <QFile>
#include <QTest>

#include <malloc.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <random>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

constexpr qint64 kT0 = 1'795'000'000'000;
constexpr double kMetricBudget = 4.0;
constexpr double kTickBudget = 16.0;

double rssMiB()
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return qQNaN();
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return qQNaN();
}

// One demo-like target: a pool of 20 whose checked-out count wanders, counters that climb a few per second,
// a latency of a few ms with jitter, a failed poll now and then; `routes` routes busy at every tick.
class DemoTarget
{
public:
    DemoTarget(unsigned seed, int routes)
        : m_random(seed)
        , m_routes(static_cast<std::size_t>(routes))
    {
        for (std::size_t r = 0; r < m_routes.size(); ++r)
            m_routes[r].name = u"/api/route_%1"_s.arg(r);
    }

    Sample next(qint64 tMs)
    {
        Sample s;
        s.target = u"web"_s;
        s.timestampMs = tMs;
        if (chance(3000)) {
            s.error = u"connection refused"_s;
            s.latencyMs = -1;
            return s;
        }
        s.latencyMs = 3 + pick(0, 4);
        if (chance(12))
            m_checkedOut = std::clamp(m_checkedOut + pick(-1, 1), 0, 20);
        if (chance(40))
            m_tracked = std::clamp(m_checkedOut - pick(0, 2), 0, 20);
        const int acquired = pick(0, 6);
        m_acquired += acquired;
        m_released += acquired;
        if (chance(5000))
            ++m_leaks;
        s.metrics.set(Metric::CheckedOut, m_checkedOut);
        s.metrics.set(Metric::Tracked, m_tracked);
        s.metrics.set(Metric::Discrepancy, m_checkedOut - m_tracked);
        s.metrics.set(Metric::AcquiredTotal, m_acquired);
        s.metrics.set(Metric::ReleasedTotal, m_released);
        s.metrics.set(Metric::LeaksTotal, m_leaks);
        s.metrics.set(Metric::PoolMin, 2);
        s.metrics.set(Metric::PoolMax, 20);
        s.metrics.set(Metric::PoolSize, std::max(m_checkedOut, 5));
        s.metrics.set(Metric::PoolIdle, std::max(m_checkedOut, 5) - m_checkedOut);
        s.metrics.set(Metric::Waiting, 0);
        for (RouteStats& r : m_routes) {
            const double in = pick(1, 4);
            const double active = pick(0, 1);
            r.acquired = (std::isnan(r.acquired) ? 0 : r.acquired) + in;
            r.released = r.acquired - active;
            r.active = active;
            r.leaks = 0;
            s.routes.append(r);
        }
        return s;
    }

private:
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_random); }
    bool chance(int oneIn) { return pick(1, oneIn) == 1; }

    std::mt19937 m_random;
    std::vector<RouteStats> m_routes;
    int m_checkedOut = 6;
    int m_tracked = 6;
    double m_acquired = 10'000;
    double m_released = 9'994;
    double m_leaks = 0;
};

bool sameBits(double a, double b)
{
    return std::bit_cast<quint64>(a) == std::bit_cast<quint64>(b);
}

} // namespace

class bench_History : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // First, so that no freed heap of the other cases hides the growth.
    void fleetRss()
    {
        const double hours = qEnvironmentVariableIsSet("POOLSCOPE_BENCH_HOURS")
            ? qEnvironmentVariable("POOLSCOPE_BENCH_HOURS").toDouble()
            : 12.0;
        QVERIFY(hours > 0);
        constexpr int kTargets = 50;
        const int ticks = static_cast<int>(hours * 3600);
        malloc_trim(0);
        const double before = rssMiB();
        std::vector<TargetHistory> histories(kTargets);
        std::vector<DemoTarget> demos;
        for (int t = 0; t < kTargets; ++t)
            demos.emplace_back(static_cast<unsigned>(100 + t), 10);
        Sample last;
        for (int i = 0; i < ticks; ++i) {
            for (int t = 0; t < kTargets; ++t) {
                last = demos[static_cast<std::size_t>(t)].next(kT0 + 1000LL * i);
                histories[static_cast<std::size_t>(t)].append(last);
            }
        }
        const double after = rssMiB();
        std::size_t held = 0;
        for (const auto& h : histories)
            held += h.memoryBytes();
        QCOMPARE(histories.back().size(), std::size_t(ticks));
        QCOMPARE(histories.back().times().back(), last.timestampMs);
        std::printf("bench_history: %d targets x %.1f h at 1 s (10 busy routes each): RSS grew %.1f MiB "
                    "(memoryBytes %.1f MiB, %.1f B per tick per target)\n",
            kTargets, hours, after - before, static_cast<double>(held) / (1024.0 * 1024.0),
            static_cast<double>(held) / (static_cast<double>(ticks) * kTargets));
    }

    void perSample_data()
    {
        QTest::addColumn<int>("routes");
        QTest::newRow("metrics only") << 0;
        QTest::newRow("10 busy routes") << 10;
    }
    void perSample()
    {
        QFETCH(int, routes);
        constexpr int kTicks = 6 * 3600; // 6 h at 1 s
        DemoTarget demo(42, routes);
        TargetHistory history;
        std::vector<Sample> samples;
        for (int i = 0; i < kTicks; ++i) {
            samples.push_back(demo.next(kT0 + 1000LL * i));
            history.append(samples.back());
        }
        // Everything reads back.
        QCOMPARE(history.size(), samples.size());
        const auto times = history.times();
        const auto latencies = history.latencies();
        for (int m = 0; m < kMetricCount; ++m) {
            const auto column = history.column(static_cast<Metric>(m));
            for (std::size_t row = 0; row < samples.size(); ++row) {
                const Sample& s = samples[row];
                if (!sameBits(column[row], s.ok() ? s.metrics[static_cast<Metric>(m)] : kAbsent))
                    QFAIL(qPrintable(u"metric %1 row %2 differs"_s.arg(m).arg(row)));
            }
        }
        for (std::size_t row = 0; row < samples.size(); ++row) {
            QCOMPARE(times[row], samples[row].timestampMs);
            QCOMPARE(latencies[row], samples[row].latencyMs);
            QCOMPARE(history.error(row), samples[row].error);
        }
        QCOMPARE(history.routes().size(), std::size_t(routes));
        if (routes > 0) {
            const auto points = history.routes().back().points();
            QVERIFY(points.size() > samples.size() / 2); // busy: a point at (nearly) every tick
            QCOMPARE(points.back().stats, samples.back().routes.back());
        }

        const double bytes = static_cast<double>(history.memoryBytes());
        const double perTick = bytes / kTicks;
        if (routes == 0) {
            const double perValue = perTick / kMetricCount;
            std::printf("bench_history: %.2f bytes per stored metric sample (%d metrics + time + latency per tick, "
                        "%d ticks; was 8 + 17/%d with plain vectors) -> %s (budget <= %.0f B)\n",
                perValue, kMetricCount, kTicks, kMetricCount, perValue <= kMetricBudget ? "PASS" : "FAIL",
                kMetricBudget);
        } else {
            std::printf("bench_history: %.1f bytes per tick per target with %d busy routes (%d ticks) -> %s "
                        "(budget <= %.0f B)\n",
                perTick, routes, kTicks, perTick <= kTickBudget ? "PASS" : "FAIL", kTickBudget);
        }
    }
};

QTEST_GUILESS_MAIN(bench_History)
#include "bench_history.moc"
