#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>

namespace poolscope {

class Session;
struct Verdict;

// Monitoring-plugin exit codes (DESIGN.md, "Command line").
namespace StatusEnums { // for moc: the enum's names (enumName())
Q_NAMESPACE
enum class StatusLevel { Ok = 0, Warning = 1, Critical = 2, Unknown = 3 };
Q_ENUM_NS(StatusLevel)
} // namespace StatusEnums
using StatusEnums::StatusLevel;

// The `status` command's answer over a Session: the JSON object of the contract, a table for people,
// and the exit code (UNKNOWN when a target or database failed or never answered, else CRITICAL/WARNING
// when a discrepancy reaches the workspace thresholds).
QJsonObject statusJson(const Session& session);
QString statusTable(const Session& session);

// Text for a terminal: every control character (C0 but the line feed, DEL, C1 - so no escape sequence
// survives) and every bidirectional override from payload or database text becomes '?'; tabs and carriage
// returns become spaces. statusTable() and explainText() return terminal-safe text.
QString terminalSafe(const QString& text);
StatusLevel statusLevel(const Session& session, QStringList* reasons = nullptr);
QString statusLevelName(StatusLevel level);

// A verdict's basis and its baseline reconstructed from the first snapshot, as fields of a target's JSON
// object (explain and status): "verdict_basis" ("live", "reconstructed", "live_and_reconstructed"),
// "reconstructed" (true when the verdict or its baseline's age rests on the reconstruction),
// "baseline_connections", "baseline_age_seconds", "baseline_since" (ISO 8601), "baseline_evidence"
// ("state_change", "xact_start", "acquired_at", joined by '/'): null when there is no such baseline.
void insertBaseline(QJsonObject& target, const Verdict& verdict);

} // namespace poolscope
