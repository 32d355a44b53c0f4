#include "Trend.h"

#include "RobustStats.h"

#include <algorithm>
#include <cmath>

namespace poolscope {

namespace {

constexpr double kMsPerHour = 3600.0 * 1000.0;

// Σ t(t−1)(2t+5) over groups of equal values.
double tieTerm(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    double sum = 0.0;
    std::size_t i = 0;
    while (i < values.size()) {
        std::size_t j = i + 1;
        while (j < values.size() && values[j] == values[i])
            ++j;
        const auto t = static_cast<double>(j - i);
        sum += t * (t - 1.0) * (2.0 * t + 5.0);
        i = j;
    }
    return sum;
}

double kth(std::vector<double>& values, std::size_t k)
{
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
    return values[k];
}

} // namespace

double Trend::lineAt(qint64 tMs) const
{
    if (!hasSlope())
        return qQNaN();
    return intercept + slopePerHour * static_cast<double>(tMs - firstMs) / kMsPerHour;
}

std::vector<TrendPoint> Trend::reduce(std::span<const TrendPoint> sorted, int maxPoints)
{
    if (maxPoints < 1)
        maxPoints = 1;
    if (sorted.size() <= static_cast<std::size_t>(maxPoints))
        return { sorted.begin(), sorted.end() };
    const qint64 first = sorted.front().tMs;
    const qint64 span = sorted.back().tMs - first;
    const double width = static_cast<double>(span) / maxPoints;
    std::vector<TrendPoint> reduced;
    reduced.reserve(static_cast<std::size_t>(maxPoints));
    std::vector<double> ts;
    std::vector<double> ys;
    int current = -1;
    auto flush = [&] {
        if (ys.empty())
            return;
        reduced.push_back({ static_cast<qint64>(std::llround(medianOf(ts))), medianOf(ys) });
        ts.clear();
        ys.clear();
    };
    for (const auto& p : sorted) {
        int bucket = 0;
        if (width > 0.0)
            bucket = std::min(maxPoints - 1, static_cast<int>(static_cast<double>(p.tMs - first) / width));
        if (bucket != current) {
            flush();
            current = bucket;
        }
        ts.push_back(static_cast<double>(p.tMs));
        ys.push_back(p.y);
    }
    flush();
    return reduced;
}

Trend Trend::compute(std::span<const qint64> timesMs, std::span<const double> values, qint64 fromMs, qint64 toMs,
    const TrendOptions& options)
{
    std::vector<TrendPoint> points;
    const std::size_t n = std::min(timesMs.size(), values.size());
    points.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (timesMs[i] < fromMs || timesMs[i] > toMs || !std::isfinite(values[i]))
            continue;
        points.push_back({ timesMs[i], values[i] });
    }
    return compute(points, options);
}

Trend Trend::compute(std::span<const TrendPoint> input, const TrendOptions& options)
{
    Trend trend;
    std::vector<TrendPoint> points;
    points.reserve(input.size());
    for (const auto& p : input) {
        if (std::isfinite(p.y))
            points.push_back(p);
    }
    std::stable_sort(
        points.begin(), points.end(), [](const TrendPoint& a, const TrendPoint& b) { return a.tMs < b.tMs; });
    trend.inputPoints = static_cast<int>(points.size());
    if (points.empty())
        return trend;
    trend.firstMs = points.front().tMs;
    trend.lastMs = points.back().tMs;

    // Level: the last part of the span, or the last few points.
    {
        const double span = static_cast<double>(trend.lastMs - trend.firstMs);
        const double cut = static_cast<double>(trend.lastMs) - options.levelFraction * span;
        std::vector<double> tail;
        for (const auto& p : points) {
            if (static_cast<double>(p.tMs) >= cut)
                tail.push_back(p.y);
        }
        const auto minPoints = static_cast<std::size_t>(std::max(1, options.levelMinPoints));
        if (tail.size() < minPoints) {
            tail.clear();
            const std::size_t take = std::min(minPoints, points.size());
            for (std::size_t i = points.size() - take; i < points.size(); ++i)
                tail.push_back(points[i].y);
        }
        trend.level = medianOf(std::move(tail));
    }

    const std::vector<TrendPoint> reduced = reduce(points, options.maxPoints);
    trend.pointsUsed = static_cast<int>(reduced.size());

    auto hoursOf = [&](qint64 t) { return static_cast<double>(t - trend.firstMs) / kMsPerHour; };

    std::vector<double> slopes;
    const std::size_t m = reduced.size();
    slopes.reserve(m * (m - 1) / 2);
    for (std::size_t i = 0; i < m; ++i) {
        for (std::size_t j = i + 1; j < m; ++j) {
            if (reduced[j].tMs == reduced[i].tMs)
                continue;
            slopes.push_back((reduced[j].y - reduced[i].y) / (hoursOf(reduced[j].tMs) - hoursOf(reduced[i].tMs)));
        }
    }

    std::vector<double> residuals;
    residuals.reserve(points.size());
    if (!slopes.empty()) {
        const std::size_t count = slopes.size();
        // Ranks first (nth_element reorders), the median last.
        std::vector<double> ts;
        std::vector<double> ys;
        for (const auto& p : reduced) {
            ts.push_back(static_cast<double>(p.tMs));
            ys.push_back(p.y);
        }
        const auto nn = static_cast<double>(m);
        double varS = (nn * (nn - 1.0) * (2.0 * nn + 5.0) - tieTerm(ys) - tieTerm(ts)) / 18.0;
        varS = std::max(0.0, varS);
        const double z = normalQuantile(0.5 + options.confidence / 2.0);
        const double c = z * std::sqrt(varS);
        const double total = static_cast<double>(count);
        const double m1 = (total - c) / 2.0; // 1-based rank of the lower bound
        const double m2 = (total + c) / 2.0; // the upper bound has 1-based rank m2 + 1, 0-based m2
        auto clampIndex
            = [&](double r) { return static_cast<std::size_t>(std::clamp<double>(std::round(r), 0.0, total - 1.0)); };
        // The median first; the bounds are then found in the half on their side of it (each half holds
        // the same values whatever its order), which halves the work of the two other selections.
        const std::size_t mid = count / 2;
        const double upper = kth(slopes, mid);
        const auto half = static_cast<std::ptrdiff_t>(mid);
        trend.slopePerHour = count % 2 == 1
            ? upper
            : (*std::max_element(slopes.begin(), slopes.begin() + half) + upper) / 2.0; // as medianOf()
        const auto rank = [&](std::size_t k) {
            const auto at = slopes.begin() + static_cast<std::ptrdiff_t>(k);
            if (k < mid)
                std::nth_element(slopes.begin(), at, slopes.begin() + half);
            else if (k > mid)
                std::nth_element(slopes.begin() + half + 1, at, slopes.end());
            return *at;
        };
        trend.slopeLowPerHour = rank(clampIndex(m1 - 1.0));
        trend.slopeHighPerHour = rank(clampIndex(m2));
        if (trend.slopePerHour == 0.0)
            trend.slopePerHour = 0.0; // no -0.0
        std::vector<double> offsets;
        offsets.reserve(m);
        for (const auto& p : reduced)
            offsets.push_back(p.y - trend.slopePerHour * hoursOf(p.tMs));
        trend.intercept = medianOf(std::move(offsets));
        for (const auto& p : points)
            residuals.push_back(p.y - (trend.intercept + trend.slopePerHour * hoursOf(p.tMs)));
    } else {
        for (const auto& p : points)
            residuals.push_back(p.y);
    }
    trend.noise = madOf(residuals);
    return trend;
}

} // namespace poolscope
