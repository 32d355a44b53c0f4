#pragma once

#include "StatusReport.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace poolscope {

class Diagnosis;
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
StatusLevel explainLevel(const Session& session, const Diagnosis& diagnosis, QStringList* reasons = nullptr);

} // namespace poolscope
