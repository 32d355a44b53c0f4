#pragma once

#include <vector>

namespace poolscope {

// Small robust-statistics helpers shared by the analysis classes. All of them ignore nothing:
// callers drop NaN before calling. Every function returns NaN for an empty input.

// The median (mean of the two middle values for an even count). Takes a copy: it reorders.
double medianOf(std::vector<double> values);

// The q-quantile (0 <= q <= 1) with linear interpolation between order statistics (type 7, as R's
// default and numpy's "linear").
double quantileOf(std::vector<double> values, double q);

// Median absolute deviation from the median, scaled by 1.4826 so that it estimates the standard
// deviation of normally distributed data.
double madOf(const std::vector<double>& values);

// The standard normal quantile: z with P(Z <= z) = p, for 0 < p < 1 (found by bisection on erfc,
// exact to ~1e-12). normalQuantile(0.975) = 1.959964.
double normalQuantile(double p);

} // namespace poolscope
