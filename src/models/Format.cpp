#include "Format.h"

#include "types/ActivitySnapshot.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace poolscope {

QString unknownText()
{
    return u"—"_s;
}

QString formatDuration(qint64 ms)
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

QString formatClock(qint64 utcMs)
{
    if (utcMs == 0 || utcMs == kNoTime)
        return unknownText();
    return QDateTime::fromMSecsSinceEpoch(utcMs).toLocalTime().toString(u"HH:mm:ss"_s);
}

QString formatClient(const Backend& backend)
{
    if (backend.clientAddr.isEmpty())
        return backend.withheld ? unknownText() : u"local"_s;
    const bool v6 = backend.clientAddr.contains(QLatin1Char(':'));
    const QString host = v6 ? u'[' + backend.clientAddr + u']' : backend.clientAddr;
    if (backend.clientPort < 0)
        return backend.clientAddr;
    return host + u':' + QString::number(backend.clientPort);
}

QString singleLine(const QString& text)
{
    return text.simplified();
}

} // namespace poolscope
