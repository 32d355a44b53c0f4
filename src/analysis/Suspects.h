#pragma once

#include "types/ActivitySnapshot.h"
#include "types/Metric.h"
#include "types/Sample.h"

#include <QList>
#include <QMap>
#include <QObject>
#include <QString>

#include <optional>

namespace poolscope {

class BackendTracker;

// What reconcile() works from: one target's newest numbers and the backends of its application_name.
struct ReconcileInput
{
    QString target;
    double checkedOut = kAbsent;
    double tracked = kAbsent;
    // The discrepancy to explain. Pass the verdict's level (the baseline, without the noise of requests
    // in flight); when absent, checkedOut − tracked is used.
    double discrepancy = kAbsent;
    double poolSize = kAbsent; // connections the pool holds (absent when the profile lacks it)
    double poolIdle = kAbsent; // of which idle inside the pool, ready to be handed out
    QList<Backend> backends; // the target's backends in the newest snapshot (Session::backendsOf)
    // Why there is no snapshot of the target's database to read backends from (its failed read's error);
    // empty when there is one, or the target has no database.
    QString backendsUnavailable;
    // PoolScope's own history of the backends, fed with that snapshot already; may be null (then only
    // the server's state_change is evidence, and the confidence is at most Medium).
    const BackendTracker* tracker = nullptr;
    qint64 serverNowMs = kNoTime; // the snapshot's serverTimeMs; kNoTime → the tracker's last observation
    // The app's holders (the holders contract) from the same poll as the metrics: when reported, the suspects
    // are exact (reconcileWithHolders, Holders.h) instead of inferred.
    bool holdersReported = false;
    QList<Holder> holders;
    qint64 holdersAtMs = kNoTime; // when the holders were received (local clock)
    qint64 snapshotAtMs = kNoTime; // when the snapshot was received (local clock)
    // Every backend of the target's database in that snapshot (a holder's pid may be under another
    // application_name); when empty, `backends` stand in for it.
    QList<Backend> databaseBackends;

    // Fills checkedOut, tracked, discrepancy, poolSize and poolIdle from a sample's metrics.
    void setMetrics(const MetricValues& metrics);
};

// Tunables of reconcile().
struct SuspectOptions
{
    double reuseFloorSeconds = 30; // the suspect threshold is never below this
    double reuseFactor = 3; // threshold = max(floor, factor × p90 of the pool's observed idle spans)
    qint64 reuseLookbackMs = 60LL * 60 * 1000; // idle spans older than this are not used
    int minPolls = 3; // fewer polls showing a suspect unchanged → weaker evidence
    int utcOffsetSeconds = 0; // for the wall-clock times in the sentences
    int maxQueryChars = 160; // fingerprints are cut to this in the summary
};

namespace ReconcileEnums { // for moc: the enum's names (enumName())
Q_NAMESPACE
enum class ReconcileConfidence { Exact, High, Medium, Low };
Q_ENUM_NS(ReconcileConfidence)
} // namespace ReconcileEnums
using ReconcileEnums::ReconcileConfidence;
QString reconcileConfidenceKey(ReconcileConfidence confidence); // "exact", "high", "medium", "low"

// One backend most likely held outside tracking.
struct Suspect
{
    int pid = 0;
    QString applicationName;
    QString clientAddr;
    QString state;
    qint64 stateChangeMs = kNoTime; // server clock
    double idleSeconds = qQNaN(); // now − state_change (server clock), NaN when state_change is NULL
    double unchangedSeconds = qQNaN(); // PoolScope's own observation: same state and query_start since
    int unchangedPolls = 0; // polls that showed it unchanged
    QString query;
    QString fingerprint;
    QString reason; // one sentence
    // The same sentence as views and exports show it with redaction on: the holder's code location with its
    // literals replaced, a client address behind pgbouncer masked.
    QString redactedReason;
    const QString& reasonText(bool redacted) const { return redacted ? redactedReason : reason; }
    double score = 0; // the ranking key, see reconcile()
    // Exact suspects (the app reported its holders): the holder that claims this backend, and how long it has
    // held it (NaN when acquired_at is not reported).
    std::optional<Holder> holder;
    double heldSeconds = qQNaN();
};

// Where the app and PostgreSQL disagree (only when the app reports its holders).
struct Disagreement
{
    enum class Kind {
        ClaimedNotShown, // the app holds a pid PostgreSQL does not show: a dead connection in the pool
        Unclaimed, // a backend of the app no holder claims, beyond the pool's idle ones: outside the pool
    };
    Kind kind = Kind::ClaimedNotShown;
    int pid = 0;
    std::optional<Holder> holder; // ClaimedNotShown
    std::optional<Backend> backend; // Unclaimed
    QString text; // one sentence

