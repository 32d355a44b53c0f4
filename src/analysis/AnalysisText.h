#pragma once

#include "format/Format.h"

#include <QString>
#include <QtGlobal>

namespace poolscope {

// Wording shared by the analysis sentences (verdict banner, reconciliation summary). The sentences
// are meant to be pasted into a chat channel, so they use plain words and a few Unicode marks
// (U+2212 minus, U+2026 ellipsis, U+2014 dash). Durations and clock times: format/Format.h.

// A number with a fixed count of decimals and an explicit sign: "+0.0", "−0.3" (U+2212). A value
// that rounds to zero is shown as "+0.0", never "−0.0".
QString formatSigned(double value, int decimals = 1);

// A count that is usually whole: "8" for 8.0 or 7.98, "8.5" otherwise.
QString formatCount(double value);

} // namespace poolscope
