#include "JsonPointer.h"

#include <QJsonArray>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace poolscope {

QString JsonPointer::SyntaxError::toString() const
{
    return message % u" at position "_s % QString::number(position);
}

JsonPointer::JsonPointer(QStringList tokens)
    : m_tokens(std::move(tokens))
{ }

std::optional<JsonPointer> JsonPointer::parse(QStringView text, SyntaxError* error)
{
    auto fail = [error](QString message, qsizetype position) -> std::optional<JsonPointer> {
        if (error)
            *error = SyntaxError { std::move(message), position };
        return std::nullopt;
    };

    if (text.isEmpty())
        return JsonPointer();
    if (text.front() != u'/')
        return fail(u"a JSON Pointer must be empty or start with '/'"_s, 0);

    QStringList tokens;
    QString token;
    for (qsizetype i = 1; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c == u'/') {
            tokens.append(token);
            token.clear();
        } else if (c == u'~') {
            if (i + 1 >= text.size())
                return fail(u"incomplete escape '~' (use ~0 for '~' and ~1 for '/')"_s, i);
            const QChar next = text[i + 1];
            if (next == u'0')
                token.append(u'~');
            else if (next == u'1')
                token.append(u'/');
            else
                return fail(u"invalid escape '~"_s % next % u"' (use ~0 for '~' and ~1 for '/')"_s, i);
            ++i;
        } else {
            token.append(c);
        }
    }
    tokens.append(token);
    return JsonPointer(std::move(tokens));
}

QString JsonPointer::escapeToken(QStringView token)
{
    QString out;
    out.reserve(token.size());
    for (const QChar c : token) {
        if (c == u'~')
            out.append(u"~0");
        else if (c == u'/')
            out.append(u"~1");
        else
            out.append(c);
    }
    return out;
}

std::optional<qsizetype> JsonPointer::arrayIndex(QStringView token)
{
    // RFC 6901: array-index = %x30 / ( %x31-39 *(%x30-39) )
    if (token.isEmpty() || token.size() > 18)
        return std::nullopt;
    if (token.size() > 1 && token.front() == u'0')
        return std::nullopt;
    qsizetype value = 0;
    for (const QChar c : token) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        value = value * 10 + (c.unicode() - u'0');
    }
    return value;
}

QString JsonPointer::toString() const
{
    QString out;
    for (const QString& token : m_tokens)
        out += u'/' % escapeToken(token);
    return out;
}

JsonPointer JsonPointer::child(const QString& token) const
{
    JsonPointer result = *this;
    result.m_tokens.append(token);
    return result;
}

JsonPointer JsonPointer::child(qsizetype index) const
{
    return child(QString::number(index));
}

JsonPointer JsonPointer::operator+(const JsonPointer& relative) const
{
    JsonPointer result = *this;
    result.m_tokens.append(relative.m_tokens);
    return result;
}

JsonPointer::Resolution JsonPointer::resolve(const QJsonValue& root) const
{
    QJsonValue current = root;
    for (const QString& token : m_tokens) {
        if (current.isObject()) {
            const QJsonObject object = current.toObject();
            const auto it = object.constFind(token);
            if (it == object.constEnd())
                return {};
            current = it.value();
        } else if (current.isArray()) {
            if (token == u"-")
                return { std::nullopt, u"\"-\" names the element after the last of an array and cannot be read"_s };
            const std::optional<qsizetype> index = arrayIndex(token);
            if (!index)
                return { std::nullopt,
                    u"\""_s % token % u"\" is not an array index (a decimal number without leading zeros)"_s };
            const QJsonArray array = current.toArray();
            if (*index >= array.size())
                return {};
            current = array.at(*index);
        } else {
            // A scalar has no members: the location does not exist.
            return {};
        }
    }
    return { current, {} };
}

} // namespace poolscope
