#include "RobustStats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace poolscope {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

double medianOf(std::vector<double> values)
{
    if (values.empty())
        return kNaN;
    const std::size_t mid = values.size() / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
    const double upper = values[mid];
    if (values.size() % 2 == 1)
        return upper;
    const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
    return (lower + upper) / 2.0;
}

double quantileOf(std::vector<double> values, double q)
{
    if (values.empty())
        return kNaN;
    std::sort(values.begin(), values.end());
    q = std::clamp(q, 0.0, 1.0);
    const double pos = q * static_cast<double>(values.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(pos));
    const std::size_t above = std::min(below + 1, values.size() - 1);
    const double frac = pos - static_cast<double>(below);
    return values[below] + (values[above] - values[below]) * frac;
}

double madOf(const std::vector<double>& values)
{
    if (values.empty())
        return kNaN;
    const double med = medianOf(values);
    std::vector<double> deviations;
    deviations.reserve(values.size());
    for (const double v : values)
        deviations.push_back(std::abs(v - med));
    return 1.4826 * medianOf(std::move(deviations));
}

double normalQuantile(double p)
{
    if (!(p > 0.0 && p < 1.0))
        return kNaN;
    // Phi(z) = erfc(-z / sqrt(2)) / 2 is increasing in z: bisect on [-40, 40].
    double lo = -40.0;
    double hi = 40.0;
    for (int i = 0; i < 200 && hi - lo > 1e-13; ++i) {
        const double mid = (lo + hi) / 2.0;
        const double phi = 0.5 * std::erfc(-mid / std::sqrt(2.0));
        if (phi < p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2.0;
}

} // namespace poolscope
