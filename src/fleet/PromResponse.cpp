#include "PromResponse.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// Prometheus's timestamps are seconds with up to millisecond precision; anything outside years 1970..2500 is
// not a sample time.
constexpr double kMaxSeconds = 16'725'225'600.0;

QString shortened(const QString& text)
{
    return text.size() > 40 ? text.left(40) + u'…' : text;
}

bool readPoint(const QJsonValue& point, const QString& place, qint64* tMs, double* value, QString* error)
{
    const QJsonArray pair = point.toArray();
    if (!point.isArray() || pair.size() != 2) {
        *error = place + u": must be a [time, \"value\"] pair"_s;
        return false;
    }
    const QJsonValue t = pair.at(0);
    if (!t.isDouble() || !std::isfinite(t.toDouble()) || t.toDouble() < 0 || t.toDouble() > kMaxSeconds) {
        *error = place + u"[0]: must be a time in seconds since the epoch"_s;
        return false;
    }
    *tMs = std::llround(t.toDouble() * 1000.0);
    const QJsonValue v = pair.at(1);
    if (!v.isString() || !parsePromValue(v.toString(), value)) {
        *error = place + u"[1]: "_s
            + (v.isString() ? u"\"%1\" is not a number"_s.arg(shortened(v.toString())) : u"must be a string"_s);
        return false;
    }
    return true;
}

} // namespace

bool parsePromValue(const QString& text, double* value)
{
    if (text == u"NaN"_s) {
        *value = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    if (text == u"+Inf"_s || text == u"Inf"_s) {
        *value = std::numeric_limits<double>::infinity();
        return true;
    }
    if (text == u"-Inf"_s) {
        *value = -std::numeric_limits<double>::infinity();
        return true;
    }
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || !std::isfinite(v))
        return false;
    *value = v;
    return true;
}

PromResponse PromResponse::parse(const QByteArray& body, Type expected, qsizetype maxSeries, qsizetype maxPoints)
{
    PromResponse r;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        r.error = u"not JSON (at byte %1: %2)"_s.arg(parseError.offset).arg(parseError.errorString());
        return r;
    }
    if (!doc.isObject()) {
        r.error = u"the answer must be a JSON object"_s;
        return r;
    }
    const QJsonObject root = doc.object();
    QStringList warnings;
    for (const QJsonValue& w : root.value(u"warnings"_s).toArray())
        warnings.append(w.toString());
    r.warnings = warnings.join(u"; "_s);
    const QString status = root.value(u"status"_s).toString();
    if (status == u"error"_s) {
        r.error = u"Prometheus: %1: %2"_s.arg(
            root.value(u"errorType"_s).toString(u"error"_s), root.value(u"error"_s).toString(u"(no message)"_s));
        return r;
    }
    if (status != u"success"_s) {
        r.error = u"status: must be \"success\" or \"error\""_s;
        return r;
    }
    const QJsonValue dataValue = root.value(u"data"_s);
    if (!dataValue.isObject()) {
        r.error = u"data: must be an object"_s;
        return r;
    }
    const QJsonObject data = dataValue.toObject();
    const QString wantedType = expected == Type::Vector ? u"vector"_s : u"matrix"_s;
    if (data.value(u"resultType"_s).toString() != wantedType) {
        r.error = u"data.resultType: \"%1\", expected \"%2\""_s.arg(
            shortened(data.value(u"resultType"_s).toString()), wantedType);
        return r;
    }
    const QJsonValue resultValue = data.value(u"result"_s);
    if (!resultValue.isArray()) {
        r.error = u"data.result: must be an array"_s;
        return r;
    }
    const QJsonArray result = resultValue.toArray();
    if (result.size() > maxSeries) {
        r.error = u"data.result: %1 series, more than the %2 this view reads; narrow the selector"_s.arg(result.size())
                      .arg(maxSeries);
        return r;
    }
    r.series.reserve(static_cast<std::size_t>(result.size()));
    qsizetype points = 0;
    for (qsizetype i = 0; i < result.size(); ++i) {
        const QString place = u"data.result[%1]"_s.arg(i);
        const QJsonValue itemValue = result.at(i);
        if (!itemValue.isObject()) {
            r.error = place + u": must be an object"_s;
            return r;
        }
        const QJsonObject item = itemValue.toObject();
        PromSeries series;
        const QJsonValue metric = item.value(u"metric"_s);
        if (!metric.isObject()) {
            r.error = place + u".metric: must be an object of labels"_s;
            return r;
        }
        const QJsonObject labels = metric.toObject();
        for (auto it = labels.begin(); it != labels.end(); ++it) {
            if (!it.value().isString()) {
                r.error = place + u".metric.%1: must be a string"_s.arg(shortened(it.key()));
                return r;
            }
            series.labels.insert(it.key(), it.value().toString());
        }
        qint64 t = 0;
        double v = 0;
        if (expected == Type::Vector) {
            if (!readPoint(item.value(u"value"_s), place + u".value"_s, &t, &v, &r.error))
                return r;
            series.timesMs.push_back(t);
            series.values.push_back(v);
            ++points;
        } else {
            const QJsonValue valuesValue = item.value(u"values"_s);
            if (!valuesValue.isArray()) {
                r.error = place + u".values: must be an array"_s;
                return r;
            }
            const QJsonArray values = valuesValue.toArray();
            points += values.size();
            if (points > maxPoints) {
                r.error = u"data.result: more than %1 points; choose a shorter range or a larger step"_s.arg(maxPoints);
                return r;
            }
            series.timesMs.reserve(static_cast<std::size_t>(values.size()));
            series.values.reserve(static_cast<std::size_t>(values.size()));
            for (qsizetype j = 0; j < values.size(); ++j) {
                const QString pointPlace = place + u".values[%1]"_s.arg(j);
                if (!readPoint(values.at(j), pointPlace, &t, &v, &r.error))
                    return r;
                if (!series.timesMs.empty() && t <= series.timesMs.back()) {
                    r.error = pointPlace + u"[0]: times must increase"_s;
                    return r;
                }
                series.timesMs.push_back(t);
                series.values.push_back(v);
            }
        }
        r.series.push_back(std::move(series));
    }
    return r;
}

} // namespace poolscope
