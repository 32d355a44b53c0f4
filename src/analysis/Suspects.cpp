#include "Suspects.h"

#include "AnalysisText.h"
#include "BackendTracker.h"
#include "Holders.h"
#include "QueryFingerprint.h"
#include "RobustStats.h"
#include "format/EnumName.h"

#include <QStringList>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace Qt::StringLiterals;

namespace poolscope {

void ReconcileInput::setMetrics(const MetricValues& metrics)
{
    checkedOut = metrics[Metric::CheckedOut];
    tracked = metrics[Metric::Tracked];
    discrepancy = metrics[Metric::Discrepancy];
    poolSize = metrics[Metric::PoolSize];
    poolIdle = metrics[Metric::PoolIdle];
}

QString reconcileConfidenceKey(ReconcileConfidence confidence)
{
    return enumName(confidence).toLower(); // JSON: "high", "medium", "low"
}

namespace {

bool isIdleState(const QString& state)
{
    return state == u"idle"_s || state.startsWith(u"idle in transaction"_s);
}

bool isInTransaction(const QString& state)
{
    return state.startsWith(u"idle in transaction"_s);
}

QString plural(int n, const QString& one, const QString& many)
{
    return QString::number(n) + u' ' + (n == 1 ? one : many);
}

struct Candidate
{
    Backend row;
    double ageSeconds = qQNaN();
    double idleSeconds = qQNaN();
    double unchangedSeconds = qQNaN();
    int polls = 0;
};

} // namespace

Reconciliation reconcile(const ReconcileInput& input, const SuspectOptions& options)
{
    if (input.holdersReported)
        return reconcileWithHolders(input, options);
    Reconciliation r;
    r.target = input.target;
    r.checkedOut = input.checkedOut;
    r.tracked = input.tracked;
    r.poolSize = input.poolSize;
    r.poolIdle = input.poolIdle;
    r.utcOffsetSeconds = options.utcOffsetSeconds;
    r.maxQueryChars = options.maxQueryChars;
    r.discrepancy = input.discrepancy;
    if (!isPresent(r.discrepancy) && isPresent(input.checkedOut) && isPresent(input.tracked))
        r.discrepancy = input.checkedOut - input.tracked;
    r.expected = isPresent(r.discrepancy) ? std::max(0, static_cast<int>(std::lround(r.discrepancy))) : -1;
    r.backendCount = static_cast<int>(input.backends.size());

    qint64 now = input.serverNowMs;
    if (now == kNoTime && input.tracker)
        now = input.tracker->lastObservedMs();
    if (now == kNoTime || now == 0) {
        for (const auto& b : input.backends)
            now = std::max(now, b.stateChangeMs);
    }
    r.nowMs = now;

    for (const auto& b : input.backends) {
        const QString key = b.withheld ? u"withheld"_s : (b.state.isEmpty() ? u"(none)"_s : b.state);
        ++r.byState[key];
    }

    // Normal reuse from completed idle spans.
    std::vector<double> spans;
    if (input.tracker) {
        for (const auto& b : input.backends) {
            const TrackedBackend* tracked = input.tracker->find(b);
            if (!tracked)
                continue;
            const auto& ts = tracked->transitions;
            for (qsizetype i = 0; i + 1 < ts.size(); ++i) {
                const auto& a = ts[i];
                const auto& next = ts[i + 1];
                if (!isIdleState(a.state) || next.observedMs < now - options.reuseLookbackMs)
                    continue;
                const qint64 start = a.stateChangeMs != kNoTime ? a.stateChangeMs : a.observedMs;
                qint64 end = next.observedMs;
                if (next.queryStartMs != kNoTime && next.queryStartMs > start)
                    end = next.queryStartMs;
                else if (next.stateChangeMs != kNoTime && next.stateChangeMs > start)
                    end = next.stateChangeMs;
                if (end > start)
                    spans.push_back(static_cast<double>(end - start) / 1000.0);
            }
        }
    }
    r.reuseSpans = static_cast<int>(spans.size());
    r.normalReuseSeconds = quantileOf(spans, 0.9);
    r.thresholdSeconds = options.reuseFloorSeconds;
    if (isPresent(r.normalReuseSeconds))
        r.thresholdSeconds = std::max(options.reuseFloorSeconds, options.reuseFactor * r.normalReuseSeconds);

    // Idle-ish backends with their time in state.
    std::vector<Candidate> idle;
    for (const auto& b : input.backends) {
        if (b.withheld || !isIdleState(b.state))
            continue;
        Candidate c;
        c.row = b;
        if (b.stateChangeMs != kNoTime && now != kNoTime)
            c.idleSeconds = static_cast<double>(now - b.stateChangeMs) / 1000.0;
        if (input.tracker) {
            if (const TrackedBackend* tracked = input.tracker->find(b); tracked && tracked->last.state == b.state
                && tracked->last.queryStartMs == b.queryStartMs && tracked->last.stateChangeMs == b.stateChangeMs) {
                c.unchangedSeconds = static_cast<double>(tracked->unchangedMs(now)) / 1000.0;
                c.polls = tracked->unchangedPolls;
            }
        }
        c.ageSeconds = isPresent(c.idleSeconds) ? c.idleSeconds : c.unchangedSeconds;
        if (!isPresent(c.ageSeconds))
            c.ageSeconds = 0;
        idle.push_back(c);
    }

    // The pool's own idle connections: the pool_idle most recently changed plain-idle backends.
    std::vector<Candidate> candidates;
    {
        std::vector<const Candidate*> plain;
        for (const auto& c : idle) {
            if (!isInTransaction(c.row.state))
                plain.push_back(&c);
        }
        std::stable_sort(plain.begin(), plain.end(), [](const Candidate* a, const Candidate* b) {
            return a->ageSeconds < b->ageSeconds || (a->ageSeconds == b->ageSeconds && a->row.pid < b->row.pid);
        });
        const std::size_t inPool = isPresent(input.poolIdle)
            ? std::min(plain.size(), static_cast<std::size_t>(std::max(0L, std::lround(input.poolIdle))))
            : 0;
        std::vector<const Candidate*> pooled(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(inPool));
        for (const auto& c : idle) {
            if (c.ageSeconds < r.thresholdSeconds)
                continue;
            ++r.longIdleCount;
            if (std::find(pooled.begin(), pooled.end(), &c) != pooled.end()) {
                ++r.explainedByPool;
                continue;
            }
            candidates.push_back(c);
        }
    }

    auto scoreOf = [&](const Candidate& c) {
        double score = (isInTransaction(c.row.state) ? 2.0 : 1.0) * c.ageSeconds / r.thresholdSeconds;
        if (c.polls < options.minPolls)
            score *= 0.5;
        return score;
    };
    std::stable_sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
        const double sa = scoreOf(a);
        const double sb = scoreOf(b);
        if (sa != sb)
            return sa > sb;
        if (a.ageSeconds != b.ageSeconds)
            return a.ageSeconds > b.ageSeconds;
        return a.row.pid < b.row.pid;
    });

    const std::size_t take
        = r.expected < 0 ? candidates.size() : std::min(candidates.size(), static_cast<std::size_t>(r.expected));
    r.extraCandidates = static_cast<int>(candidates.size() - take);
    bool allStrong = true;
    QStringList weak;
    for (std::size_t i = 0; i < take; ++i) {
        const Candidate& c = candidates[i];
        Suspect s;
        s.pid = c.row.pid;
        s.applicationName = c.row.applicationName;
        s.clientAddr = c.row.clientAddr;
        s.state = c.row.state;
        s.stateChangeMs = c.row.stateChangeMs;
        s.idleSeconds = c.idleSeconds;
        s.unchangedSeconds = c.unchangedSeconds;
        s.unchangedPolls = c.polls;
        s.query = c.row.query;
        s.fingerprint = fingerprintQuery(c.row.query);
        s.score = scoreOf(c);
        QString reason = c.row.state + u" for "_s + formatDuration(c.ageSeconds);
        if (c.row.stateChangeMs != kNoTime)
            reason += u" (since "_s + formatClock(c.row.stateChangeMs, now, options.utcOffsetSeconds) + u')';
        if (c.polls > 0)
            reason += u", unchanged over "_s + plural(c.polls, u"poll"_s, u"polls"_s);
        else
            reason += u", not followed by PoolScope"_s;
        if (isPresent(r.normalReuseSeconds))
            reason += u"; the pool reuses its connections within "_s + formatDuration(r.normalReuseSeconds)
                + u" (p90), so this one is held outside the pool"_s;
        else
            reason += u"; longer than the "_s + formatDuration(r.thresholdSeconds)
                + u" floor (the pool's own reuse time is not measured yet)"_s;
        if (isInTransaction(c.row.state))
            reason += u"; its transaction is still open"_s;
        s.reason = reason + u'.';
        s.redactedReason = s.reason; // states and durations only
        r.suspects.append(s);

        const bool manyPolls = c.polls >= options.minPolls;
        const bool longEnough = c.ageSeconds >= 2.0 * r.thresholdSeconds;
        if (!manyPolls || !longEnough)
            allStrong = false;
        if (!manyPolls && !weak.contains(u"polls"_s))
            weak << u"polls"_s;
        if (!longEnough && !weak.contains(u"short"_s))
            weak << u"short"_s;

        // Group by state and fingerprint.
        auto group = std::find_if(r.groups.begin(), r.groups.end(),
            [&](const SuspectGroup& g) { return g.state == s.state && g.fingerprint == s.fingerprint; });
        if (group == r.groups.end()) {
            r.groups.append(SuspectGroup { s.state, s.fingerprint, 0, kNoTime, qQNaN() });
            group = r.groups.end() - 1;
        }
        ++group->count;
        if (s.stateChangeMs != kNoTime
            && (group->oldestStateChangeMs == kNoTime || s.stateChangeMs < group->oldestStateChangeMs))
            group->oldestStateChangeMs = s.stateChangeMs;
        if (!isPresent(group->longestIdleSeconds) || c.ageSeconds > group->longestIdleSeconds)
            group->longestIdleSeconds = c.ageSeconds;
    }
    r.explainedCount = static_cast<int>(r.suspects.size());
    r.unexplainedCount = r.expected < 0 ? 0 : r.expected - r.explainedCount;

    // Confidence.
    const QString threshold = formatDuration(r.thresholdSeconds);
    if (r.expected < 0) {
        r.confidence = ReconcileConfidence::Low;
        r.confidenceReason
            = u"The target reports neither a discrepancy nor checked_out and tracked, so there is nothing to reconcile against."_s;
    } else if (input.backends.isEmpty() && !input.backendsUnavailable.isEmpty()) {
        r.confidence = ReconcileConfidence::Low;
        r.confidenceReason = u"Backends "_s + input.backendsUnavailable;
    } else if (r.expected > 0 && input.backends.isEmpty()) {
        r.confidence = ReconcileConfidence::Low;
        r.confidenceReason = u"No backends of this application were seen in pg_stat_activity (check the target's "
                             u"application_name and database)."_s;
    } else if (r.expected == 0) {
        if (candidates.empty()) {
            r.confidence = ReconcileConfidence::High;
            r.confidenceReason
                = u"Nothing to explain: no discrepancy and no connection held idle longer than "_s + threshold + u'.';
        } else {
            r.confidence = ReconcileConfidence::Medium;
            r.confidenceReason = u"No discrepancy, yet "_s
                + plural(static_cast<int>(candidates.size()), u"connection is"_s, u"connections are"_s)
                + u" held idle longer than "_s + threshold + u" (tracked code holding a connection?)."_s;
        }
    } else if (r.unexplainedCount == 0) {
        QStringList why;
        if (weak.contains(u"polls"_s) && input.tracker)
            why << u"some suspects were seen unchanged over fewer than "_s + QString::number(options.minPolls)
                    + u" polls"_s;
        if (weak.contains(u"short"_s))
            why << u"some suspects have been idle less than twice the "_s + threshold + u" threshold"_s;
        if (!isPresent(r.normalReuseSeconds))
            why << u"the pool's reuse time is not measured yet (no connection was seen being reused)"_s;
        if (r.extraCandidates > 0)
            why << plural(r.extraCandidates, u"more connection"_s, u"more connections"_s)
                    + u" sit idle that long than the discrepancy accounts for"_s
                    + (isPresent(input.poolIdle) ? QString() : u" (pool_idle unknown)"_s);
        if (!input.tracker)
            why << u"PoolScope has no history of these backends, only the server's state_change"_s;
        if (why.isEmpty() && allStrong) {
            r.confidence = ReconcileConfidence::High;
            r.confidenceReason = u"Every untracked connection is matched by a backend left unchanged over several "_s
                                 u"polls for at least twice the "_s
                + threshold + u" threshold, while the pool reuses its connections within "_s
                + formatDuration(r.normalReuseSeconds) + u'.';
        } else {
            r.confidence = ReconcileConfidence::Medium;
            r.confidenceReason
                = u"All "_s + QString::number(r.expected) + u" explained, but "_s + why.join(u"; "_s) + u'.';
        }
    } else {
        r.confidence = 2 * r.explainedCount >= r.expected ? ReconcileConfidence::Medium : ReconcileConfidence::Low;
        QString why = plural(r.unexplainedCount, u"untracked connection has"_s, u"untracked connections have"_s)
            + u" no matching backend idle longer than "_s + threshold;
        if (r.explainedByPool > 0)
            why += u" beyond the pool's own "_s
                + plural(r.explainedByPool, u"idle connection"_s, u"idle connections"_s);
        why += u": they may be active, recently reused, on another database, or under another application_name."_s;
        r.confidenceReason = why;
    }
    return r;
}

