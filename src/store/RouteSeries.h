#pragma once

#include "BlockedColumn.h"
#include "ColumnView.h"
#include "types/Sample.h"

#include <array>
#include <limits>
#include <optional>
#include <vector>

namespace poolscope {

// The counters of one route over time, as blocked columns (time, acquired, released, active, leaks). Only
// changes are stored: a run of polls with the same counters keeps its first and its last point (the last one's
// time moves along), so rates over any range stay exact and an idle route costs nothing per poll.
class RouteSeries
{
public:
    explicit RouteSeries(QString routeName)
        : name(std::move(routeName))
    { }

    QString name;

    std::size_t size() const { return m_times.size(); }
    bool empty() const { return m_times.empty(); }
    ColumnView<qint64> times() const { return ColumnView<qint64>(m_times); }
    // One point (decodes its block: for a scan, use points()).
    RoutePoint point(std::size_t index) const;
    // The points with fromMs <= tMs <= toMs, in time order.
    std::vector<RoutePoint> points(
        qint64 fromMs = std::numeric_limits<qint64>::min(), qint64 toMs = std::numeric_limits<qint64>::max()) const;
    // The last point at or before tMs, if any.
    std::optional<RoutePoint> pointAtOrBefore(qint64 tMs) const;

    void append(qint64 timestampMs, const RouteStats& stats);
    // Forgets the points before cutoffMs but the last of them (so that a rate from the cutoff on stays exact).
    void dropBefore(qint64 cutoffMs);

    std::size_t memoryBytes() const;

private:
    BlockedColumn<qint64> m_times;
    std::array<BlockedColumn<double>, 4> m_counters; // acquired, released, active, leaks
    RouteStats m_last; // the last point's counters
    bool m_lastRepeats = false; // the last two points hold the same counters (a run being extended)
};

} // namespace poolscope
