#include "RouteRates.h"

#include "Trend.h"

#include <QHash>

#include <algorithm>
#include <cmath>
#include <vector>

namespace poolscope {

namespace {

double activeOf(const RouteStats& s)
{
    if (isPresent(s.active))
        return s.active;
    if (isPresent(s.acquired) && isPresent(s.released))
        return s.acquired - s.released;
    return kAbsent;
}

// Sums the increases of a counter over polls, treating a drop as a reset. Returns the count of resets.
int accumulate(const std::vector<double>& values, bool fromZero, double* total)
{
    int resets = 0;
    double sum = 0;
    double prev = kAbsent;
    for (const double v : values) {
        if (!isPresent(v))
            continue;
        if (isPresent(prev)) {
            if (v < prev) {
                ++resets;
                if (fromZero)
                    sum += v;
            } else {
                sum += v - prev;
            }
        }
        prev = v;
    }
    *total = sum;
    return resets;
}

} // namespace

RouteRate computeRouteRate(
    const QString& name, std::span<const RoutePoint> input, qint64 fromMs, qint64 toMs, const RouteRateOptions& options)
{
    RouteRate rate;
    rate.name = name;
    std::vector<RoutePoint> points;
    for (const auto& p : input) {
        if (p.tMs >= fromMs && p.tMs <= toMs)
            points.push_back(p);
    }
    std::stable_sort(
        points.begin(), points.end(), [](const RoutePoint& a, const RoutePoint& b) { return a.tMs < b.tMs; });
    rate.points = static_cast<int>(points.size());
    if (points.empty())
        return rate;
    rate.spanSeconds = static_cast<double>(points.back().tMs - points.front().tMs) / 1000.0;

    std::vector<double> acquired;
    std::vector<double> released;
    for (const auto& p : points) {
        acquired.push_back(p.stats.acquired);
        released.push_back(p.stats.released);
    }
    const int acquiredResets = accumulate(acquired, options.countFromZeroAfterReset, &rate.acquired);
    const int releasedResets = accumulate(released, options.countFromZeroAfterReset, &rate.released);
    rate.resets = std::max(acquiredResets, releasedResets);
    if (rate.spanSeconds > 0.0) {
        rate.acquiresPerMinute = rate.acquired / (rate.spanSeconds / 60.0);
        rate.releasesPerMinute = rate.released / (rate.spanSeconds / 60.0);
    }

    // The last segment: after the last drop of either counter.
    std::size_t segmentStart = 0;
    for (std::size_t i = 1; i < points.size(); ++i) {
        const auto& a = points[i - 1].stats;
        const auto& b = points[i].stats;
        const bool acquiredDrop = isPresent(a.acquired) && isPresent(b.acquired) && b.acquired < a.acquired;
        const bool releasedDrop = isPresent(a.released) && isPresent(b.released) && b.released < a.released;
        if (acquiredDrop || releasedDrop)
            segmentStart = i;
    }
    std::vector<TrendPoint> active;
    for (std::size_t i = segmentStart; i < points.size(); ++i) {
        const double a = activeOf(points[i].stats);
        if (isPresent(a))
            active.push_back({ points[i].tMs, a });
    }
    if (!active.empty()) {
        rate.activeFirst = active.front().y;
        rate.activeLast = active.back().y;
        rate.activeChange = rate.activeLast - rate.activeFirst;
        const Trend trend = Trend::compute(active);
        rate.activeSlopePerHour = trend.slopePerHour;
        if (trend.hasSlope()) {
            const double rise = trend.slopePerHour * trend.coverageSeconds() / 3600.0;
            rate.rising = trend.slopeLowPerHour > 0.0 && rise >= options.minRise;
        }
    }
    return rate;
}

QList<RouteRate> computeRouteRates(
    std::span<const Sample> samples, qint64 fromMs, qint64 toMs, const RouteRateOptions& options)
{
    QList<QString> order;
    QHash<QString, std::vector<RoutePoint>> byName;
    for (const auto& sample : samples) {
        if (!sample.ok())
            continue;
        for (const auto& route : sample.routes) {
            auto it = byName.find(route.name);
            if (it == byName.end()) {
                order.append(route.name);
                it = byName.insert(route.name, {});
            }
            it.value().push_back({ sample.timestampMs, route });
        }
    }
    QList<RouteRate> rates;
    for (const auto& name : std::as_const(order))
        rates.append(computeRouteRate(name, byName.value(name), fromMs, toMs, options));
    return rates;
}

} // namespace poolscope
