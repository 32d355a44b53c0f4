#include "Payload.h"

#include "Exposition.h"

namespace poolscope {

bool Payload::isExposition() const
{
    return contentType.contains("openmetrics") || contentType.startsWith("text/plain")
        || (!contentType.contains("json") && Exposition::looksLikeExposition(body));
}

} // namespace poolscope
