#include "Sample.h"

using namespace Qt::StringLiterals;

namespace poolscope {

QString Holder::location() const
{
    if (stack.isEmpty())
        return {};
    // "file:line:function": the function is after the last ':', the line before it (a path may hold ':').
    const QString& frame = stack.first();
    const qsizetype lastColon = frame.lastIndexOf(u':');
    if (lastColon <= 0)
        return frame;
    const QString function = frame.mid(lastColon + 1);
    const QString fileLine = frame.left(lastColon);
    if (function.isEmpty())
        return fileLine;
    return fileLine + u" in "_s + function + (function.endsWith(u')') ? QString() : u"()"_s);
}

} // namespace poolscope
