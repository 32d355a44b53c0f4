#include "TargetHistory.h"

#include <algorithm>

namespace poolscope {

TargetHistory::TargetHistory(const TargetHistory& other)
    : m_ticks(other.m_ticks)
    , m_latency(other.m_latency)
    , m_columns(other.m_columns)
    , m_backendTimes(other.m_backendTimes)
    , m_backendCounts(other.m_backendCounts)
    , m_routes(other.m_routes)
    , m_errors(other.m_errors)
{
    bindRoutes();
}

TargetHistory::TargetHistory(TargetHistory&& other) noexcept
    : m_ticks(std::move(other.m_ticks))
    , m_latency(std::move(other.m_latency))
    , m_columns(std::move(other.m_columns))
    , m_backendTimes(std::move(other.m_backendTimes))
    , m_backendCounts(std::move(other.m_backendCounts))
    , m_routes(std::move(other.m_routes))
    , m_errors(std::move(other.m_errors))
{
    bindRoutes();
}

TargetHistory& TargetHistory::operator=(const TargetHistory& other)
{
    if (this != &other) {
        TargetHistory copy(other);
        *this = std::move(copy);
    }
    return *this;
}

TargetHistory& TargetHistory::operator=(TargetHistory&& other) noexcept
{
    m_ticks = std::move(other.m_ticks);
    m_latency = std::move(other.m_latency);
    m_columns = std::move(other.m_columns);
    m_backendTimes = std::move(other.m_backendTimes);
    m_backendCounts = std::move(other.m_backendCounts);
    m_routes = std::move(other.m_routes);
    m_errors = std::move(other.m_errors);
    bindRoutes();
    return *this;
}

void TargetHistory::bindRoutes()
{
    for (RouteSeries& route : m_routes)
        route.m_ticks = &m_ticks;
}

void TargetHistory::append(const Sample& sample)
{
    if (!sample.ok()) {
        // A target down for an hour fails with the same reason every poll: keep one copy of the text.
        const bool repeat = !m_errors.empty() && m_errors.back().second == sample.error;
        m_errors.emplace_back(size(), repeat ? m_errors.back().second : sample.error);
    }
    const std::uint64_t tick = m_ticks.first + size();
    m_ticks.times.append(sample.timestampMs);
    m_latency.append(std::max<qint64>(sample.latencyMs, -1));
    if (sample.ok()) {
        for (const auto& stats : sample.routes) {
            auto it = std::find_if(
                m_routes.begin(), m_routes.end(), [&](const RouteSeries& r) { return r.name == stats.name; });
            if (it == m_routes.end())
                it = m_routes.insert(m_routes.end(), RouteSeries(stats.name, &m_ticks));
            it->append(tick, stats);
        }
    }
    for (int i = 0; i < kMetricCount; ++i) {
        const auto metric = static_cast<Metric>(i);
        m_columns[static_cast<std::size_t>(i)].append(sample.ok() ? sample.metrics[metric] : kAbsent);
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
    m_backendTimes.append(timestampMs);
    m_backendCounts.append(count);
}

std::ptrdiff_t TargetHistory::rowAtOrBefore(qint64 timestampMs) const
{
    return static_cast<std::ptrdiff_t>(m_ticks.rowAfter(timestampMs)) - 1;
}

const QString* TargetHistory::findError(std::size_t row) const
{
    const auto it = std::lower_bound(m_errors.begin(), m_errors.end(), row,
        [](const std::pair<std::size_t, QString>& entry, std::size_t r) { return entry.first < r; });
    return it != m_errors.end() && it->first == row ? &it->second : nullptr;
}

QString TargetHistory::error(std::size_t row) const
{
    const QString* e = findError(row);
    return e ? *e : QString();
}

std::size_t TargetHistory::memoryBytes() const
{
    std::size_t bytes = m_ticks.times.memoryBytes() + m_latency.memoryBytes() + m_backendTimes.memoryBytes()
        + m_backendCounts.memoryBytes();
    for (const auto& column : m_columns)
        bytes += column.memoryBytes();
    bytes += m_routes.capacity() * sizeof(RouteSeries);
    for (const auto& r : m_routes)
        bytes += r.memoryBytes();
    bytes += m_errors.capacity() * sizeof(std::pair<std::size_t, QString>);
    const QChar* previous = nullptr;
    for (const auto& entry : m_errors) {
        if (entry.second.constData() != previous) // shared text counted once
            bytes += static_cast<std::size_t>(entry.second.capacity()) * sizeof(QChar);
        previous = entry.second.constData();
    }
    return bytes;
}

void TargetHistory::dropBefore(qint64 cutoffMs)
{
    // The routes first: a point they keep from before the cutoff reads its time before the poll goes.
    for (RouteSeries& series : m_routes)
        series.dropBefore(cutoffMs);
    const auto times = this->times();
    const auto rows = static_cast<std::size_t>(std::lower_bound(times.begin(), times.end(), cutoffMs) - times.begin());
    if (rows > 0) {
        m_ticks.times.dropFront(rows);
        m_ticks.first += rows;
        m_latency.dropFront(rows);
        for (auto& column : m_columns)
            column.dropFront(rows);
        std::erase_if(m_errors, [rows](const auto& entry) { return entry.first < rows; });
        for (auto& entry : m_errors)
            entry.first -= rows;
    }
    const auto countTimes = backendCountTimes();
    const auto counts = static_cast<std::size_t>(
        std::lower_bound(countTimes.begin(), countTimes.end(), cutoffMs) - countTimes.begin());
    m_backendTimes.dropFront(counts);
    m_backendCounts.dropFront(counts);
}

} // namespace poolscope
