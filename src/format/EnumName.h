#pragma once

#include <QMetaEnum>
#include <QString>

namespace poolscope {

// The name of an enumerator as it is written in the code ("Growing"), for enums declared with Q_ENUM
// or Q_ENUM_NS; empty for a value that is not an enumerator. Callers that write the name into a file
// format or JSON fix its case (toLower()/toUpper()) and tests pin the strings, so renaming an
// enumerator that reaches a file shows up as a failing test.
template <typename Enum> QString enumName(Enum value)
{
    const char* key = QMetaEnum::fromType<Enum>().valueToKey(static_cast<int>(value));
    return key ? QString::fromLatin1(key) : QString();
}

// The enumerator's name as a key of a file format or JSON, in snake case: "LiveAndReconstructed" ->
// "live_and_reconstructed", "Growing" -> "growing"; empty for a value that is not an enumerator.
template <typename Enum> QString enumKey(Enum value)
{
    const QString name = enumName(value);
    QString key;
    key.reserve(name.size() + 4);
    for (qsizetype i = 0; i < name.size(); ++i) {
        const QChar c = name.at(i);
        if (c.isUpper() && i > 0)
            key += u'_';
        key += c.toLower();
    }
    return key;
}

} // namespace poolscope
