#include "PayloadInspection.h"

#include "Exposition.h"
#include "JsonPointer.h"
#include "Profile.h"
#include "types/Metric.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// pointer or series key -> "metric, metric"
QHash<QString, QString> feedsBySource(const ProfileResult& result)
{
    QHash<QString, QString> feeds;
    for (int i = 0; i < kMetricCount; ++i) {
        const QString& source = result.sources[static_cast<std::size_t>(i)];
        if (source.isEmpty())
            continue;
        const QString name = metricKey(static_cast<Metric>(i));
        QString& entry = feeds[source];
        entry = entry.isEmpty() ? name : entry % u", "_s % name;
    }
    if (!result.routesSource.isEmpty()) {
        QString& entry = feeds[result.routesSource];
        entry = entry.isEmpty() ? u"routes"_s : entry % u", routes"_s;
    }
    return feeds;
}

QString scalarText(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return value.toBool() ? u"true"_s : u"false"_s;
    case QJsonValue::Double: {
        const double d = value.toDouble();
        return QString::number(d, 'g', 15);
    }
    case QJsonValue::String:
        return u'"' % value.toString() % u'"';
    case QJsonValue::Array:
        return u"[%1]"_s.arg(value.toArray().size());
    case QJsonValue::Object:
        return u"{%1}"_s.arg(value.toObject().size());
    case QJsonValue::Undefined:
        break;
    }
    return {};
}

class JsonLayout
{
public:
    JsonLayout(PayloadInspection& out, const QHash<QString, QString>& feeds)
        : m_out(out)
        , m_feeds(feeds)
    { }

    void add(int parent, const QString& key, const JsonPointer& at, const QJsonValue& value)
    {
        const int index = static_cast<int>(m_out.entries.size());
        PayloadEntry entry;
        entry.parent = parent;
        entry.key = key;
        entry.value = scalarText(value);
        entry.field = at.toString();
        entry.feeds = m_feeds.value(entry.field);
        if (!entry.feeds.isEmpty())
            ++m_out.mappedCount;
        QList<int>& siblings = parent < 0 ? m_out.roots : m_out.entries[parent].children;
        entry.row = static_cast<int>(siblings.size());
        siblings.append(index);
        m_out.entries.append(std::move(entry));

        if (value.isObject()) {
            const QJsonObject object = value.toObject();
            for (auto it = object.constBegin(); it != object.constEnd(); ++it)
                add(index, it.key(), at.child(it.key()), it.value());
        } else if (value.isArray()) {
            const QJsonArray array = value.toArray();
            for (qsizetype i = 0; i < array.size(); ++i)
                add(index, u"[%1]"_s.arg(i), at.child(i), array.at(i));
        }
    }

private:
    PayloadInspection& m_out;
    const QHash<QString, QString>& m_feeds;
};

} // namespace

PayloadInspection inspectPayload(const Payload& payload, const TargetConfig& target)
{
    PayloadInspection out;
    out.target = target.name;
    out.receivedMs = payload.receivedMs;
    out.bytes = payload.body.size();
    if (payload.isEmpty())
        return out;

    QString profileError;
    const std::optional<Profile> profile = Profile::create(target.profile, target.fields, &profileError);
    if (!profile)
        out.error = profileError;

    if (payload.isExposition()) {
        out.kind = PayloadInspection::Kind::Exposition;
        const Exposition parsed
            = Exposition::parse(payload.body, Exposition::sniffFormat(payload.contentType, payload.body));
        if (!parsed.ok())
            out.error = u"invalid Prometheus text at "_s % parsed.error;
        QHash<QString, QString> feeds;
        if (profile) {
            const ProfileResult result = profile->apply(parsed, target.pool);
            out.mappingError = result.error;
            feeds = feedsBySource(result);
        }
        out.entries.reserve(parsed.samples.size());
        for (const ExpositionSample& sample : parsed.samples) {
            PayloadEntry entry;
            entry.key = sample.seriesKey();
            entry.value = QString::number(sample.value, 'g', 15);
            entry.field = entry.key;
            entry.feeds = feeds.value(entry.key);
            if (!entry.feeds.isEmpty())
                ++out.mappedCount;
            entry.row = static_cast<int>(out.roots.size());
            out.roots.append(static_cast<int>(out.entries.size()));
            out.entries.append(std::move(entry));
        }
        return out;
    }

    out.kind = PayloadInspection::Kind::Json;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(payload.body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        out.error
            = u"invalid JSON at offset "_s % QString::number(parseError.offset) % u": "_s % parseError.errorString();
        return out;
    }
    QHash<QString, QString> feeds;
    if (profile) {
        const ProfileResult result = profile->apply(document);
        out.mappingError = result.error;
        feeds = feedsBySource(result);
    }
    const QJsonValue root = document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
    JsonLayout layout(out, feeds);
    // The document itself is not a row: its members (or elements) are the top level.
    const JsonPointer top;
    if (root.isObject()) {
        const QJsonObject object = root.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            layout.add(-1, it.key(), top.child(it.key()), it.value());
    } else {
        const QJsonArray array = root.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            layout.add(-1, u"[%1]"_s.arg(i), top.child(i), array.at(i));
    }
    return out;
}

} // namespace poolscope
