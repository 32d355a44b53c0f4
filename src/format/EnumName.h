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

} // namespace poolscope
