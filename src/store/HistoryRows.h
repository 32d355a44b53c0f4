#pragma once

#include "TargetHistory.h"

#include <array>

namespace poolscope {

// Reads the rows of a TargetHistory back as Samples: its poll's metrics, latency and error (no routes, no
// holders). It keeps one view per column, so a scan over many rows decodes each sealed block once; make one per
// scan, and none while the history is appended to.
class HistoryRows
{
public:
    explicit HistoryRows(const TargetHistory& history);

    std::size_t size() const { return m_times.size(); }
    qint64 time(std::size_t row) const { return m_times[row]; }
    const ColumnView<qint64>& times() const { return m_times; }
    // The row as the Sample of `target` that its poll gave.
    Sample sample(const QString& target, std::size_t row) const;

private:
    const TargetHistory& m_history;
    ColumnView<qint64> m_times;
    ColumnView<qint64> m_latencies;
    std::array<ColumnView<double>, kMetricCount> m_columns;
};

} // namespace poolscope
