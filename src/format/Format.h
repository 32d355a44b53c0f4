#pragma once

#include <QString>
#include <QtGlobal>

namespace poolscope {

// The one place for turning durations, byte sizes and times into text, shared by the models, the
// analysis sentences, the CLI and the exports. Widget-free; includes nothing of ours but kNoTime.

// The dash shown for an unknown value.
QString unknownText();

// Collapses runs of whitespace (newlines included) into single spaces, trimmed.
QString singleLine(const QString& text);

// A count shown whole ("42"); an absent value (NaN) reads "—".
QString formatWhole(double value);

// A duration in words, for sentences: "40 s" below 90 s, "38 min" below an hour, "1 h 12 m" below
// two days, "3 d 4 h" beyond (rounded). Negative or NaN durations give "0 s".
QString formatDuration(double seconds);

// A duration for table cells, exact to the unit shown, two units at most: "0 s", "3 s", "4 m 12 s",
// "2 h 05 m", "3 d 4 h". Negative durations (clock skew) read "0 s"; kNoTime reads "—".
QString formatDurationMs(qint64 ms);

// A short wait or timeout in seconds, to a tenth, without trailing zeros: "0.5 s", "2 s", "3.8 s".
QString formatSeconds(qint64 ms);

// A byte size with IEC units (QLocale::formattedDataSize): "1000 bytes", "512 KiB", "1.5 MiB"; whole
// multiples of a unit have no decimals ("4 MiB").
QString formatByteSize(qint64 bytes);

// A UTC timestamp as local wall-clock time "HH:mm:ss"; 0 or kNoTime read "—".
QString formatClock(qint64 utcMs);

// A wall-clock time "09:14" (UTC shifted by utcOffsetSeconds); when the time is not on the same
// day as referenceMs, "2026-03-02 09:14".
QString formatClock(qint64 utcMs, qint64 referenceMs, int utcOffsetSeconds);

// ISO 8601 UTC with milliseconds, "2026-11-27T03:12:00.000Z", as the CSV and JSON outputs write it;
// kNoTime gives "" (an empty field).
QString isoTimestamp(qint64 msSinceEpoch);

} // namespace poolscope
