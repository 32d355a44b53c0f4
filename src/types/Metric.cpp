#include "Metric.h"

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
struct MetricName
{
    QStringView key;
    QStringView label;
};
constexpr std::array<MetricName, kMetricCount> kNames { {
    { u"checked_out", u"Checked out" },
    { u"tracked", u"Tracked" },
    { u"discrepancy", u"Discrepancy" },
    { u"acquired_total", u"Acquired (total)" },
    { u"released_total", u"Released (total)" },
    { u"leaks_total", u"Leaks (total)" },
    { u"pool_min", u"Pool min" },
    { u"pool_max", u"Pool max" },
    { u"pool_size", u"Pool size" },
    { u"pool_idle", u"Pool idle" },
    { u"waiting", u"Waiting" },
} };
} // namespace

QString metricKey(Metric metric)
{
    return kNames.at(static_cast<std::size_t>(metric)).key.toString();
}

QString metricLabel(Metric metric)
{
    return kNames.at(static_cast<std::size_t>(metric)).label.toString();
}

std::optional<Metric> metricFromKey(QStringView key)
{
    for (int i = 0; i < kMetricCount; ++i) {
        if (kNames[static_cast<std::size_t>(i)].key == key)
            return static_cast<Metric>(i);
    }
    return std::nullopt;
}

bool MetricValues::operator==(const MetricValues& other) const
{
    for (std::size_t i = 0; i < m_values.size(); ++i) {
        const double a = m_values[i];
        const double b = other.m_values[i];
        if (isPresent(a) != isPresent(b) || (isPresent(a) && a != b))
            return false;
    }
    return true;
}

} // namespace poolscope
