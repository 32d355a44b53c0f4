#include "Holders.h"

#include "BackendTracker.h"
#include "QueryFingerprint.h"
#include "format/Format.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

QString plural(int n, const QString& one, const QString& many)
{
    return QString::number(n) + u' ' + (n == 1 ? one : many);
}

double secondsBetween(qint64 fromMs, qint64 toMs)
{
    if (fromMs == kNoTime || toMs == kNoTime)
        return qQNaN();
    return std::max(0.0, static_cast<double>(toMs - fromMs) / 1000.0);
}

QString locationOf(const Holder& holder)
{
    const QString location = holder.location();
    return location.isEmpty() ? u"(no stack)"_s : location;
}

} // namespace

QString redactFrame(const QString& frame)
{
    static const QRegularExpression where(u"^(.*?:\\d+(?::| in ))(.*)$"_s);
    static const QRegularExpression literal(
        u"'(?:[^'\\\\]|\\\\.)*'?|\"(?:[^\"\\\\]|\\\\.)*\"?|`[^`]*`?|(?<![\\w.$])-?\\d+(?:\\.\\d+)?(?![\\w])"_s);
    const QRegularExpressionMatch match = where.match(frame);
    QString head;
    QString tail = frame;
    if (match.hasMatch()) {
        head = match.captured(1);
        tail = match.captured(2);
    }
    tail.replace(literal, u"?"_s);
    return head + tail;
}

QString disagreementText(const Disagreement& disagreement, bool redacted)
{
    QString text = disagreement.text;
    if (redacted && disagreement.holder) {
        const QString location = disagreement.holder->location();
        if (!location.isEmpty())
            text.replace(location, redactFrame(location));
    }
    return text;
}

Holder redactHolder(Holder holder)
{
    for (QString& frame : holder.stack)
        frame = redactFrame(frame);
    return holder;
}

QString disagreementKindKey(Disagreement::Kind kind)
{
    return kind == Disagreement::Kind::ClaimedNotShown ? u"claimed_not_shown"_s : u"unclaimed"_s;
}

