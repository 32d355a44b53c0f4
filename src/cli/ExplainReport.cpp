#include "ExplainReport.h"

#include "analysis/Diagnosis.h"
#include "analysis/Holders.h"
#include "analysis/Verdict.h"
#include "store/Session.h"
#include "types/Workspace.h"

#include <QDateTime>
#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

QJsonValue number(double v)
{
    return isPresent(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}

QJsonValue text(const QString& s)
{
    return s.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QString seconds(double v)
{
    return isPresent(v) ? QString::number(v, 'f', 0) : u"-"_s;
}

QString oneLine(QString s, int maxChars)
{
    s = s.simplified();
    if (s.size() > maxChars)
        s = s.left(maxChars - 1) + QChar(0x2026);
    return s;
}

} // namespace

QJsonObject holderJson(const Holder& holder, double heldSeconds, bool redact)
{
    const Holder h = redact ? redactHolder(holder) : holder;
    return QJsonObject {
        { u"backend_pid"_s, h.backendPid },
        { u"acquired_at"_s,
            h.hasAcquiredAt()
                ? QJsonValue(QDateTime::fromMSecsSinceEpoch(h.acquiredAtMs, Qt::UTC).toString(Qt::ISODateWithMs))
                : QJsonValue(QJsonValue::Null) },
        { u"held_seconds"_s, number(heldSeconds) },
        { u"tracked"_s, h.tracked },
        { u"route"_s, h.route.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(h.route) },
        { u"location"_s, h.stack.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(h.location()) },
        { u"stack"_s, QJsonArray::fromStringList(h.stack) },
    };
}

double defaultWatchSeconds(const Workspace& workspace)
{
    int slowestMs = 0;
    for (const TargetConfig& t : workspace.targets)
        slowestMs = std::max(slowestMs, t.intervalMs);
    for (const DatabaseConfig& d : workspace.databases)
        slowestMs = std::max(slowestMs, d.intervalMs);
    return std::max(90.0, VerdictOptions {}.minCoverageSeconds + 3.0 * slowestMs / 1000.0);
}

QJsonObject explainJson(const Session& session, const Diagnosis& diagnosis, bool redact)
{
    QJsonArray targets;
    for (int i = 0; i < session.targetCount(); ++i) {
        const TargetDiagnosis& td = diagnosis.target(i);
        const Verdict& v = td.verdict;
        const Reconciliation& r = td.reconciliation;
        QJsonArray suspects;
        for (const Suspect& s : r.suspects) {
            QJsonObject suspect {
                { u"pid"_s, s.pid },
                { u"application_name"_s, text(s.applicationName) },
                { u"state"_s, text(s.state) },
                { u"idle_seconds"_s, number(s.idleSeconds) },
                { u"unchanged_seconds"_s, number(s.unchangedSeconds) },
                { u"query"_s, redact ? text(s.fingerprint) : text(s.query) },
                { u"fingerprint"_s, text(s.fingerprint) },
                { u"reason"_s, text(s.reasonText(redact)) },
            };
            if (s.holder)
                suspect.insert(u"holder"_s, holderJson(*s.holder, s.heldSeconds, redact));
            suspects.append(suspect);
        }
        QJsonArray disagreements;
        for (const Disagreement& d : r.disagreements) {
            QJsonObject entry { { u"kind"_s, disagreementKindKey(d.kind) }, { u"pid"_s, d.pid },
                { u"text"_s, disagreementText(d, redact) } };
            if (d.holder)
                entry.insert(u"holder"_s, holderJson(*d.holder, qQNaN(), redact));
            disagreements.append(entry);
        }
        targets.append(QJsonObject {
            { u"name"_s, session.target(i).config.name },
            { u"verdict"_s, verdictKindKey(v.kind) },
            { u"discrepancy"_s, number(v.level) },
            { u"slope_per_hour"_s, number(v.slopePerHour) },
            { u"slope_low"_s, number(v.slopeLow) },
            { u"slope_high"_s, number(v.slopeHigh) },
            { u"exhaustion_eta_seconds"_s,
                v.exhaustionEtaSeconds >= 0 ? QJsonValue(v.exhaustionEtaSeconds) : QJsonValue(QJsonValue::Null) },
            { u"exhaustion_limit"_s,
                v.exhaustionLimit == Verdict::Limit::PoolMax      ? QJsonValue(u"pool_max"_s)
                    : v.exhaustionLimit == Verdict::Limit::Server ? QJsonValue(u"server_max_connections"_s)
                                                                  : QJsonValue(QJsonValue::Null) },
            { u"pool_max"_s, number(v.poolMax) },
            { u"samples"_s, v.samplesUsed },
            { u"coverage_seconds"_s, v.coverageSeconds },
            { u"level"_s, thresholdLevelKey(td.level) },
            { u"level_reason"_s, td.levelReason.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(td.levelReason) },
            { u"confidence"_s, reconcileConfidenceKey(r.confidence) },
            { u"confidence_reason"_s, text(r.confidenceReason) },
            { u"summary"_s, r.summary(redact) },
            { u"text"_s, v.text() },
            { u"suspects"_s, suspects },
            { u"holders_reported"_s, r.exact },
            { u"disagreements"_s, disagreements },
        });
        QJsonObject target = targets.last().toObject();
        insertBaseline(target, v);
        targets.replace(targets.size() - 1, target);
    }
    QStringList reasons;
    const StatusLevel level = explainLevel(session, diagnosis, &reasons);
    return QJsonObject { { u"status"_s, statusLevelName(level) }, { u"reasons"_s, QJsonArray::fromStringList(reasons) },
        { u"targets"_s, targets } };
}

QString explainText(const Session& session, const Diagnosis& diagnosis, bool redact)
{
    QStringList lines;
    for (int i = 0; i < session.targetCount(); ++i) {
        const TargetDiagnosis& td = diagnosis.target(i);
        const Reconciliation& r = td.reconciliation;
        if (!lines.isEmpty())
            lines.append(QString());
        lines.append(td.verdict.text());
        lines.append(u"  "_s + r.summary(redact));
        lines.append(u"  confidence: %1 \u2014 %2"_s.arg(reconcileConfidenceKey(r.confidence), r.confidenceReason));
        for (const Disagreement& d : r.disagreements)
            lines.append(u"  disagreement: "_s + disagreementText(d, redact));
        if (r.suspects.isEmpty())
            continue;
        QList<QStringList> rows;
        if (r.exact) {
            rows.append({ u"PID"_s, u"STATE"_s, u"HELD_S"_s, u"LOCATION"_s, u"QUERY"_s });
            for (const Suspect& s : r.suspects) {
                const Holder h = redact ? redactHolder(*s.holder) : *s.holder;
                rows.append({ QString::number(s.pid), s.state, seconds(s.heldSeconds), oneLine(h.location(), 60),
                    oneLine(redact ? s.fingerprint : s.query, 60) });
            }
        } else {
            rows.append({ u"PID"_s, u"STATE"_s, u"IDLE_S"_s, u"UNCHANGED_S"_s, u"QUERY"_s });
            for (const Suspect& s : r.suspects) {
                rows.append({ QString::number(s.pid), s.state, seconds(s.idleSeconds), seconds(s.unchangedSeconds),
                    oneLine(redact ? s.fingerprint : s.query, 80) });
            }
        }
        QList<qsizetype> widths(rows.first().size(), 0);
        for (const auto& row : rows)
            for (qsizetype c = 0; c < row.size(); ++c)
                widths[c] = std::max(widths[c], row[c].size());
        for (const auto& row : rows) {
            QString line = u"  "_s;
            for (qsizetype c = 0; c < row.size(); ++c) {
                const bool left = c == 1 || c >= row.size() - (r.exact ? 2 : 1);
                line += (left ? row[c].leftJustified(widths[c]) : row[c].rightJustified(widths[c])) + u"  "_s;
            }
            while (line.endsWith(u' '))
                line.chop(1);
            lines.append(line);
        }
    }
    QStringList reasons;
    const StatusLevel level = explainLevel(session, diagnosis, &reasons);
    lines.append(QString());
    lines.append(u"PoolScope %1"_s.arg(statusLevelName(level))
        + (reasons.isEmpty() ? QString() : u" - "_s + reasons.join(u"; "_s)));
    return terminalSafe(lines.join(u'\n') + u'\n');
}

StatusLevel explainLevel(const Session& session, const Diagnosis& diagnosis, QStringList* reasons)
{
    QStringList statusReasons;
    if (statusLevel(session, &statusReasons) == StatusLevel::Unknown) {
        if (reasons) {
            reasons->clear();
            // Only the failures: the discrepancy reasons of status are replaced by the diagnosis below.
            for (int i = 0; i < session.targetCount(); ++i) {
                const TargetState& t = session.target(i);
                if (!t.polled())
                    reasons->append(u"%1: no answer"_s.arg(t.config.name));
                else if (!t.latest.ok())
                    reasons->append(u"%1: %2"_s.arg(t.config.name, t.latest.error));
            }
            for (int i = 0; i < session.databaseCount(); ++i) {
                const DatabaseState& d = session.database(i);
                if (!d.polled())
                    reasons->append(u"%1: no answer"_s.arg(d.config.name));
                else if (!d.latest.ok())
                    reasons->append(u"%1: %2"_s.arg(d.config.name, d.latest.error));
            }
        }
        return StatusLevel::Unknown;
    }
    QStringList critical;
    QStringList warning;
    for (int i = 0; i < session.targetCount(); ++i) {
        const TargetDiagnosis& td = diagnosis.target(i);
        const QString reason = session.target(i).config.name + u": "_s + td.levelReason;
        if (td.level == ThresholdLevel::Critical)
            critical.append(reason);
        else if (td.level == ThresholdLevel::Warning)
            warning.append(reason);
    }
    if (reasons)
        *reasons = critical + warning;
    if (!critical.isEmpty())
        return StatusLevel::Critical;
    if (!warning.isEmpty())
        return StatusLevel::Warning;
    return StatusLevel::Ok;
}

} // namespace poolscope
