#pragma once

#include "JsonPointer.h"
#include "types/Sample.h"

#include <QJsonValue>
#include <QList>
#include <QStringList>

namespace poolscope {

// Reads the holders contract (README "Holders"): an array of
//   {"backend_pid": 4242, "acquired_at": "2026-11-27T03:01:12.301Z" | 1795662072.301, "tracked": false,
//    "route": "/api/bets", "stack": ["settlement/jobs.py:88:refresh_odds", ...]}
// found as a `holders` member of a health payload, or served at a target's holders_url (the array itself, or
// an object with a `holders` member). backend_pid and tracked are required; acquired_at, route and stack are
// optional (null is absent). Every problem names its JSON Pointer; sizes are capped (kMaxHolders entries,
// kMaxFrames frames, kMaxChars characters per string) with an error saying the cap.
class HoldersReader
{
public:
    static constexpr qsizetype kMaxHolders = 10'000;
    static constexpr qsizetype kMaxFrames = 32;
    static constexpr qsizetype kMaxChars = 1'000;

    // Reads `value` found at `at`; appends the holders read to *holders and one message per problem to *errors.
    static void read(const QJsonValue& value, const JsonPointer& at, QList<Holder>* holders, QStringList* errors);
    // A holders_url document: the array itself or {"holders": [...]}. Returns the problems, "; "-joined.
    static QString readDocument(const QJsonValue& root, QList<Holder>* holders);
    // "2026-11-27T03:01:12.301Z", "2026-11-27T04:01:12+01:00" (RFC 3339) or seconds since the epoch;
    // nullopt when it is neither.
    static std::optional<qint64> parseTime(const QJsonValue& value);
    // A value for an error message: `a string ("…")`, `a number (3)`, `null`, ...
    static QString describe(const QJsonValue& value);
};

} // namespace poolscope
