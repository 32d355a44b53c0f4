#include "HistoryRows.h"

namespace poolscope {

HistoryRows::HistoryRows(const TargetHistory& history)
    : m_history(history)
    , m_times(history.times())
    , m_latencies(history.latencies())
{
    for (int m = 0; m < kMetricCount; ++m)
        m_columns[static_cast<std::size_t>(m)] = history.column(static_cast<Metric>(m));
}

Sample HistoryRows::sample(const QString& target, std::size_t row) const
{
    Sample sample;
    sample.target = target;
    sample.timestampMs = m_times[row];
    sample.latencyMs = m_latencies[row];
    if (!m_history.ok(row)) {
        sample.error = m_history.error(row);
        return sample;
    }
    for (int m = 0; m < kMetricCount; ++m)
        sample.metrics.set(static_cast<Metric>(m), m_columns[static_cast<std::size_t>(m)][row]);
    return sample;
}

} // namespace poolscope