    bool operator==(const Disagreement&) const = default;
};
QString disagreementKindKey(Disagreement::Kind kind); // "claimed_not_shown", "unclaimed"

// Exact suspects sharing a code location (the innermost frame of their stacks).
struct HolderLocation
{
    QString location; // "settlement/jobs.py:88 in refresh_odds()", "(no stack)" when none was reported
    int count = 0;
    double longestHeldSeconds = qQNaN();
};

// Suspects sharing a state and a fingerprint (the summary speaks of groups).
struct SuspectGroup
{
    QString state;
    QString fingerprint;
    int count = 0;
    qint64 oldestStateChangeMs = kNoTime;
    double longestIdleSeconds = qQNaN();
};

// The reconciliation of a target's numbers with its backends.
struct Reconciliation
{
    QString target;
    double checkedOut = kAbsent;
    double tracked = kAbsent;
    double discrepancy = kAbsent;
    double poolSize = kAbsent;
    double poolIdle = kAbsent;
    int expected = -1; // the discrepancy rounded (at least 0), -1 when unknown
    int backendCount = 0;
    QMap<QString, int> byState; // "active", "idle", "idle in transaction", "withheld", "(none)", ...
    double normalReuseSeconds = qQNaN(); // p90 of the observed idle spans, NaN when none was seen
    int reuseSpans = 0; // idle spans that estimate came from
    double thresholdSeconds = 0; // unchanged at least this long makes a candidate
    int longIdleCount = 0; // idle-ish backends unchanged at least the threshold
    int explainedByPool = 0; // of those, how many are the pool's own idle connections (pool_idle)
    int extraCandidates = 0; // candidates beyond the discrepancy (not listed as suspects)
    QList<Suspect> suspects; // best first, at most `expected`
    QList<SuspectGroup> groups; // suspects by state and fingerprint, in ranking order
    int explainedCount = 0;
    int unexplainedCount = 0;
    ReconcileConfidence confidence = ReconcileConfidence::Low;
    QString confidenceReason; // why, in words
    // With holders reported: the suspects are the untracked holders PostgreSQL shows, grouped by location.
    bool exact = false;
    int reportedHolders = 0; // every connection the app reports checked out
    int reportedUntracked = 0; // of which outside its tracking
    QList<HolderLocation> locations;
    QList<Disagreement> disagreements;
    qint64 nowMs = kNoTime;
    int utcOffsetSeconds = 0;
    int maxQueryChars = 160;

    // Exact: "15 of 15 held connections reported by the app: 12 at settlement/jobs.py:88 in refresh_odds(), 3 at
    // web/app.py:41 in report(); 0 unexplained." Inferred: "8 of 8 explained: 7 connections idle since 09:14 whose last
    // query was SELECT key, value FROM settings WHERE key = ?; 1 connection idle in transaction since 09:14 whose last
    // query was UPDATE jobs SET ...; 0 unexplained."
    // redacted: literals in the code locations become "?" (redactFrame).
    QString summary(bool redacted = false) const;
};

// Explains a target's discrepancy by its backends.
//
// Normal reuse: a pool hands its idle connections out again and again, so each of them keeps getting a
// new query_start/state_change; a connection held outside tracking never does. From PoolScope's own
// history (BackendTracker) of this app's backends, every completed idle span (entered idle at
// state_change, left it at the next query_start) seen in the last reuseLookbackMs is a sample of the
// pool's reuse time; normalReuseSeconds is their 90th percentile, and the threshold is
// max(reuseFloorSeconds, reuseFactor × normalReuseSeconds).
// Candidates: backends idle or idle in transaction (also "(aborted)") whose time in state — now −
// state_change, or PoolScope's own observation when state_change is NULL — is at least the threshold.
// Pool idle: with psycopg_pool, the pool's own idle connections (pool_idle of them) are idle in
// pg_stat_activity too, and at low traffic they can sit idle longer than the threshold. Because the pool
// keeps reusing them, they are the most recently changed idle backends; the pool_idle youngest idle
// backends are therefore taken as the pool's own and are never suspects (counted in explainedByPool
// when they are past the threshold). What is left idle beyond pool_idle is checked out while idle: held.
// Idle in transaction is never inside the pool, so it is always a candidate.
// Ranking: score = weight × (time in state / threshold), weight 2 for idle in transaction (an open
// transaction also holds locks and snapshots) and 1 for idle, halved when PoolScope saw it unchanged
// over fewer than minPolls polls. Ties: longer in state first, then lower pid. Suspects are the best
// `expected` candidates (all of them when the discrepancy is unknown).
// Confidence: High when every unit of the discrepancy is explained, each suspect was seen unchanged over
// at least minPolls polls for at least twice the threshold, the reuse time was measured, and no extra
// candidates remain; Medium when all are explained with weaker evidence, or at least half are
// explained; Low otherwise, or when the discrepancy or the backends are unknown. The reason is in words.
// With input.holdersReported the suspects are exact instead (reconcileWithHolders, Holders.h).
Reconciliation reconcile(const ReconcileInput& input, const SuspectOptions& options = {});

} // namespace poolscope
