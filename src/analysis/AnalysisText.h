#pragma once

#include <QString>
#include <QtGlobal>

namespace poolscope {

// Wording shared by the analysis sentences (verdict banner, reconciliation summary). The sentences
// are meant to be pasted into a chat channel, so they use plain words and a few Unicode marks
// (U+2212 minus, U+2026 ellipsis, U+2014 dash).

// A duration in words: "40 s" below 90 s, "38 min" below an hour, "1 h 12 m" below two days,
// "3 d 4 h" beyond. Negative or NaN durations give "0 s".
QString formatDuration(double seconds);

// A number with a fixed count of decimals and an explicit sign: "+0.0", "−0.3" (U+2212). A value
// that rounds to zero is shown as "+0.0", never "−0.0".
QString formatSigned(double value, int decimals = 1);

// A count that is usually whole: "8" for 8.0 or 7.98, "8.5" otherwise.
QString formatCount(double value);

// A wall-clock time "09:14" (UTC shifted by utcOffsetSeconds); when the time is not on the same
// day as referenceMs, "2026-03-02 09:14".
QString formatClock(qint64 utcMs, qint64 referenceMs, int utcOffsetSeconds);

} // namespace poolscope
