#include "StatusReport.h"

#include "format/EnumName.h"
#include "format/Format.h"

#include "analysis/Reconstruction.h"
#include "analysis/Verdict.h"
#include "store/Session.h"

#include <QDateTime>
#include <QJsonArray>

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

QJsonValue number(double v)
{
    return isPresent(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}

QJsonValue timeValue(qint64 ms)
{
    return ms == kNoTime ? QJsonValue(QJsonValue::Null) : QJsonValue(isoTimestamp(ms));
}

QJsonValue text(const QString& s)
{
    return s.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

// Left-aligns the first and last column, right-aligns the numbers between.
void appendTable(QStringList& lines, const QList<QStringList>& rows)
{
    QList<int> widths(rows.first().size(), 0);
    for (const auto& r : rows)
        for (qsizetype c = 0; c < r.size(); ++c)
            widths[c] = std::max(widths[c], static_cast<int>(r[c].size()));
    for (const auto& cells : rows) {
        QString line;
        for (qsizetype i = 0; i < cells.size(); ++i) {
            const bool left = i == 0 || i == cells.size() - 1;
            line += left ? cells[i].leftJustified(widths[i]) : cells[i].rightJustified(widths[i]);
            line += u"  "_s;
        }
        lines.append(line.trimmed());
    }
}

QString cell(double v)
{
    return isPresent(v) ? QString::number(v, 'g', 10) : u"-"_s;
}

// A target's verdict from what one status run saw: the first polls, and the history reconstructed from the
// first snapshot (rule 0 of computeVerdict), so that a baseline held for hours reads stable at once.
Verdict firstPollVerdict(const Session& session, int targetIndex)
{
    const TargetState& t = session.target(targetIndex);
    const Reconstruction reconstruction = reconstructFirstSnapshot(session, targetIndex);
    VerdictOptions options;
    options.targetName = t.config.name;
    options.reconstruction = &reconstruction;
    return computeVerdict(t.history, 0, session.lastTimestampMs(), options);
}

// Each pooler's state and its pools as SHOW POOLS gave them.
QJsonArray poolersJson(const Session& session)
{
    QJsonArray poolers;
    for (int i = 0; i < session.poolerCount(); ++i) {
        const PoolerState& p = session.pooler(i);
        const bool ok = p.polled() && p.latest.ok();
        QJsonArray pools;
        if (ok) {
            for (const PoolerPool& pool : p.latest.pools) {
                pools.append(QJsonObject { { u"database"_s, pool.database }, { u"user"_s, pool.user },
                    { u"pool_mode"_s, pool.poolMode }, { u"cl_active"_s, pool.clActive },
                    { u"cl_waiting"_s, pool.clWaiting }, { u"sv_active"_s, pool.svActive },
                    { u"sv_idle"_s, pool.svIdle }, { u"sv_used"_s, pool.svUsed },
                    { u"maxwait"_s, pool.maxwaitSeconds() } });
            }
        }
        QJsonValue error = QJsonValue::Null;
        if (!p.polled())
            error = u"no answer yet"_s;
        else if (!p.latest.ok())
            error = p.latest.error;
        poolers.append(QJsonObject { { u"name"_s, p.config.name }, { u"ok"_s, ok }, { u"error"_s, error },
            { u"pools"_s, pools }, { u"clients"_s, ok ? p.latest.clients.size() : 0 },
            { u"servers"_s, ok ? p.latest.servers.size() : 0 } });
    }
    return poolers;
}

} // namespace

void insertBaseline(QJsonObject& target, const Verdict& v)
{
    const bool baseline = v.baselineSinceMs != 0;
    target.insert(u"verdict_basis"_s, verdictBasisKey(v.basis));
    target.insert(u"reconstructed"_s, v.reconstructed());
    target.insert(u"baseline_connections"_s, baseline ? QJsonValue(v.baselineCount) : QJsonValue(QJsonValue::Null));
    target.insert(u"baseline_age_seconds"_s, baseline ? number(std::round(v.baselineAgeSeconds)) : QJsonValue());
    target.insert(u"baseline_since"_s, baseline ? timeValue(v.baselineSinceMs) : QJsonValue());
    target.insert(u"baseline_evidence"_s, baseline ? QJsonValue(v.baselineEvidence) : QJsonValue());
}

QJsonObject statusJson(const Session& session)
{
    QJsonArray targets;
    for (int i = 0; i < session.targetCount(); ++i) {
        const TargetState& t = session.target(i);
        const Sample& s = t.latest;
        const bool ok = t.polled() && s.ok();
        const MetricValues m = ok ? s.metrics : MetricValues();
        QJsonArray routes;
        if (ok) {
            for (const auto& r : s.routes) {
                routes.append(QJsonObject { { u"name"_s, r.name }, { u"acquired"_s, number(r.acquired) },
                    { u"released"_s, number(r.released) }, { u"active"_s, number(r.active) },
                    { u"leaks"_s, number(r.leaks) } });
            }
        }
        QJsonValue error = QJsonValue::Null;
        if (!t.polled())
            error = u"no answer yet"_s;
        else if (!s.ok())
            error = s.error;
        targets.append(QJsonObject {
            { u"name"_s, t.config.name },
            { u"ok"_s, ok },
            { u"error"_s, error },
            { u"checked_out"_s, number(m[Metric::CheckedOut]) },
            { u"tracked"_s, number(m[Metric::Tracked]) },
            { u"discrepancy"_s, number(m[Metric::Discrepancy]) },
            { u"acquired_total"_s, number(m[Metric::AcquiredTotal]) },
            { u"released_total"_s, number(m[Metric::ReleasedTotal]) },
            { u"leaks_total"_s, number(m[Metric::LeaksTotal]) },
            { u"pool_size"_s, number(m[Metric::PoolSize]) },
            { u"pool_max"_s, number(m[Metric::PoolMax]) },
            { u"routes"_s, routes },
        });
        QJsonObject target = targets.last().toObject();
        const Verdict verdict = firstPollVerdict(session, i);
        target.insert(u"verdict"_s, verdictKindKey(verdict.kind));
        insertBaseline(target, verdict);
        targets.replace(targets.size() - 1, target);
    }

    QJsonArray databases;
    for (int i = 0; i < session.databaseCount(); ++i) {
        const DatabaseState& d = session.database(i);
        const bool ok = d.polled() && d.latest.ok();
        QJsonArray backends;
        if (ok) {
            for (const auto& b : d.latest.backends) {
                backends.append(QJsonObject {
                    { u"pid"_s, b.pid },
                    { u"application_name"_s, text(b.applicationName) },
                    { u"usename"_s, text(b.usename) },
                    { u"client_addr"_s,
                        b.clientAddr.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(b.clientAddr) },
                    { u"state"_s, b.withheld ? QJsonValue(u"withheld"_s) : text(b.state) },
                    { u"backend_start"_s, timeValue(b.backendStartMs) },
                    { u"state_change"_s, timeValue(b.stateChangeMs) },
                    { u"query"_s, text(b.query) },
                });
            }
        }
        QJsonValue error = QJsonValue::Null;
        if (!d.polled())
            error = u"no answer yet"_s;
        else if (!d.latest.ok())
            error = d.latest.error;
        databases.append(QJsonObject {
            { u"name"_s, d.config.name }, { u"ok"_s, ok }, { u"error"_s, error }, { u"backends"_s, backends } });
    }
    QStringList reasons;
    const StatusLevel level = statusLevel(session, &reasons);
    QJsonObject report { { u"status"_s, statusLevelName(level) }, { u"reasons"_s, QJsonArray::fromStringList(reasons) },
        { u"targets"_s, targets }, { u"databases"_s, databases } };
    if (session.poolerCount() > 0)
        report.insert(u"poolers"_s, poolersJson(session));
    return report;
}

StatusLevel statusLevel(const Session& session, QStringList* reasons)
{
    StatusLevel level = StatusLevel::Ok;
    QStringList unknown;
    QStringList critical;
    QStringList warning;
    const Thresholds& th = session.workspace().thresholds;
    for (int i = 0; i < session.targetCount(); ++i) {
        const TargetState& t = session.target(i);
        if (!t.polled()) {
            unknown.append(u"%1: no answer"_s.arg(t.config.name));
            continue;
        }
        if (!t.latest.ok()) {
            unknown.append(u"%1: %2"_s.arg(t.config.name, t.latest.error));
            continue;
        }
        const double d = t.latest.metrics[Metric::Discrepancy];
        if (!isPresent(d))
            continue;
        if (d >= th.discrepancyCritical)
            critical.append(u"%1: discrepancy %2 >= %3"_s.arg(t.config.name).arg(d).arg(th.discrepancyCritical));
        else if (d >= th.discrepancyWarning)
            warning.append(u"%1: discrepancy %2 >= %3"_s.arg(t.config.name).arg(d).arg(th.discrepancyWarning));
    }
    for (int i = 0; i < session.databaseCount(); ++i) {
        const DatabaseState& d = session.database(i);
        if (!d.polled())
            unknown.append(u"%1: no answer"_s.arg(d.config.name));
        else if (!d.latest.ok())
            unknown.append(u"%1: %2"_s.arg(d.config.name, d.latest.error));
    }
    for (int i = 0; i < session.poolerCount(); ++i) {
        const PoolerState& p = session.pooler(i);
        if (!p.polled())
            unknown.append(u"%1: no answer"_s.arg(p.config.name));
        else if (!p.latest.ok())
            unknown.append(u"%1: %2"_s.arg(p.config.name, p.latest.error));
    }
    if (!unknown.isEmpty())
        level = StatusLevel::Unknown;
    else if (!critical.isEmpty())
        level = StatusLevel::Critical;
    else if (!warning.isEmpty())
        level = StatusLevel::Warning;
    if (reasons)
        *reasons = unknown + critical + warning;
    return level;
}

QString statusLevelName(StatusLevel level)
{
    return enumName(level).toUpper(); // the monitoring-plugin status words: "OK", ..., "UNKNOWN"
}

QString terminalSafe(const QString& text)
{
    QString out = text;
    for (QChar& c : out) {
        const char16_t u = c.unicode();
        if (u == u'\n')
            continue;
        if (u == u'\t' || u == u'\r')
            c = u' ';
        else if (u < 0x20 || (u >= 0x7f && u <= 0x9f) || (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069))
            c = u'?';
    }
    return out;
}

QString statusTable(const Session& session)
{
    QStringList lines;
    if (session.targetCount() > 0) {
        QList<QStringList> rows { { u"TARGET"_s, u"CHECKED_OUT"_s, u"TRACKED"_s, u"DISCREPANCY"_s, u"POOL"_s,
            u"BACKENDS"_s, u"STATE"_s } };
        for (int i = 0; i < session.targetCount(); ++i) {
            const TargetState& t = session.target(i);
            const bool ok = t.polled() && t.latest.ok();
            const MetricValues m = ok ? t.latest.metrics : MetricValues();
            const QString pool = isPresent(m[Metric::PoolSize]) || isPresent(m[Metric::PoolMax])
                ? cell(m[Metric::PoolSize]) + u'/' + cell(m[Metric::PoolMax])
                : u"-"_s;
            QString state = ok ? u"ok"_s : (t.polled() ? u"failing: "_s + t.latest.error : u"no answer"_s);
            rows.append(
                { t.config.name, cell(m[Metric::CheckedOut]), cell(m[Metric::Tracked]), cell(m[Metric::Discrepancy]),
                    pool, t.backendCount >= 0 ? QString::number(t.backendCount) : u"-"_s, state });
        }
        appendTable(lines, rows);
        for (int i = 0; i < session.targetCount(); ++i) {
            if (const Verdict verdict = firstPollVerdict(session, i); verdict.reconstructed())
                lines.append(verdict.text());
        }
    }
    if (session.databaseCount() > 0) {
        if (!lines.isEmpty())
            lines.append(QString());
        QList<QStringList> rows { { u"DATABASE"_s, u"BACKENDS"_s, u"ACTIVE"_s, u"IDLE"_s, u"IDLE_IN_XACT"_s,
            u"STATE"_s } };
        for (int i = 0; i < session.databaseCount(); ++i) {
            const DatabaseState& d = session.database(i);
            const bool ok = d.polled() && d.latest.ok();
            int active = 0;
            int idle = 0;
            int idleInXact = 0;
            for (const auto& b : d.latest.backends) {
                active += b.state == u"active"_s;
                idle += b.state == u"idle"_s;
                idleInXact += b.state.startsWith(u"idle in transaction"_s);
            }
            rows.append({ d.config.name, ok ? QString::number(d.latest.backends.size()) : u"-"_s,
                ok ? QString::number(active) : u"-"_s, ok ? QString::number(idle) : u"-"_s,
                ok ? QString::number(idleInXact) : u"-"_s,
                ok ? u"ok"_s : (d.polled() ? u"failing: "_s + d.latest.error : u"no answer"_s) });
        }
        appendTable(lines, rows);
    }
    if (session.poolerCount() > 0) {
        if (!lines.isEmpty())
            lines.append(QString());
        QList<QStringList> rows { { u"PGBOUNCER"_s, u"POOL"_s, u"MODE"_s, u"CL_ACTIVE"_s, u"CL_WAITING"_s,
            u"SV_ACTIVE"_s, u"SV_IDLE"_s, u"MAXWAIT"_s, u"STATE"_s } };
        for (int i = 0; i < session.poolerCount(); ++i) {
            const PoolerState& p = session.pooler(i);
            const QString state
                = !p.polled() ? u"no answer"_s : (p.latest.ok() ? u"ok"_s : u"failing: "_s + p.latest.error);
            if (!p.latest.ok() || p.latest.pools.isEmpty()) {
                rows.append({ p.config.name, u"-"_s, u"-"_s, u"-"_s, u"-"_s, u"-"_s, u"-"_s, u"-"_s, state });
                continue;
            }
            for (const PoolerPool& pool : p.latest.pools) {
                rows.append({ p.config.name, pool.key(), pool.poolMode, QString::number(pool.clActive),
                    QString::number(pool.clWaiting), QString::number(pool.svActive), QString::number(pool.svIdle),
                    formatDuration(pool.maxwaitSeconds()), state });
            }
        }
        appendTable(lines, rows);
    }
    QStringList reasons;
    const StatusLevel level = statusLevel(session, &reasons);
    lines.append(QString());
    lines.append(u"PoolScope %1"_s.arg(statusLevelName(level))
        + (reasons.isEmpty() ? QString() : u" - "_s + reasons.join(u"; "_s)));
    return terminalSafe(lines.join(u'\n') + u'\n');
}

} // namespace poolscope
