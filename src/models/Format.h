#pragma once

#include <QString>

namespace poolscope {

struct Backend;

// Text formatting shared by the table models and the views. Widget-free.

// A duration for people, two units at most: "0 s", "3 s", "4 m 12 s", "2 h 05 m", "3 d 4 h".
// Negative durations (clock skew) read "0 s"; kNoTime reads "—".
QString formatDuration(qint64 ms);

// A UTC timestamp as local wall-clock time "HH:mm:ss"; 0 or kNoTime read "—".
QString formatClock(qint64 utcMs);

// "10.0.0.5:51234", "[::1]:5432", or "local" for a Unix socket.
QString formatClient(const Backend& backend);

// Collapses runs of whitespace (newlines included) into single spaces, trimmed.
QString singleLine(const QString& text);

// The dash shown for an unknown value.
QString unknownText();

} // namespace poolscope
