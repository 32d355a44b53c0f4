#include "AnalysisText.h"

#include <QDateTime>
#include <QTimeZone>

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

QString formatDuration(double seconds)
{
    if (!(seconds > 0.0))
        return u"0 s"_s;
    const auto total = static_cast<qint64>(std::llround(seconds));
    if (total < 90)
        return QString::number(total) + u" s"_s;
    const qint64 minutes = static_cast<qint64>(std::llround(seconds / 60.0));
    if (minutes < 60)
        return QString::number(minutes) + u" min"_s;
    if (minutes < 48 * 60) {
        const qint64 h = minutes / 60;
        const qint64 m = minutes % 60;
        if (m == 0)
            return QString::number(h) + u" h"_s;
        return QString::number(h) + u" h "_s + QString::number(m) + u" m"_s;
    }
    const qint64 hours = static_cast<qint64>(std::llround(seconds / 3600.0));
    const qint64 d = hours / 24;
    const qint64 h = hours % 24;
    if (h == 0)
        return QString::number(d) + u" d"_s;
    return QString::number(d) + u" d "_s + QString::number(h) + u" h"_s;
}

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

QString formatClock(qint64 utcMs, qint64 referenceMs, int utcOffsetSeconds)
{
    const QTimeZone zone(utcOffsetSeconds);
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(utcMs, zone);
    const QDateTime reference = QDateTime::fromMSecsSinceEpoch(referenceMs, zone);
    if (when.date() == reference.date())
        return when.toString(u"HH:mm"_s);
    return when.toString(u"yyyy-MM-dd HH:mm"_s);
}

} // namespace poolscope
