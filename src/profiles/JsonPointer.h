#pragma once

#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

namespace poolscope {

// A JSON Pointer (RFC 6901): "" is the whole document, "/a/b" walks member "a" then "b";
// "~1" stands for '/' and "~0" for '~' inside a reference token. Array elements are addressed
// by decimal indices without leading zeros; "-" (the element after the last) is never valid for
// reading.
class JsonPointer
{
public:
    // Where a pointer failed to parse: the message and the 0-based character position in the text.
    struct SyntaxError
    {
        QString message;
        qsizetype position = -1;

        // "<message> at position <position>"
        QString toString() const;
    };

    // The result of resolve(): a value, nothing (the location does not exist), or an error
    // (the pointer cannot apply to this document, e.g. "-" or "01" as an array index).
    struct Resolution
    {
        std::optional<QJsonValue> value;
        QString error;

        bool found() const { return value.has_value(); }
        bool ok() const { return error.isEmpty(); }
    };

    JsonPointer() = default; // the whole document
    explicit JsonPointer(QStringList tokens);

    // Parses the textual form. On failure returns nullopt and fills *error when given.
    static std::optional<JsonPointer> parse(QStringView text, SyntaxError* error = nullptr);
    // Escapes one reference token ("a/b" -> "a~1b", "~" -> "~0").
    static QString escapeToken(QStringView token);
    // Whether a reference token is a valid array index for reading ("0", "17"; not "-", "01", "+1").
    static std::optional<qsizetype> arrayIndex(QStringView token);

    bool isRoot() const { return m_tokens.isEmpty(); }
    const QStringList& tokens() const { return m_tokens; }
    // The textual form, escaped: parse(p.toString()) == p.
    QString toString() const;

    JsonPointer child(const QString& token) const;
    JsonPointer child(qsizetype index) const;
    JsonPointer operator+(const JsonPointer& relative) const;

    Resolution resolve(const QJsonValue& root) const;

    bool operator==(const JsonPointer&) const = default;

private:
    QStringList m_tokens;
};

} // namespace poolscope
