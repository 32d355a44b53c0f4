#include "Format.h"

#include "types/ActivitySnapshot.h"

#include <QDateTime>
#include <QLocale>
#include <QTimeZone>

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

QString unknownText()
{
    return u"—"_s;
}

QString singleLine(const QString& text)
{
    return text.simplified();
}

QString formatWhole(double value)
{
    return std::isnan(value) ? unknownText() : QString::number(value, 'f', 0);
}

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

QString formatDurationMs(qint64 ms)
{
    if (ms == kNoTime)
        return unknownText();
    const qint64 seconds = std::max<qint64>(ms, 0) / 1000;
    const qint64 minutes = seconds / 60;
    const qint64 hours = minutes / 60;
    const qint64 days = hours / 24;
    if (seconds < 60)
        return u"%1 s"_s.arg(seconds);
    if (minutes < 60)
        return u"%1 m %2 s"_s.arg(minutes).arg(seconds % 60, 2, 10, QLatin1Char('0'));
    if (hours < 24)
        return u"%1 h %2 m"_s.arg(hours).arg(minutes % 60, 2, 10, QLatin1Char('0'));
    return u"%1 d %2 h"_s.arg(days).arg(hours % 24);
}

QString formatSeconds(qint64 ms)
{
    return QString::number(std::round(static_cast<double>(ms) / 100.0) / 10.0) + u" s"_s;
}

QString formatByteSize(qint64 bytes)
{
    // The unit formattedDataSize picks (powers of 1024); whole multiples of it get no decimals.
    if (std::abs(bytes) < 1024)
        return bytes == 1 ? u"1 byte"_s : QLocale().toString(bytes) + u" bytes"_s;
    qint64 unit = 1;
    while (unit <= std::numeric_limits<qint64>::max() / 1024 && std::abs(bytes) >= unit * 1024)
        unit *= 1024;
    const int precision = bytes % unit == 0 ? 0 : 1;
    return QLocale().formattedDataSize(bytes, precision, QLocale::DataSizeIecFormat);
}

QString formatClock(qint64 utcMs)
{
    if (utcMs == 0 || utcMs == kNoTime)
        return unknownText();
    return QDateTime::fromMSecsSinceEpoch(utcMs).toLocalTime().toString(u"HH:mm:ss"_s);
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

QString isoTimestamp(qint64 msSinceEpoch)
{
    if (msSinceEpoch == kNoTime)
        return {};
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace poolscope
