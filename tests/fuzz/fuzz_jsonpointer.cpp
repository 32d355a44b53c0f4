// libFuzzer target: JSON Pointer parsing and evaluation.
//
// Input: the pointer text on the first line, then (optionally) a JSON document to resolve it against.
// Checks the documented invariants: parse(p.toString()) == p, a refusal names a position inside the
// text, and escapeToken() round-trips through the parser.

#include "profiles/JsonPointer.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

using namespace poolscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray input = QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const qsizetype end = input.indexOf('\n');
    const QString text = QString::fromUtf8(end < 0 ? input : input.left(end));

    JsonPointer::SyntaxError error;
    const std::optional<JsonPointer> pointer = JsonPointer::parse(text, &error);
    if (!pointer) {
        if (error.message.isEmpty() || error.position < 0 || error.position > text.size())
            __builtin_trap();
        return 0;
    }
    const std::optional<JsonPointer> again = JsonPointer::parse(pointer->toString());
    if (!again || *again != *pointer)
        __builtin_trap();
    for (const QString& token : pointer->tokens()) {
        JsonPointer::arrayIndex(token);
        const std::optional<JsonPointer> escaped = JsonPointer::parse(QString(u'/' + JsonPointer::escapeToken(token)));
        if (!escaped || escaped->tokens() != QStringList { token })
            __builtin_trap();
    }
    if (end >= 0) {
        const QJsonDocument document = QJsonDocument::fromJson(input.mid(end + 1));
        if (!document.isNull()) {
            const JsonPointer::Resolution resolution
                = pointer->resolve(document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array()));
            if (resolution.found() && !resolution.ok())
                __builtin_trap(); // a value and an error at once
        }
    }
    return 0;
}
