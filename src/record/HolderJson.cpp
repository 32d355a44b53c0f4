#include "HolderJson.h"

#include "profiles/HoldersReader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace poolscope {

QByteArray holderToJson(const Holder& h)
{
    QJsonObject object { { u"backend_pid"_s, h.backendPid }, { u"tracked"_s, h.tracked } };
    if (h.hasAcquiredAt())
        object.insert(u"acquired_at"_s, static_cast<double>(h.acquiredAtMs) / 1000.0);
    if (!h.route.isEmpty())
        object.insert(u"route"_s, h.route);
    if (!h.stack.isEmpty())
        object.insert(u"stack"_s, QJsonArray::fromStringList(h.stack));
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

std::optional<Holder> holderFromJson(const QByteArray& json, QString* error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        if (error)
            *error = u"a holder that is not a JSON object"_s;
        return std::nullopt;
    }
    QList<Holder> holders;
    QStringList errors;
    HoldersReader::read(QJsonValue(QJsonArray { document.object() }), JsonPointer(), &holders, &errors);
    if (holders.size() != 1) {
        if (error)
            *error = errors.value(0, u"an unreadable holder"_s);
        return std::nullopt;
    }
    return holders.first();
}

} // namespace poolscope
