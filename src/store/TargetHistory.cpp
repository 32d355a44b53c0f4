#include "TargetHistory.h"

#include <algorithm>

namespace poolscope {

void TargetHistory::append(const Sample& sample)
{
    if (!sample.ok())
        m_errors.emplace_back(m_times.size(), sample.error);
    m_times.push_back(sample.timestampMs);
    m_ok.push_back(sample.ok() ? 1 : 0);
    m_latency.push_back(static_cast<std::int32_t>(std::clamp<qint64>(sample.latencyMs, -1, INT32_MAX)));
    if (sample.ok())
        appendRoutes(sample.timestampMs, sample.routes);
    for (int i = 0; i < kMetricCount; ++i) {
        const auto metric = static_cast<Metric>(i);
        m_columns[static_cast<std::size_t>(i)].push_back(sample.ok() ? sample.metrics[metric] : kAbsent);
    }
}

namespace {
bool sameCounters(const RouteStats& a, const RouteStats& b)
{
    auto same = [](double x, double y) { return (!isPresent(x) && !isPresent(y)) || x == y; };
    return same(a.acquired, b.acquired) && same(a.released, b.released) && same(a.active, b.active)
        && same(a.leaks, b.leaks);
}
} // namespace

void TargetHistory::appendRoutes(qint64 timestampMs, const QList<RouteStats>& routes)
{
    for (const auto& stats : routes) {
        auto it = std::find_if(
            m_routes.begin(), m_routes.end(), [&](const RouteSeries& r) { return r.name == stats.name; });
        if (it == m_routes.end()) {
            m_routes.push_back(RouteSeries { stats.name, {} });
            it = std::prev(m_routes.end());
        }
        auto& points = it->points;
        const std::size_t n = points.size();
        if (n >= 2 && sameCounters(points[n - 1].stats, stats) && sameCounters(points[n - 2].stats, stats))
            points[n - 1].tMs = timestampMs; // extend the run
        else
            points.push_back(RoutePoint { timestampMs, stats });
    }
}

const RouteSeries* TargetHistory::route(const QString& name) const
{
    for (const auto& r : m_routes) {
        if (r.name == name)
            return &r;
    }
    return nullptr;
}

void TargetHistory::appendBackendCount(qint64 timestampMs, double count)
{
    m_backendTimes.push_back(timestampMs);
    m_backendCounts.push_back(count);
}

std::ptrdiff_t TargetHistory::rowAtOrBefore(qint64 timestampMs) const
{
    const auto it = std::upper_bound(m_times.begin(), m_times.end(), timestampMs);
    return std::distance(m_times.begin(), it) - 1;
}

QString TargetHistory::error(std::size_t row) const
{
    const auto it = std::lower_bound(m_errors.begin(), m_errors.end(), row,
        [](const std::pair<std::size_t, QString>& entry, std::size_t r) { return entry.first < r; });
    return it != m_errors.end() && it->first == row ? it->second : QString();
}

std::size_t TargetHistory::memoryBytes() const
{
    std::size_t bytes
        = m_times.capacity() * sizeof(qint64) + m_ok.capacity() + m_latency.capacity() * sizeof(std::int32_t);
    for (const auto& column : m_columns)
        bytes += column.capacity() * sizeof(double);
    bytes += m_backendTimes.capacity() * sizeof(qint64) + m_backendCounts.capacity() * sizeof(double);
    for (const auto& r : m_routes)
        bytes += sizeof(RouteSeries) + r.points.capacity() * sizeof(RoutePoint);
    bytes += m_errors.capacity() * sizeof(std::pair<std::size_t, QString>);
    for (const auto& entry : m_errors)
        bytes += static_cast<std::size_t>(entry.second.capacity()) * sizeof(QChar);
    return bytes;
}

void TargetHistory::dropBefore(qint64 cutoffMs)
{
    const auto rows
        = static_cast<std::size_t>(std::lower_bound(m_times.begin(), m_times.end(), cutoffMs) - m_times.begin());
    if (rows > 0) {
        const auto n = static_cast<std::ptrdiff_t>(rows);
        m_times.erase(m_times.begin(), m_times.begin() + n);
        m_ok.erase(m_ok.begin(), m_ok.begin() + n);
        m_latency.erase(m_latency.begin(), m_latency.begin() + n);
        for (auto& column : m_columns)
            column.erase(column.begin(), column.begin() + n);
        std::erase_if(m_errors, [rows](const auto& entry) { return entry.first < rows; });
        for (auto& entry : m_errors)
            entry.first -= rows;
    }
    const auto counts
        = std::lower_bound(m_backendTimes.begin(), m_backendTimes.end(), cutoffMs) - m_backendTimes.begin();
    m_backendTimes.erase(m_backendTimes.begin(), m_backendTimes.begin() + counts);
    m_backendCounts.erase(m_backendCounts.begin(), m_backendCounts.begin() + counts);
    for (RouteSeries& series : m_routes) {
        const auto first = std::lower_bound(series.points.begin(), series.points.end(), cutoffMs,
            [](const RoutePoint& p, qint64 t) { return p.tMs < t; });
        if (first - series.points.begin() > 1)
            series.points.erase(series.points.begin(), first - 1);
    }
}

} // namespace poolscope
