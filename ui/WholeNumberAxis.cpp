#include "WholeNumberAxis.h"

#include <QValueAxis>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

void WholeNumberAxis::setUp(QValueAxis* axis)
{
    axis->setLabelFormat(u"%d"_s);
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    axis->setTickInterval(1);
    axis->setMinorTickCount(0);
    axis->setRange(0, 1);
}

void WholeNumberAxis::fit(QValueAxis* axis, double highest, double minimumTop)
{
    const double top = std::max(minimumTop, std::ceil(std::isfinite(highest) ? highest : 0));
    const double step = niceStep(top);
    axis->setTickInterval(step);
    axis->setRange(0, std::ceil(top / step) * step);
}

double WholeNumberAxis::niceStep(double top)
{
    const double raw = std::max(top / 6.0, 1.0);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double f : { 1.0, 2.0, 5.0, 10.0 }) {
        if (f * magnitude >= raw)
            return f * magnitude;
    }
    return 10 * magnitude;
}

} // namespace poolscope
