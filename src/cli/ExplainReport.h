#pragma once

#include "StatusReport.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace poolscope {

class Diagnosis;
struct Holder;
class Session;
struct Workspace;

// `explain` stopped by SIGINT/SIGTERM: it printed the report of what it had seen, and exits with this.
constexpr int kExplainInterrupted = 4;

// How long `explain` watches without --watch: long enough for a verdict (the Verdict's minimum coverage
// plus three polls of the slowest target or database), at least 90 s.
double defaultWatchSeconds(const Workspace& workspace);

// The `explain` command's answer over a Session and its Diagnosis: per target the verdict, the
// reconciliation and the suspects, as JSON ({"status", "reasons", "targets": [...]}) or as text for people,
// and the exit code: UNKNOWN when a target or database failed or never answered, else CRITICAL/WARNING
// by the Diagnosis threshold level of the worst target, else OK.
// redact: suspects' queries as their fingerprints.
QJsonObject explainJson(const Session& session, const Diagnosis& diagnosis, bool redact = false);
QString explainText(const Session& session, const Diagnosis& diagnosis, bool redact = false);
// One holder as explain --json and the agent's snapshot give it (the holders contract, which HoldersReader reads
// back, plus held_seconds and location): acquired_at as RFC 3339, absent parts null; redact: frames' literals "?".
QJsonObject holderJson(const Holder& holder, double heldSeconds, bool redact);
StatusLevel explainLevel(const Session& session, const Diagnosis& diagnosis, QStringList* reasons = nullptr);

} // namespace poolscope
