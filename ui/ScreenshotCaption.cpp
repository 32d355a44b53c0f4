#include "ScreenshotCaption.h"

#include <QCoreApplication>
#include <QDateTime>

#include <cstdlib>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
QString offsetText(int seconds)
{
    const QChar sign = seconds < 0 ? u'−' : u'+';
    const int minutes = std::abs(seconds) / 60;
    return u"UTC"_s + sign + u"%1:%2"_s.arg(minutes / 60, 2, 10, QChar(u'0')).arg(minutes % 60, 2, 10, QChar(u'0'));
}
} // namespace

QString ScreenshotCaption::timeRangeText(qint64 fromMs, qint64 toMs, const QTimeZone& zone)
{
    const QDateTime from = QDateTime::fromMSecsSinceEpoch(fromMs, zone);
    const QDateTime to = QDateTime::fromMSecsSinceEpoch(toMs, zone);
    const bool seconds = toMs - fromMs < 2LL * 60 * 1000;
    const QString clock = seconds ? u"HH:mm:ss"_s : u"HH:mm"_s;
    QString text = from.toString(u"yyyy-MM-dd "_s + clock) + u'–';
    text += from.date() == to.date() ? to.toString(clock) : to.toString(u"yyyy-MM-dd "_s + clock);
    const QString offset = offsetText(to.offsetFromUtc());
    const QString abbreviation = to.timeZoneAbbreviation();
    if (abbreviation.isEmpty() || abbreviation == offset || (abbreviation == u"UTC"_s && to.offsetFromUtc() == 0))
        return text + u' ' + offset;
    return text + u' ' + abbreviation + u" ("_s + offset + u')';
}

QStringList ScreenshotCaption::lines() const
{
    QStringList parts;
    if (!targets.isEmpty())
        parts.append(targets.join(u", "_s));
    if (toMs > 0)
        parts.append(timeRangeText(fromMs, toMs, zone));
    if (cursorMs != 0)
        parts.append(u"at "_s + QDateTime::fromMSecsSinceEpoch(cursorMs, zone).toString(u"HH:mm:ss"_s));
    else if (!review)
        parts.append(u"live"_s);
    if (review)
        parts.append(QCoreApplication::translate("ScreenshotCaption", "review of a recording"));
    parts.append(u"PoolScope "_s + version);
    if (redacted)
        parts.append(QCoreApplication::translate("ScreenshotCaption", "query text and client addresses redacted"));
    QStringList result { parts.join(u" · "_s) };
    if (!verdict.isEmpty())
        result.append(verdict);
    return result;
}

} // namespace poolscope
