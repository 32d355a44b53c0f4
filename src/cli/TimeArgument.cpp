#include "TimeArgument.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

QString localText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s);
}

QString rangeText(qint64 firstMs, qint64 lastMs)
{
    return u"%1 to %2 local time"_s.arg(localText(firstMs), localText(lastMs));
}

} // namespace

bool parseDuration(const QString& text, qint64* ms, QString* error)
{
    static const QRegularExpression re(u"^\\s*(\\d+(?:\\.\\d+)?)\\s*([smhd]?)\\s*$"_s);
    const auto m = re.match(text);
    bool ok = false;
    const double value = m.hasMatch() ? m.captured(1).toDouble(&ok) : 0;
    if (!ok || value <= 0) {
        *error = u"--duration: \"%1\" is not a duration (like 90, 90s, 10m, 12h)"_s.arg(text);
        return false;
    }
    const QString unit = m.captured(2);
    const double factor = unit == u"m"_s ? 60e3 : unit == u"h"_s ? 3600e3 : unit == u"d"_s ? 86400e3 : 1e3;
    const double total = value * factor;
    if (total > 366.0 * 86400e3) {
        *error = u"--duration: \"%1\" is longer than a year"_s.arg(text);
        return false;
    }
    *ms = static_cast<qint64>(total);
    return true;
}

bool parseTimeArgument(const QString& option, const QString& text, qint64 firstMs, qint64 lastMs, bool mustBeInside,
    qint64* ms, QString* error)
{
    const QString trimmed = text.trimmed();
    static const QRegularExpression timeOfDay(u"^(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,3}))?)?$"_s);
    const auto m = timeOfDay.match(trimmed);
    if (m.hasMatch()) {
        const int h = m.captured(1).toInt();
        const int min = m.captured(2).toInt();
        const int s = m.captured(3).isEmpty() ? 0 : m.captured(3).toInt();
        const int msec = m.captured(4).isEmpty() ? 0 : m.captured(4).leftJustified(3, u'0').toInt();
        const QTime time(h, min, s, msec);
        if (!time.isValid()) {
            *error = u"%1: \"%2\" is not a time of day (HH:MM or HH:MM:SS)"_s.arg(option, text);
            return false;
        }
        if (firstMs == 0 && lastMs == 0) {
            *error = u"%1: \"%2\": the recording is empty, so a time of day means nothing"_s.arg(option, text);
            return false;
        }
        const QDate firstDay = QDateTime::fromMSecsSinceEpoch(firstMs).toLocalTime().date();
        for (QDate day = QDateTime::fromMSecsSinceEpoch(lastMs).toLocalTime().date(); day >= firstDay;
             day = day.addDays(-1)) {
            const qint64 candidate = QDateTime(day, time).toMSecsSinceEpoch();
            if (candidate >= firstMs && candidate <= lastMs) {
                *ms = candidate;
                return true;
            }
        }
        *error = u"%1: %2 is outside the recording (%3)"_s.arg(option, text, rangeText(firstMs, lastMs));
        return false;
    }

    QString iso = trimmed;
    static const QRegularExpression spaceSeparator(u"^(\\d{4}-\\d{2}-\\d{2}) (\\d)"_s);
    iso.replace(spaceSeparator, u"\\1T\\2"_s);
    static const QRegularExpression isoShape(u"^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}"_s);
    QDateTime parsed;
    if (isoShape.match(iso).hasMatch())
        parsed = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!parsed.isValid()) {
        *error = u"%1: \"%2\" is not a time (ISO 8601 like 2026-11-27T03:12:00Z, or a time of day like 03:12)"_s.arg(
            option, text);
        return false;
    }
    const qint64 value = parsed.toMSecsSinceEpoch();
    if (mustBeInside && (value < firstMs || value > lastMs)) {
        *error = u"%1: %2 is outside the recording (%3)"_s.arg(option, text, rangeText(firstMs, lastMs));
        return false;
    }
    *ms = value;
    return true;
}

} // namespace poolscope
