#include "Event.h"

namespace poolscope {

QString severityName(Event::Severity severity)
{
    switch (severity) {
    case Event::Severity::Info:
        return QStringLiteral("info");
    case Event::Severity::Warning:
        return QStringLiteral("warning");
    case Event::Severity::Critical:
        return QStringLiteral("critical");
    }
    return {};
}

} // namespace poolscope
