#include "PoolerHistory.h"

#include "types/Metric.h"

using namespace Qt::StringLiterals;

namespace poolscope {

QString PoolerHistory::metricName(PoolMetric metric)
{
    switch (metric) {
    case PoolMetric::ClActive:
        return u"cl_active"_s;
    case PoolMetric::ClWaiting:
        return u"cl_waiting"_s;
    case PoolMetric::SvActive:
        return u"sv_active"_s;
    case PoolMetric::SvIdle:
        return u"sv_idle"_s;
    case PoolMetric::MaxwaitSeconds:
        return u"maxwait"_s;
    }
    return {};
}

const PoolerHistory::PoolSeries* PoolerHistory::pool(const QString& key) const
{
    for (const PoolSeries& series : m_pools) {
        if (series.key == key)
            return &series;
    }
    return nullptr;
}

void PoolerHistory::append(const PoolerSnapshot& snapshot)
{
    if (!snapshot.ok()) {
        for (PoolSeries& series : m_pools) {
            series.times.push_back(snapshot.timestampMs);
            for (auto& column : series.columns)
                column.push_back(kAbsent);
            series.svUsed.push_back(kAbsent);
            series.poolModes.append(QString());
        }
        return;
    }
    std::vector<bool> seen(m_pools.size(), false);
    for (const PoolerPool& p : snapshot.pools) {
        const QString key = p.key();
        std::size_t index = 0;
        while (index < m_pools.size() && m_pools[index].key != key)
            ++index;
        if (index == m_pools.size()) {
            m_pools.push_back(PoolSeries { key, p.database, p.user, {}, {}, {}, {} });
            seen.push_back(false);
        }
        if (seen[index])
            continue; // listed twice: the first row counts
        seen[index] = true;
        PoolSeries& series = m_pools[index];
        series.times.push_back(snapshot.timestampMs);
        const std::array<double, kPoolMetricCount> values { static_cast<double>(p.clActive),
            static_cast<double>(p.clWaiting), static_cast<double>(p.svActive), static_cast<double>(p.svIdle),
            p.maxwaitSeconds() };
        for (std::size_t i = 0; i < values.size(); ++i)
            series.columns[i].push_back(values[i]);
        series.svUsed.push_back(static_cast<double>(p.svUsed));
        series.poolModes.append(p.poolMode);
    }
    // A pool that went away (pgbouncer drops unused auto-created pools) is a gap, not a frozen value.
    for (std::size_t i = 0; i < m_pools.size(); ++i) {
        if (seen[i])
            continue;
        m_pools[i].times.push_back(snapshot.timestampMs);
        for (auto& column : m_pools[i].columns)
            column.push_back(kAbsent);
        m_pools[i].svUsed.push_back(kAbsent);
        m_pools[i].poolModes.append(QString());
    }
}

} // namespace poolscope
