// libFuzzer target: a health payload through every built-in profile.
//
// Input: a JSON document. When the first line starts with '#', the rest of that line lists explicit
// workspace fields as space-separated "key=pointer" pairs (e.g. "#checked_out=/a/0 routes=/r") applied on
// top of the "auto" profile, and the JSON follows on the next line.

#include "profiles/Profile.h"

#include <QByteArray>
#include <QJsonDocument>

#include <cstddef>
#include <cstdint>

using namespace poolscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    QByteArray input = QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    QHash<QString, QString> fields;
    if (input.startsWith('#')) {
        const qsizetype end = input.indexOf('\n');
        const QByteArray line = input.mid(1, end < 0 ? -1 : end - 1);
        input = end < 0 ? QByteArray() : input.mid(end + 1);
        for (const QByteArray& pair : line.split(' ')) {
            const qsizetype eq = pair.indexOf('=');
            if (eq > 0)
                fields.insert(QString::fromUtf8(pair.left(eq)), QString::fromUtf8(pair.mid(eq + 1)));
        }
    }
    const QJsonDocument document = QJsonDocument::fromJson(input);
    if (document.isNull())
        return -1; // not JSON: HealthSource reports it before any profile sees it; keep it out of the corpus
    for (const QString& name : Profile::builtinNames()) {
        const std::optional<Profile> profile = Profile::builtin(name);
        if (!profile)
            __builtin_trap(); // every listed built-in must exist
        profile->apply(document);
    }
    if (!fields.isEmpty()) {
        validateFields(fields);
        QString error;
        if (const std::optional<Profile> custom = Profile::create(QStringLiteral("auto"), fields, &error))
            custom->apply(document);
        else if (error.isEmpty())
            __builtin_trap(); // a refusal always says why
    }
    return 0;
}
