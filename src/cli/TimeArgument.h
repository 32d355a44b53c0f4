#pragma once

#include <QString>

namespace poolscope {

// A duration on the command line: "90" or "90s" (seconds), "10m", "12h", "2d". False and *error when bad.
bool parseDuration(const QString& text, qint64* ms, QString* error);

// A moment on the command line, resolved against a recording spanning [firstMs, lastMs] (UTC ms):
// - ISO 8601: "2026-11-27T03:12:00Z", "2026-11-27T03:12:00+01:00", "2026-11-27T03:12:00.250Z"; without a
//   zone ("2026-11-27T03:12") it is local time. A space may replace the T.
// - a time of day, "03:12" or "03:12:30" (local time): that time on the recording's day; when the
//   recording spans midnight, the latest such moment inside it.
// `option` names the place in messages ("--at"). When `mustBeInside`, a moment outside the recording is
// an error (a time of day must always fall inside, since it is resolved against the recording).
bool parseTimeArgument(const QString& option, const QString& text, qint64 firstMs, qint64 lastMs, bool mustBeInside,
    qint64* ms, QString* error);

} // namespace poolscope
