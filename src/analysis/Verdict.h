#pragma once

#include <QObject>
#include <QString>
#include <QtGlobal>

namespace poolscope {

class TargetHistory;

// Q_NAMESPACE gives the enum its names (enumName()); the namespace is only for moc.
namespace VerdictEnums {
Q_NAMESPACE

// What the discrepancy (checked_out − tracked) of one target is doing.
enum class VerdictKind {
    None, // no discrepancy: the recent level is 0 (within zeroLevel) and it is not growing
    Stable, // a baseline that does not grow (possibly after an earlier rise)
    Growing, // still rising: a leak, with its rate and the projected pool exhaustion
    Unknown, // too little data yet (see Verdict::neededSeconds)
};
Q_ENUM_NS(VerdictKind)

// What a verdict rests on.
enum class VerdictBasis {
    Live, // what PoolScope watched
    Reconstructed, // the held connections' timestamps at the first poll (too little watched yet)
    LiveAndReconstructed, // watched, and the baseline's age reconstructed back beyond the watch
};
Q_ENUM_NS(VerdictBasis)
} // namespace VerdictEnums
using VerdictEnums::VerdictBasis;
using VerdictEnums::VerdictKind;

struct Reconstruction;

// "none", "stable", "growing", "unknown" (for JSON and the command line).
QString verdictKindKey(VerdictKind kind);
// "live", "reconstructed", "live_and_reconstructed".
QString verdictBasisKey(VerdictBasis basis);

// Tunables of computeVerdict(). The defaults are the rules documented at computeVerdict().
struct VerdictOptions
{
    QString targetName; // used in the sentence; "target" when empty
    qint64 maxWindowMs = 12LL * 3600 * 1000; // the window is at most this long (ending at toMs)
    double minCoverageSeconds = 60; // less time between first and last usable sample → Unknown
    int minSamples = 30; // fewer usable samples → Unknown
    double confidence = 0.95; // of the slope intervals
    double minRatePerHour = 0.5; // slower growth is never called a leak
    double minRise = 1.0; // the interval's lower bound must rise this much over the analysed span
    double recentFraction = 0.25; // the recent part is the last quarter of the window...
    double recentMinSeconds = 300; // ...but at least this long (or the whole window when shorter)
    double zeroLevel = 0.5; // |level| at most this → None (unless growing)
    double poolMax = qQNaN(); // overrides the pool_max metric when set
    // Without a pool max, the ETA is to the server's limit for ordinary roles: max_connections −
    // superuser_reserved_connections, with the connections the server holds now (every application's).
    int serverMaxConnections = -1;
    int serverReservedConnections = -1;
    double serverConnectionsNow = qQNaN();
    qint64 defaultIntervalMs = 2000; // poll interval assumed for neededSeconds with < 2 samples
    int maxTrendPoints = 600; // see TrendOptions::maxPoints
    // The history reconstructed from the first snapshot (see Reconstruction.h); null: none.
    const Reconstruction* reconstruction = nullptr;
    double minBaselineSeconds = 20; // a reconstructed baseline younger than this proves nothing
};

// The verdict on one target's discrepancy over a window: see computeVerdict() for the rules.
struct Verdict
{
    QString target;
    VerdictKind kind = VerdictKind::Unknown;
    qint64 fromMs = 0; // the window actually analysed (after the maxWindowMs clamp)
    qint64 toMs = 0;
    double level = qQNaN(); // the recent median discrepancy (connections)
    // The slope reported (connections per hour) and its interval: of the recent part when the verdict
    // rests on it (growth seen there, or a stable baseline after an earlier rise), else of the window.
    double slopePerHour = qQNaN();
    double slopeLow = qQNaN();
    double slopeHigh = qQNaN();
    double slopeSpanSeconds = 0; // the span that slope was measured over
    double windowSlopePerHour = qQNaN(); // the whole window's slope, for reference
    double recentSlopePerHour = qQNaN(); // the recent part's slope, for reference
    // Stable or None although the whole window's slope interval is above 0 (a step, or a leak that
    // stopped): the reported slope is then the recent part's.
    bool roseEarlier = false;
    double noise = qQNaN(); // robust noise scale of the discrepancy (connections, ~1 sigma)
    double checkedOutNow = qQNaN(); // median checked_out of the last 10 usable samples
    double poolMax = qQNaN();
    // Seconds until checked_out reaches pool_max at slopePerHour: only for Growing with a known pool
    // max; 0 when already there; -1 when unknown or never. Without a pool max, the time until the server's
    // connections reach its limit (exhaustionLimit says which).
    double exhaustionEtaSeconds = -1;
    enum class Limit { None, PoolMax, Server };
    Limit exhaustionLimit = Limit::None;
    int serverMaxConnections = -1;
    int serverReservedConnections = -1;
    double serverConnectionsNow = qQNaN();
    int samplesUsed = 0; // usable samples (ok, with a discrepancy) in the window
    double coverageSeconds = 0; // time between the first and the last usable sample
    double neededSeconds = 0; // Unknown: about how much more polling is needed
    double confidence = 0.95;
    QString rule; // which rule decided, in a few words (for a tooltip / --json)
    // The reconstructed baseline (rule 0): the `baselineCount` connections of the level have all been held
    // unchanged at least since baselineSinceMs, i.e. for baselineAgeSeconds at the newest data.
    VerdictBasis basis = VerdictBasis::Live;
    int baselineCount = 0;
    qint64 baselineSinceMs = 0; // 0 when there is no reconstructed baseline
    double baselineAgeSeconds = qQNaN();
    QString baselineEvidence; // the timestamps it rests on: "state_change", "state_change/xact_start", ...
    bool reconstructed() const { return basis != VerdictBasis::Live; }

