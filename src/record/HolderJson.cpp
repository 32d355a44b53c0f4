#include "HolderJson.h"

#include "profiles/HoldersReader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace poolscope {

QByteArray holdersToJson(const QList<Holder>& holders)
{
    QJsonArray array;
    for (const Holder& h : holders) {
        QJsonObject object { { u"backend_pid"_s, h.backendPid }, { u"tracked"_s, h.tracked } };
        if (h.hasAcquiredAt())
            object.insert(u"acquired_at"_s, static_cast<double>(h.acquiredAtMs) / 1000.0);
        if (!h.route.isEmpty())
            object.insert(u"route"_s, h.route);
        if (!h.stack.isEmpty())
            object.insert(u"stack"_s, QJsonArray::fromStringList(h.stack));
        array.append(object);
    }
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

QList<Holder> holdersFromJson(const QByteArray& json, QString* error)
{
    QList<Holder> holders;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (error)
            *error = u"invalid JSON at offset "_s + QString::number(parseError.offset);
        return holders;
    }
    QStringList errors;
    HoldersReader::read(QJsonValue(document.array()), JsonPointer(), &holders, &errors);
    if (error && !errors.isEmpty())
        *error = errors.first();
    return holders;
}

} // namespace poolscope
