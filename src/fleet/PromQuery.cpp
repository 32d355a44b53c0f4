#include "PromQuery.h"

#include <QStringList>
#include <QUrl>

#include <algorithm>
#include <array>

using namespace Qt::StringLiterals;

namespace poolscope::promquery {

QString quoted(const QString& value)
{
    QString out;
    out.reserve(value.size() + 2);
    out += u'"';
    for (const QChar c : value) {
        switch (c.unicode()) {
        case u'\\':
            out += u"\\\\"_s;
            break;
        case u'"':
            out += u"\\\""_s;
            break;
        case u'\n':
            out += u"\\n"_s;
            break;
        default:
            out += c;
        }
    }
    out += u'"';
    return out;
}

QString selector(const QString& metric, const QString& extraSelector, const QList<QPair<QString, QString>>& equals)
{
    QStringList matchers;
    QString extra = extraSelector.trimmed();
    if (extra.startsWith(u'{') && extra.endsWith(u'}'))
        extra = extra.mid(1, extra.size() - 2).trimmed();
    if (extra.endsWith(u','))
        extra.chop(1);
    if (!extra.isEmpty())
        matchers.append(extra);
    for (const auto& [name, value] : equals)
        matchers.append(name + u'=' + quoted(value));
    if (matchers.isEmpty())
        return metric;
    return metric + u'{' + matchers.join(u", "_s) + u'}';
}

qint64 fitStepSeconds(qint64 rangeMs, int pixels, qint64 minStepSeconds)
{
    static constexpr std::array<qint64, 18> kSteps { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
        10800, 21600, 43200, 86400 };
    const qint64 rangeSeconds = std::max<qint64>(1, (rangeMs + 999) / 1000);
    const qint64 columns = std::max(1, pixels);
    const qint64 wanted = std::max({ minStepSeconds, qint64 { 1 }, (rangeSeconds + columns - 1) / columns,
        (rangeSeconds + kMaxPoints - 1) / kMaxPoints });
    for (const qint64 step : kSteps) {
        if (step >= wanted)
            return step;
    }
    // Beyond a day per point: whole days.
    return (wanted + 86399) / 86400 * 86400;
}

namespace {
QByteArray field(const char* name, const QString& value)
{
    return QByteArray(name) + '=' + QUrl::toPercentEncoding(value);
}
} // namespace

QByteArray instant(const QString& promql, qint64 timeMs)
{
    QByteArray body = field("query", promql);
    if (timeMs > 0)
        body += '&' + field("time", QString::number(static_cast<double>(timeMs) / 1000.0, 'f', 3));
    return body;
}

QByteArray range(const QString& promql, qint64 startMs, qint64 endMs, qint64 stepSeconds)
{
    const qint64 step = std::max<qint64>(1, stepSeconds);
    const qint64 start = startMs / 1000 / step * step;
    const qint64 end = std::max(start, (endMs + 999) / 1000);
    return field("query", promql) + '&' + field("start", QString::number(start)) + '&'
        + field("end", QString::number(end)) + '&' + field("step", QString::number(step));
}

} // namespace poolscope::promquery
