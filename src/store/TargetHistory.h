#pragma once

#include "BlockedColumn.h"
#include "ColumnView.h"
#include "RouteSeries.h"
#include "types/Metric.h"
#include "types/Sample.h"

#include <array>
#include <utility>
#include <vector>

namespace poolscope {

// The numbers of one target over time, stored as compact columns (BlockedColumn: blocks of a few hundred rows,
// sealed ones packed to a few bits per value, see GorillaBlock) rather than as per-sample objects. A failed poll
// is a row whose values are all NaN, which the chart draws as a gap. Readers get ColumnViews, which read like
// spans; make one per scan (not one per row: each view caches the block it last decoded).
class TargetHistory
{
public:
    TargetHistory() = default;
    // Copies and moves point the routes at their own history's poll times.
    TargetHistory(const TargetHistory& other);
    TargetHistory(TargetHistory&& other) noexcept;
    TargetHistory& operator=(const TargetHistory& other);
    TargetHistory& operator=(TargetHistory&& other) noexcept;
    ~TargetHistory() = default;

    void append(const Sample& sample);
    // The server-side backend count for the target's application_name, on the database's own ticks.
    void appendBackendCount(qint64 timestampMs, double count);

    std::size_t size() const { return m_ticks.times.size(); }
    bool empty() const { return m_ticks.times.empty(); }
    ColumnView<qint64> times() const { return ColumnView<qint64>(m_ticks.times); }
    ColumnView<double> column(Metric metric) const
    {
        return ColumnView<double>(m_columns[static_cast<std::size_t>(metric)]);
    }
    // A row is ok unless its poll failed, which keeps an error (sparse: failed rows only).
    bool ok(std::size_t row) const { return !findError(row); }
    // The request's round trip in ms, -1 when unknown (latencies() for a scan).
    qint64 latencyMs(std::size_t row) const { return latencies()[row]; }
    ColumnView<qint64> latencies() const { return ColumnView<qint64>(m_latency); }
    // Why the poll of this row failed; empty for a successful row.
    QString error(std::size_t row) const;

    // Every route seen in a successful poll, in order of first appearance.
    const std::vector<RouteSeries>& routes() const { return m_routes; }
    const RouteSeries* route(const QString& name) const;

    ColumnView<qint64> backendCountTimes() const { return ColumnView<qint64>(m_backendTimes); }
    ColumnView<double> backendCounts() const { return ColumnView<double>(m_backendCounts); }

    // Index of the last row at or before timestampMs, or -1.
    std::ptrdiff_t rowAtOrBefore(qint64 timestampMs) const;

    // Forgets the rows (and backend counts) older than cutoffMs; of each route, the points before it but the last
    // one (so that a rate from the cutoff on stays exact). For a long-running agent, whose history is Prometheus's.
    void dropBefore(qint64 cutoffMs);

    // Heap bytes held (benchmarked in tests/bench/bench_history).
    std::size_t memoryBytes() const;

private:
    const QString* findError(std::size_t row) const;
    void bindRoutes();

    TickTimes m_ticks; // the polls' times, which the routes' points refer to
    BlockedColumn<qint64> m_latency; // ms
    std::array<BlockedColumn<double>, kMetricCount> m_columns;
    BlockedColumn<qint64> m_backendTimes;
    BlockedColumn<double> m_backendCounts;
    std::vector<RouteSeries> m_routes;
    std::vector<std::pair<std::size_t, QString>> m_errors; // (row, reason), rows ascending; repeats share text
};

} // namespace poolscope
