#pragma once

#include "format/Format.h"

#include <QString>

namespace poolscope {

struct Backend;

// Text of a backend shared by the table models and the views (the general helpers: format/Format.h).

// "10.0.0.5:51234", "[::1]:5432", or "local" for a Unix socket.
QString formatClient(const Backend& backend);

} // namespace poolscope
