#pragma once

#include "types/Metric.h"
#include "types/Sample.h"

#include <span>
#include <utility>
#include <vector>

namespace poolscope {

// The numbers of one target over time, stored as columns (one vector per metric) rather than as
// per-sample objects: 8 bytes per metric per tick plus the timestamp. A failed poll is a row whose
// values are all NaN, which the chart draws as a gap.
// The counters of one route over time. Only changes are stored: a run of polls with the same counters
// keeps its first and its last point, so rates over any range stay exact and an idle route costs nothing.
struct RouteSeries
{
    QString name;
    std::vector<RoutePoint> points;
};

class TargetHistory
{
public:
    void append(const Sample& sample);
    // The server-side backend count for the target's application_name, on the database's own ticks.
    void appendBackendCount(qint64 timestampMs, double count);

    std::size_t size() const { return m_times.size(); }
    bool empty() const { return m_times.empty(); }
    std::span<const qint64> times() const { return m_times; }
    std::span<const double> column(Metric metric) const { return m_columns[static_cast<std::size_t>(metric)]; }
    bool ok(std::size_t row) const { return m_ok[row] != 0; }
    // The request's round trip in ms, -1 when unknown.
    qint64 latencyMs(std::size_t row) const { return m_latency[row]; }
    // Why the poll of this row failed; empty for a successful row. Kept sparse (failed rows only).
    QString error(std::size_t row) const;

    // Every route seen in a successful poll, in order of first appearance.
    const std::vector<RouteSeries>& routes() const { return m_routes; }
    const RouteSeries* route(const QString& name) const;

    std::span<const qint64> backendCountTimes() const { return m_backendTimes; }
    std::span<const double> backendCounts() const { return m_backendCounts; }

    // Index of the last row at or before timestampMs, or -1.
    std::ptrdiff_t rowAtOrBefore(qint64 timestampMs) const;

    // Forgets the rows (and backend counts) older than cutoffMs; of each route, the points before it but the last
    // one (so that a rate from the cutoff on stays exact). For a long-running agent, whose history is Prometheus's.
    void dropBefore(qint64 cutoffMs);

    // Approximate heap bytes held (benchmarked in tests/bench).
    std::size_t memoryBytes() const;

private:
    void appendRoutes(qint64 timestampMs, const QList<RouteStats>& routes);

    std::vector<qint64> m_times;
    std::vector<std::uint8_t> m_ok;
    std::vector<std::int32_t> m_latency; // ms; a poll never takes 24 days
    std::array<std::vector<double>, kMetricCount> m_columns;
    std::vector<qint64> m_backendTimes;
    std::vector<double> m_backendCounts;
    std::vector<RouteSeries> m_routes;
    std::vector<std::pair<std::size_t, QString>> m_errors; // (row, reason), rows ascending
};

} // namespace poolscope
