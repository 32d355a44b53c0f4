#include "AnalysisText.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

QString formatSigned(double value, int decimals)
{
    if (std::isnan(value))
        return u"?"_s;
    const double scale = std::pow(10.0, decimals);
    double rounded = std::round(value * scale) / scale;
    if (rounded == 0.0)
        rounded = 0.0; // drops the sign of -0.0
    const QString digits = QString::number(std::abs(rounded), 'f', decimals);
    return (rounded < 0.0 ? u"\u2212"_s : u"+"_s) + digits;
}

QString formatCount(double value)
{
    if (std::isnan(value))
        return u"?"_s;
    const double whole = std::round(value);
    if (std::abs(value - whole) < 0.05)
        return QString::number(static_cast<qint64>(whole));
    return QString::number(value, 'f', 1);
}

} // namespace poolscope
