#include "RouteSeries.h"

#include <algorithm>

namespace poolscope {

namespace {
bool sameCounters(const RouteStats& a, const RouteStats& b)
{
    auto same = [](double x, double y) { return (!isPresent(x) && !isPresent(y)) || x == y; };
    return same(a.acquired, b.acquired) && same(a.released, b.released) && same(a.active, b.active)
        && same(a.leaks, b.leaks);
}
} // namespace

void RouteSeries::append(qint64 timestampMs, const RouteStats& stats)
{
    const bool same = !m_times.empty() && sameCounters(m_last, stats);
    if (m_times.size() >= 2 && m_lastRepeats && same) {
        m_times.setBack(timestampMs); // extend the run
        return;
    }
    m_lastRepeats = same;
    m_last = stats;
    m_last.name.clear(); // the series has it
    m_times.append(timestampMs);
    m_counters[0].append(stats.acquired);
    m_counters[1].append(stats.released);
    m_counters[2].append(stats.active);
    m_counters[3].append(stats.leaks);
}

RoutePoint RouteSeries::point(std::size_t index) const
{
    RoutePoint p;
    p.tMs = ColumnView<qint64>(m_times)[index];
    p.stats.name = name;
    p.stats.acquired = ColumnView<double>(m_counters[0])[index];
    p.stats.released = ColumnView<double>(m_counters[1])[index];
    p.stats.active = ColumnView<double>(m_counters[2])[index];
    p.stats.leaks = ColumnView<double>(m_counters[3])[index];
    return p;
}

std::vector<RoutePoint> RouteSeries::points(qint64 fromMs, qint64 toMs) const
{
    const ColumnView<qint64> times(m_times);
    const auto begin = static_cast<std::size_t>(std::lower_bound(times.begin(), times.end(), fromMs) - times.begin());
    const auto end = static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), toMs) - times.begin());
    std::vector<RoutePoint> out;
    if (begin >= end)
        return out;
    out.reserve(end - begin);
    const std::array<ColumnView<double>, 4> counters { ColumnView<double>(m_counters[0]),
        ColumnView<double>(m_counters[1]), ColumnView<double>(m_counters[2]), ColumnView<double>(m_counters[3]) };
    for (std::size_t i = begin; i < end; ++i) {
        out.push_back(RoutePoint {
            times[i], RouteStats { name, counters[0][i], counters[1][i], counters[2][i], counters[3][i] } });
    }
    return out;
}

std::optional<RoutePoint> RouteSeries::pointAtOrBefore(qint64 tMs) const
{
    const ColumnView<qint64> times(m_times);
    const auto after = std::upper_bound(times.begin(), times.end(), tMs) - times.begin();
    if (after == 0)
        return std::nullopt;
    return point(static_cast<std::size_t>(after - 1));
}

void RouteSeries::dropBefore(qint64 cutoffMs)
{
    const ColumnView<qint64> times(m_times);
    const auto first = static_cast<std::size_t>(std::lower_bound(times.begin(), times.end(), cutoffMs) - times.begin());
    if (first <= 1)
        return;
    m_times.dropFront(first - 1);
    for (auto& column : m_counters)
        column.dropFront(first - 1);
}

std::size_t RouteSeries::memoryBytes() const
{
    std::size_t bytes = m_times.memoryBytes() + static_cast<std::size_t>(name.capacity()) * sizeof(QChar);
    for (const auto& column : m_counters)
        bytes += column.memoryBytes();
    return bytes;
}

} // namespace poolscope
