#pragma once

#include <QString>
#include <QStringView>

#include <array>
#include <cmath>
#include <limits>
#include <optional>

namespace poolscope {

// The fixed set of numbers a profile maps a health payload onto (DESIGN.md, "Metrics").
// The order is part of the recording format and the CSV column order: append only.
enum class Metric : int {
    CheckedOut,
    Tracked,
    Discrepancy,
    AcquiredTotal,
    ReleasedTotal,
    LeaksTotal,
    PoolMin,
    PoolMax,
    PoolSize,
    PoolIdle,
    Waiting,
    NumMetrics
};

inline constexpr int kMetricCount = static_cast<int>(Metric::NumMetrics);

// "checked_out", "tracked", ... as in the workspace `fields` object, JSON output and CSV headers.
QString metricKey(Metric metric);
// Human label for charts and tables ("Checked out").
QString metricLabel(Metric metric);
std::optional<Metric> metricFromKey(QStringView key);

inline constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
inline bool isPresent(double v)
{
    return !std::isnan(v);
}

// All metrics of one poll; NaN marks a metric the payload did not have.
class MetricValues
{
public:
    MetricValues() { m_values.fill(kAbsent); }

    double operator[](Metric m) const { return m_values[static_cast<std::size_t>(m)]; }
    void set(Metric m, double v) { m_values[static_cast<std::size_t>(m)] = v; }
    bool has(Metric m) const { return isPresent((*this)[m]); }
    std::optional<double> get(Metric m) const
    {
        const double v = (*this)[m];
        return isPresent(v) ? std::optional<double>(v) : std::nullopt;
    }
    bool operator==(const MetricValues& other) const;

private:
    std::array<double, kMetricCount> m_values {};
};

} // namespace poolscope
