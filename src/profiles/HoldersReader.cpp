#include "HoldersReader.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

QString HoldersReader::describe(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return value.toBool() ? u"a boolean (true)"_s : u"a boolean (false)"_s;
    case QJsonValue::Double:
        return u"a number ("_s + QString::number(value.toDouble()) + u')';
    case QJsonValue::String: {
        QString text = value.toString();
        if (text.size() > 40)
            text = text.left(40) + u"…"_s;
        return u"a string (\""_s + text + u"\")"_s;
    }
    case QJsonValue::Array:
        return u"an array"_s;
    case QJsonValue::Object:
        return u"an object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return u"nothing"_s;
}

namespace {

QString place(const JsonPointer& at)
{
    return u"holders at "_s + (at.isRoot() ? u"\"\" (the whole document)"_s : at.toString());
}

QString expected(const JsonPointer& at, const QString& what, const QJsonValue& got)
{
    return place(at) + u": expected "_s + what + u", got "_s + HoldersReader::describe(got);
}

QString tooLong(const JsonPointer& at, qsizetype size)
{
    return place(at) + u": a string of "_s + QString::number(size) + u" characters, more than the "_s
        + QString::number(HoldersReader::kMaxChars) + u" allowed"_s;
}

} // namespace

std::optional<qint64> HoldersReader::parseTime(const QJsonValue& value)
{
    if (value.isDouble()) {
        const double seconds = value.toDouble();
        // Up to year 9999; before 1970 is no time a connection was taken.
        if (!std::isfinite(seconds) || seconds < 0 || seconds > 253402300799.0)
            return std::nullopt;
        return static_cast<qint64>(std::llround(seconds * 1000.0));
    }
    if (!value.isString())
        return std::nullopt;
    const QString text = value.toString();
    // RFC 3339 needs a date, a time and a zone (Z or ±hh:mm); Qt::ISODateWithMs reads fractions of any length.
    if (text.size() < 20 || text.size() > 40 || (text.at(10) != u'T' && text.at(10) != u't' && text.at(10) != u' '))
        return std::nullopt;
    QString iso = text;
    iso[10] = u'T';
    if (iso.endsWith(u'z'))
        iso[iso.size() - 1] = u'Z';
    const bool zoned = iso.endsWith(u'Z') || iso.at(iso.size() - 6) == u'+' || iso.at(iso.size() - 6) == u'-';
    if (!zoned)
        return std::nullopt;
    const QDateTime time = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!time.isValid())
        return std::nullopt;
    return time.toMSecsSinceEpoch();
}

void HoldersReader::read(const QJsonValue& value, const JsonPointer& at, QList<Holder>* holders, QStringList* errors)
{
    if (!value.isArray()) {
        errors->append(expected(at, u"an array of holders"_s, value));
        return;
    }
    const QJsonArray array = value.toArray();
    if (array.size() > kMaxHolders) {
        errors->append(place(at) + u": "_s + QString::number(array.size()) + u" holders, more than the "_s
            + QString::number(kMaxHolders) + u" allowed"_s);
        return;
    }
    holders->reserve(holders->size() + array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        const JsonPointer entryAt = at.child(i);
        const QJsonValue entry = array.at(i);
        if (!entry.isObject()) {
            errors->append(expected(entryAt, u"an object"_s, entry));
            continue;
        }
        const QJsonObject object = entry.toObject();
        const qsizetype before = errors->size();
        Holder holder;
        const QJsonValue pid = object.value(u"backend_pid");
        if (pid.isUndefined()) {
            errors->append(place(entryAt) + u": backend_pid is missing"_s);
        } else if (const double v = pid.toDouble(-1);
                   !pid.isDouble() || v < 1 || v > 2147483647.0 || std::floor(v) != v) {
            errors->append(expected(entryAt.child(u"backend_pid"_s), u"a process id (a whole number above 0)"_s, pid));
        } else {
            holder.backendPid = static_cast<int>(v);
        }
        const QJsonValue tracked = object.value(u"tracked");
        if (tracked.isUndefined())
            errors->append(place(entryAt) + u": tracked is missing"_s);
        else if (!tracked.isBool())
            errors->append(expected(entryAt.child(u"tracked"_s), u"a boolean"_s, tracked));
        else
            holder.tracked = tracked.toBool();
        const QJsonValue acquired = object.value(u"acquired_at");
        if (!acquired.isUndefined() && !acquired.isNull()) {
            if (const auto ms = parseTime(acquired))
                holder.acquiredAtMs = *ms;
            else
                errors->append(expected(entryAt.child(u"acquired_at"_s),
                    u"an RFC 3339 time (\"2026-11-27T03:01:12.301Z\") or seconds since the epoch"_s, acquired));
        }
        const QJsonValue route = object.value(u"route");
        if (!route.isUndefined() && !route.isNull()) {
            if (!route.isString())
                errors->append(expected(entryAt.child(u"route"_s), u"a string"_s, route));
            else if (route.toString().size() > kMaxChars)
                errors->append(tooLong(entryAt.child(u"route"_s), route.toString().size()));
            else
                holder.route = route.toString();
        }
        const QJsonValue stack = object.value(u"stack");
        if (!stack.isUndefined() && !stack.isNull()) {
            if (!stack.isArray()) {
                errors->append(
                    expected(entryAt.child(u"stack"_s), u"an array of \"file:line:function\" strings"_s, stack));
            } else if (stack.toArray().size() > kMaxFrames) {
                errors->append(place(entryAt.child(u"stack"_s)) + u": "_s + QString::number(stack.toArray().size())
                    + u" frames, more than the "_s + QString::number(kMaxFrames) + u" allowed"_s);
            } else {
                const QJsonArray frames = stack.toArray();
                for (qsizetype f = 0; f < frames.size(); ++f) {
                    const JsonPointer frameAt = entryAt.child(u"stack"_s).child(f);
                    if (!frames.at(f).isString())
                        errors->append(expected(frameAt, u"a string (\"file:line:function\")"_s, frames.at(f)));
                    else if (frames.at(f).toString().size() > kMaxChars)
                        errors->append(tooLong(frameAt, frames.at(f).toString().size()));
                    else
                        holder.stack.append(frames.at(f).toString());
                }
            }
        }
        if (errors->size() == before)
            holders->append(holder);
    }
}

QString HoldersReader::readDocument(const QJsonValue& root, QList<Holder>* holders)
{
    QStringList errors;
    if (root.isObject() && root.toObject().contains(u"holders"_s))
        read(root.toObject().value(u"holders"_s), JsonPointer().child(u"holders"_s), holders, &errors);
    else if (root.isArray())
        read(root, JsonPointer(), holders, &errors);
    else
        errors.append(u"holders_url: expected an array of holders or an object with a \"holders\" member, got "_s
            + describe(root));
    constexpr qsizetype kMaxErrors = 3;
    if (errors.size() > kMaxErrors) {
        const qsizetype more = errors.size() - kMaxErrors;
        errors.resize(kMaxErrors);
        errors.append(u"and "_s + QString::number(more) + (more == 1 ? u" more problem"_s : u" more problems"_s));
    }
    return errors.join(u"; "_s);
}

} // namespace poolscope
