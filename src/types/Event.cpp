#include "Event.h"

#include <QMetaEnum>

namespace poolscope {

QString severityName(Event::Severity severity)
{
    return QString::fromLatin1(QMetaEnum::fromType<Event::Severity>().valueToKey(static_cast<int>(severity))).toLower();
}

} // namespace poolscope
