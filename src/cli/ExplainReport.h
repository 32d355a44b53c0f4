#pragma once

#include "StatusReport.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace poolscope {

class Diagnosis;
class Session;

// The `explain` command's answer over a Session and its Diagnosis: per target the verdict, the
// reconciliation and the suspects, as JSON ({"status", "reasons", "targets": [...]}) or as text for people,
// and the exit code: UNKNOWN when a target or database failed or never answered, else CRITICAL/WARNING
// by the Diagnosis threshold level of the worst target, else OK.
// redact: suspects' queries as their fingerprints.
QJsonObject explainJson(const Session& session, const Diagnosis& diagnosis, bool redact = false);
QString explainText(const Session& session, const Diagnosis& diagnosis, bool redact = false);
StatusLevel explainLevel(const Session& session, const Diagnosis& diagnosis, QStringList* reasons = nullptr);

} // namespace poolscope
