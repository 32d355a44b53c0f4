#pragma once

#include <QtGlobal>

#include <span>
#include <vector>

namespace poolscope {

// Options of Trend::compute().
struct TrendOptions
{
    // Theil–Sen looks at every pair of points (O(n²)); longer series are first reduced to at most this
    // many points (see Trend::reduce).
    int maxPoints = 600;
    // Two-sided confidence level of the slope interval.
    double confidence = 0.95;
    // The level is the median of the values in the last levelFraction of the covered time span...
    double levelFraction = 0.25;
    // ...or of the last levelMinPoints values when that part holds fewer.
    int levelMinPoints = 5;
};

// One point of a time series: time in UTC ms, value.
struct TrendPoint
{
    qint64 tMs = 0;
    double y = 0.0;
};

// Level, robust slope and noise of a time series (y over t), as used by the verdict.
//
// Slope: the Theil–Sen estimator, the median of the slopes (y_j − y_i)/(t_j − t_i) over all pairs with
// t_j > t_i (pairs with equal times are skipped), in units per hour.
// Interval: Sen's (1968) distribution-free interval. With N pair slopes sorted ascending and
// C = z·sqrt(Var S), where Var S = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)]/18 is the variance of Kendall's S
// corrected for ties (t = size of each group of equal values, in y and in time), the bounds are the
// slopes of rank (N − C)/2 and (N + C)/2 + 1 (1-based, rounded, clamped). A constant series gets
// Var S = 0, hence the interval [0, 0]. The interval assumes independent residuals: a step change
// is not noise, which is why the verdict also looks at the recent part of a window.
// Reduction: when there are more than maxPoints points, the covered time span is cut into maxPoints
// equal-width buckets and each non-empty bucket becomes one point (median time, median value). The
// level and the noise are still computed from all points.
// Level: median of the values of the last part of the span (TrendOptions::levelFraction).
// Noise: MAD (×1.4826) of the residuals around the Theil–Sen line (of the values when there is no
// slope): an estimate of the standard deviation of the noise that ignores outliers and steps.
struct Trend
{
    int inputPoints = 0; // finite values given
    int pointsUsed = 0; // points the slope was computed on (after reduction)
    qint64 firstMs = 0; // time of the first and last finite value
    qint64 lastMs = 0;
    double slopePerHour = qQNaN(); // NaN when fewer than two distinct times
    double slopeLowPerHour = qQNaN();
    double slopeHighPerHour = qQNaN();
    double intercept = qQNaN(); // value of the line at firstMs
    double level = qQNaN(); // NaN without points
    double noise = qQNaN(); // NaN without points

    bool hasSlope() const { return !qIsNaN(slopePerHour); }
    double coverageSeconds() const { return static_cast<double>(lastMs - firstMs) / 1000.0; }
    // The fitted line's value at time tMs (NaN without a slope).
    double lineAt(qint64 tMs) const;

    // Trend of the values whose times are in [fromMs, toMs]; NaN values are skipped. times and values
    // have the same length (extra entries of the longer one are ignored); times need not be sorted.
    static Trend compute(std::span<const qint64> timesMs, std::span<const double> values, qint64 fromMs, qint64 toMs,
        const TrendOptions& options = {});
    static Trend compute(std::span<const TrendPoint> points, const TrendOptions& options = {});

    // The bucket reduction described above; points must be sorted by time. Returns the points
    // unchanged when there are at most maxPoints of them.
    static std::vector<TrendPoint> reduce(std::span<const TrendPoint> sorted, int maxPoints);
};

} // namespace poolscope