QString Reconciliation::summary(bool redacted) const
{
    if (expected < 0)
        return u"Cannot reconcile: the discrepancy is unknown."_s;
    if (exact) {
        const int found = static_cast<int>(suspects.size());
        QString s = QString::number(found) + u" of "_s + QString::number(std::max(found, expected))
            + u" held connections reported by the app"_s;
        QStringList parts;
        for (const HolderLocation& l : locations)
            parts << QString::number(l.count) + u" at "_s + (redacted ? redactFrame(l.location) : l.location);
        if (!parts.isEmpty())
            s += u": "_s + parts.join(u", "_s);
        s += u"; "_s + QString::number(unexplainedCount) + u" unexplained"_s;
        if (!disagreements.isEmpty())
            s += u"; "_s + plural(static_cast<int>(disagreements.size()), u"disagreement"_s, u"disagreements"_s)
                + u" with pg_stat_activity"_s;
        return s + u'.';
    }
    if (expected == 0 && suspects.isEmpty())
        return u"Nothing to explain: checked_out matches tracked."_s;
    QString s = QString::number(explainedCount) + u" of "_s + QString::number(expected) + u" explained"_s;
    if (!groups.isEmpty()) {
        QStringList parts;
        for (const auto& g : groups) {
            QString part = plural(g.count, u"connection"_s, u"connections"_s) + u' ' + g.state;
            if (g.oldestStateChangeMs != kNoTime)
                part += u" since "_s + formatClock(g.oldestStateChangeMs, nowMs, utcOffsetSeconds);
            else
                part += u" for "_s + formatDuration(g.longestIdleSeconds);
            if (g.fingerprint.isEmpty()) {
                part += u" with no query yet"_s;
            } else {
                QString fp = g.fingerprint;
                if (fp.size() > maxQueryChars)
                    fp = fp.left(maxQueryChars) + u"\u2026"_s;
                part += u" whose last query was "_s + fp;
            }
            parts << part;
        }
        s += u": "_s + parts.join(u"; "_s);
    }
    s += u"; "_s + QString::number(unexplainedCount) + u" unexplained."_s;
    return s;
}

} // namespace poolscope
