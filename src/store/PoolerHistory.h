#pragma once

#include "types/PoolerSnapshot.h"

#include <QString>
#include <QStringList>

#include <array>
#include <span>
#include <vector>

namespace poolscope {

// The numbers of one pgbouncer's pools over time, one series per (database, user) pool, stored as columns
// like TargetHistory: a timestamp and one double per pool metric per read. A failed read is a row of NaN in
// every pool known so far (the chart draws a gap); a pool that appears later starts at its first read.
class PoolerHistory
{
public:
    enum class PoolMetric { ClActive, ClWaiting, SvActive, SvIdle, MaxwaitSeconds };
    static constexpr int kPoolMetricCount = 5;
    static QString metricName(PoolMetric metric); // "cl_active", ..., "maxwait"

    struct PoolSeries
    {
        QString key; // "database/user"
        QString database;
        QString user;
        std::vector<qint64> times;
        std::array<std::vector<double>, kPoolMetricCount> columns;
        // Not charted, kept for the CSV export: sv_used and pool_mode of each row (NaN / empty in a gap).
        std::vector<double> svUsed;
        QStringList poolModes;

        std::span<const double> column(PoolMetric metric) const { return columns[static_cast<std::size_t>(metric)]; }
    };

    void append(const PoolerSnapshot& snapshot);

    // Every pool seen in a successful read, in order of first appearance.
    const std::vector<PoolSeries>& pools() const { return m_pools; }
    const PoolSeries* pool(const QString& key) const;
    bool empty() const { return m_pools.empty(); }

private:
    std::vector<PoolSeries> m_pools;
};

} // namespace poolscope