Reconciliation reconcileWithHolders(
    const ReconcileInput& input, const SuspectOptions& options, const HolderOptions& holderOptions)
{
    ReconcileInput inferred = input;
    inferred.holdersReported = false;
    Reconciliation r = reconcile(inferred, options);
    r.suspects.clear();
    r.groups.clear();
    r.extraCandidates = 0;
    r.exact = true;
    r.reportedHolders = static_cast<int>(input.holders.size());

    const QList<Backend>& database = input.databaseBackends.isEmpty() ? input.backends : input.databaseBackends;
    QHash<int, const Backend*> byPid;
    for (const Backend& b : database)
        byPid.insert(b.pid, &b);
    const qint64 serverNow = r.nowMs;
    // The holders were read at holdersAtMs, the snapshot at snapshotAtMs (both local clock).
    const double apart = std::abs(secondsBetween(
        std::min(input.holdersAtMs, input.snapshotAtMs), std::max(input.holdersAtMs, input.snapshotAtMs)));
    const double gapSeconds = std::isfinite(apart) ? apart : 0.0;
    const qint64 heldUntil = input.holdersAtMs != kNoTime ? input.holdersAtMs : input.snapshotAtMs;

    QSet<int> claimed;
    int untrackedMissing = 0;
    for (const Holder& h : input.holders) {
        claimed.insert(h.backendPid);
        if (!h.tracked)
            ++r.reportedUntracked;
        const Backend* b = byPid.value(h.backendPid);
        if (!b) {
            // Acquired well before the snapshot, yet not in it: the pool hands out a connection the server
            // closed. A connection opened after the snapshot is simply too new to be in it.
            const bool settled = h.hasAcquiredAt() && input.snapshotAtMs != kNoTime
                && secondsBetween(h.acquiredAtMs, input.snapshotAtMs) >= holderOptions.settleSeconds
                && h.acquiredAtMs < input.snapshotAtMs;
            if (!h.tracked)
                ++untrackedMissing;
            if (settled) {
                Disagreement d;
                d.kind = Disagreement::Kind::ClaimedNotShown;
                d.pid = h.backendPid;
                d.holder = h;
                d.text
                    = u"The app holds backend %1 (%2%3, taken %4 ago at %5) but PostgreSQL does not show it: "
                      u"a dead connection in the pool."_s.arg(QString::number(h.backendPid),
                          h.tracked ? u"tracked"_s : u"untracked"_s, h.route.isEmpty() ? QString() : u", "_s + h.route,
                          formatDuration(secondsBetween(h.acquiredAtMs, heldUntil)), locationOf(h));
                r.disagreements.append(d);
            }
            continue;
        }
        if (h.tracked)
            continue;
        Suspect s;
        s.pid = b->pid;
        s.applicationName = b->applicationName;
        s.clientAddr = b->clientAddr;
        s.state = b->state;
        s.stateChangeMs = b->stateChangeMs;
        s.idleSeconds = secondsBetween(b->stateChangeMs, serverNow);
        if (input.tracker) {
            if (const TrackedBackend* seen = input.tracker->find(*b); seen && seen->last.state == b->state
                && seen->last.queryStartMs == b->queryStartMs && seen->last.stateChangeMs == b->stateChangeMs) {
                s.unchangedSeconds = static_cast<double>(seen->unchangedMs(serverNow)) / 1000.0;
                s.unchangedPolls = seen->unchangedPolls;
            }
        }
        s.query = b->query;
        s.fingerprint = fingerprintQuery(b->query);
        s.holder = h;
        s.heldSeconds = h.hasAcquiredAt() ? secondsBetween(h.acquiredAtMs, heldUntil) : qQNaN();
        s.score = std::isfinite(s.heldSeconds) ? s.heldSeconds : 0;
        QString heldFor = u"Held outside the app's tracking"_s;
        if (std::isfinite(s.heldSeconds))
            heldFor += u" for "_s + formatDuration(s.heldSeconds);
        QString rest;
        if (!h.route.isEmpty())
            rest += u" ("_s + h.route + u')';
        rest += u"; "_s + (b->state.isEmpty() ? u"no state"_s : b->state);
        if (std::isfinite(s.idleSeconds))
            rest += u" for "_s + formatDuration(s.idleSeconds);
        rest += u'.';
        s.reason = heldFor + u", taken at "_s + locationOf(h) + rest;
        s.redactedReason = heldFor + u", taken at "_s + locationOf(redactHolder(h)) + rest;
        r.suspects.append(s);
    }
    std::stable_sort(r.suspects.begin(), r.suspects.end(), [](const Suspect& a, const Suspect& b) {
        if (a.score != b.score)
            return a.score > b.score;
        return a.pid < b.pid;
    });
    for (const Suspect& s : std::as_const(r.suspects)) {
        const QString location = locationOf(*s.holder);
        auto it = std::find_if(
            r.locations.begin(), r.locations.end(), [&](const HolderLocation& l) { return l.location == location; });
        if (it == r.locations.end()) {
            r.locations.append(HolderLocation { location, 0, qQNaN() });
            it = r.locations.end() - 1;
        }
        ++it->count;
        if (std::isfinite(s.heldSeconds) && !(s.heldSeconds <= it->longestHeldSeconds))
            it->longestHeldSeconds = s.heldSeconds;
    }
    std::stable_sort(r.locations.begin(), r.locations.end(),
        [](const HolderLocation& a, const HolderLocation& b) { return a.count > b.count; });

    // Backends of the app no holder claims: the pool's own idle connections are the youngest idle ones.
    QList<const Backend*> unclaimed;
    for (const Backend& b : input.backends) {
        if (!b.withheld && !claimed.contains(b.pid))
            unclaimed.append(&b);
    }
    QList<const Backend*> idle;
    QList<const Backend*> busy;
    for (const Backend* b : std::as_const(unclaimed))
        (b->state == u"idle"_s ? idle : busy).append(b);
    std::stable_sort(idle.begin(), idle.end(), [](const Backend* a, const Backend* b) {
        return a->stateChangeMs > b->stateChangeMs || (a->stateChangeMs == b->stateChangeMs && a->pid < b->pid);
    });
    QList<const Backend*> outside = busy;
    if (isPresent(input.poolIdle)) {
        const qsizetype inPool = std::max<qsizetype>(0, std::lround(input.poolIdle));
        for (qsizetype i = inPool; i < idle.size(); ++i)
            outside.append(idle.at(i));
    }
    const double settle = holderOptions.settleSeconds + gapSeconds;
    for (const Backend* b : std::as_const(outside)) {
        const double unchanged = secondsBetween(b->stateChangeMs, serverNow);
        if (!std::isfinite(unchanged) || unchanged < settle)
            continue;
        Disagreement d;
        d.kind = Disagreement::Kind::Unclaimed;
        d.pid = b->pid;
        d.backend = *b;
        d.text = u"Backend %1 of %2 (%3 for %4) is claimed by no holder the app reports: a connection taken "
                 u"outside the pool."_s.arg(QString::number(b->pid), b->applicationName,
                     b->state.isEmpty() ? u"no state"_s : b->state, formatDuration(unchanged));
        r.disagreements.append(d);
    }
    std::stable_sort(r.disagreements.begin(), r.disagreements.end(), [](const Disagreement& a, const Disagreement& b) {
        return a.kind != b.kind ? a.kind < b.kind : a.pid < b.pid;
    });

    // How much of the discrepancy the holders explain.
    const int found = static_cast<int>(r.suspects.size());
    r.explainedCount = r.expected < 0 ? found : std::min(found, r.expected);
    r.unexplainedCount = r.expected < 0 ? 0 : r.expected - r.explainedCount;
    QStringList why;
    if (r.unexplainedCount > 0)
        why << u"the app reports "_s + plural(r.reportedUntracked, u"untracked holder"_s, u"untracked holders"_s)
                + u" for a discrepancy of "_s + QString::number(r.expected);
    else if (r.expected >= 0 && found > r.expected)
        why << plural(found - r.expected, u"untracked holder is"_s, u"untracked holders are"_s)
                + u" beyond the discrepancy of "_s + QString::number(r.expected)
                + u" (tracking and pool counted at different moments?)"_s;
    if (untrackedMissing > 0)
        why << plural(untrackedMissing, u"untracked holder's pid is"_s, u"untracked holders' pids are"_s)
                + u" not in pg_stat_activity"_s;
    if (r.unexplainedCount == 0 && why.isEmpty()) {
        r.confidence = ReconcileConfidence::Exact;
        r.confidenceReason = r.expected == 0 && found == 0
            ? u"The app reports its holders: none is outside its tracking."_s
            : u"The app reports every connection it has checked out; each untracked one is a backend in "
              u"pg_stat_activity, named with its code location."_s;
    } else {
        r.confidence = r.unexplainedCount == 0 || 2 * r.explainedCount >= r.expected ? ReconcileConfidence::Medium
                                                                                     : ReconcileConfidence::Low;
        r.confidenceReason = u"The app reports its holders, but "_s + why.join(u"; "_s) + u'.';
    }
    return r;
}

} // namespace poolscope