    // One sentence to paste in a channel, e.g.
    // "web: stable baseline of 8 untracked connections (slope +0.0/h, 95% CI −0.3…+0.2, over 1 h 12 m); not a leak."
    QString text() const;
};

// The verdict on the discrepancy of `history` over [fromMs, toMs] (clamped to the last maxWindowMs).
//
// Series: per ok row, the discrepancy metric, or checked_out − tracked when the discrepancy is absent;
// failed polls (all-NaN rows) and rows lacking both are skipped, never interpolated.
// Rules, in order:
//  0. The reconstructed baseline (options.reconstruction): with n = the level rounded (the median of the last
//     five usable samples before rule 2 has a level), when at least n connections were held at the first
//     snapshot, the n oldest have all been held since baselineSinceMs. That baseline is stable when it is at
//     least minBaselineSeconds old and no arrival pattern explains the quiet: its age is at least three times
//     the median gap between the last (up to five) arrivals of those n (a steady leak at that pace would have
//     added one with 95 % probability), or that pace is slower than minRatePerHour. Live data always rules:
//  1. Unknown while coverage < minCoverageSeconds or samples < minSamples, unless the reconstructed
//     baseline is stable: then Stable with basis Reconstructed (the level is the last samples' median).
//     neededSeconds (Unknown) is the larger of the missing coverage and the missing samples times the median
//     poll interval.
//  2. Two Theil–Sen trends (see Trend): the whole window W and its recent part R (the last
//     recentFraction of the coverage, at least recentMinSeconds, at most the whole window).
//     A trend "rises significantly" when its interval's lower bound exceeds both minRatePerHour and
//     minRise / span (the lower bound must add up to at least minRise connections over its span).
//     The span term is what keeps the noise of in-flight requests (±2 around a flat baseline) from
//     ever being called growth in the first minutes, while a leak of 1 connection/minute is called
//     within about two minutes (three with ±2 noise), see tst_verdict.
//  3. Growing when R rises significantly (growth is going on now), or when W rises significantly and
//     R agrees: R's slope is at least half of W's and W's slope lies inside R's interval (a slow leak
//     whose recent part alone is too short to prove it).
//     A step (the baseline jumps once and stays) makes W rise but leaves R flat, so it is Growing
//     only while the step is inside R and Stable (with roseEarlier) once R holds only post-step data.
//     A leak that stopped is likewise Stable at its new level. When the whole window's interval is above
//     0 but the verdict is not Growing, roseEarlier is set and the recent part's slope is reported.
//     (Theil–Sen shrugs off a step that covers less than ~30 % of the pairs: the slope stays ~0.)
//  4. None when |level| <= zeroLevel (level = median of the last quarter of R).
//  5. Stable otherwise. A stable reconstructed baseline older than the coverage adds its age (basis
//     LiveAndReconstructed); growth seen live (Growing) ignores the reconstruction.
// ETA (Growing only): (pool_max − checked_out now) / slope, with the pool_max metric's last value
// (or options.poolMax), checked_out now the median of its last 10 values. Without a pool max:
// (max_connections − superuser_reserved_connections − the server's connections now) / slope, when the
// options carry them; -1 otherwise.
Verdict computeVerdict(const TargetHistory& history, qint64 fromMs, qint64 toMs, const VerdictOptions& options = {});

} // namespace poolscope
