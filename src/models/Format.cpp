#include "Format.h"

#include "types/ActivitySnapshot.h"

using namespace Qt::StringLiterals;

namespace poolscope {

QString formatClient(const Backend& backend)
{
    if (backend.clientAddr.isEmpty())
        return backend.withheld ? unknownText() : u"local"_s;
    const bool v6 = backend.clientAddr.contains(QLatin1Char(':'));
    const QString host = v6 ? u'[' + backend.clientAddr + u']' : backend.clientAddr;
    if (backend.clientPort < 0)
        return backend.clientAddr;
    return host + u':' + QString::number(backend.clientPort);
}

} // namespace poolscope
