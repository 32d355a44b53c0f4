#include "Verdict.h"

#include "AnalysisText.h"
#include "Reconstruction.h"
#include "RobustStats.h"
#include "Trend.h"
#include "format/EnumName.h"
#include "store/TargetHistory.h"

#include <QStringList>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace Qt::StringLiterals;

namespace poolscope {

QString verdictKindKey(VerdictKind kind)
{
    return enumName(kind).toLower(); // JSON and CSV: "none", "stable", "growing", "unknown"
}

QString verdictBasisKey(VerdictBasis basis)
{
    return enumKey(basis); // JSON: "live", "reconstructed", "live_and_reconstructed"
}

namespace {

// Rule 0 of computeVerdict(): fills the baseline fields of `v` and returns true when the reconstruction
// holds a stable baseline of `level` connections at nowMs.
bool reconstructedBaseline(Verdict& v, double level, qint64 nowMs, const VerdictOptions& options)
{
    const Reconstruction* r = options.reconstruction;
    if (!r || !isPresent(level) || std::abs(level) <= options.zeroLevel)
        return false;
    const int n = static_cast<int>(std::lround(level));
    if (n < 1 || n > r->held.size())
        return false;
    const qint64 since = r->heldSinceMs(n);
    const double age = static_cast<double>(nowMs - since) / 1000.0;
    if (age < options.minBaselineSeconds)
        return false;
    // The pace at which the n oldest arrived, from the last (up to five) gaps between them.
    std::vector<double> gaps;
    for (int i = std::max(1, n - 5); i < n; ++i)
        gaps.push_back(static_cast<double>(r->held[i].sinceMs - r->held[i - 1].sinceMs) / 1000.0);
    if (!gaps.empty()) {
        const double gap = medianOf(gaps);
        const bool quietLongEnough = age >= 3.0 * gap;
        const bool tooSlowForALeak = gap > 0.0 && 3600.0 / gap < options.minRatePerHour;
        if (!quietLongEnough && !tooSlowForALeak)
            return false;
    }
    v.baselineCount = n;
    v.baselineSinceMs = since;
    v.baselineAgeSeconds = age;
    v.baselineEvidence = r->evidence(n);
    return true;
}

bool risesSignificantly(const Trend& trend, const VerdictOptions& options)
{
    if (!trend.hasSlope())
        return false;
    const double spanHours = trend.coverageSeconds() / 3600.0;
    if (spanHours <= 0.0)
        return false;
    const double needed = std::max(options.minRatePerHour, options.minRise / spanHours);
    return trend.slopeLowPerHour > needed;
}

} // namespace

Verdict computeVerdict(const TargetHistory& history, qint64 fromMs, qint64 toMs, const VerdictOptions& options)
{
    Verdict v;
    v.target = options.targetName.isEmpty() ? u"target"_s : options.targetName;
    v.confidence = options.confidence;
    v.fromMs = std::max(fromMs, toMs - options.maxWindowMs);
    v.toMs = toMs;

    const auto times = history.times();
    const auto discrepancy = history.column(Metric::Discrepancy);
    const auto checkedOut = history.column(Metric::CheckedOut);
    const auto tracked = history.column(Metric::Tracked);
    const auto poolMax = history.column(Metric::PoolMax);

    std::vector<TrendPoint> points;
    std::vector<double> recentCheckedOut;
    double lastPoolMax = qQNaN();
    for (std::size_t i = 0; i < history.size(); ++i) {
        if (!history.ok(i) || times[i] < v.fromMs || times[i] > v.toMs)
            continue;
        double d = discrepancy[i];
        if (!isPresent(d) && isPresent(checkedOut[i]) && isPresent(tracked[i]))
            d = checkedOut[i] - tracked[i];
        if (isPresent(d))
            points.push_back({ times[i], d });
        if (isPresent(checkedOut[i]))
            recentCheckedOut.push_back(checkedOut[i]);
        if (isPresent(poolMax[i]))
            lastPoolMax = poolMax[i];
    }
    std::stable_sort(
        points.begin(), points.end(), [](const TrendPoint& a, const TrendPoint& b) { return a.tMs < b.tMs; });
    if (recentCheckedOut.size() > 10)
        recentCheckedOut.erase(recentCheckedOut.begin(), recentCheckedOut.end() - 10);
    v.checkedOutNow = medianOf(recentCheckedOut);
    v.poolMax = isPresent(options.poolMax) ? options.poolMax : lastPoolMax;

    v.samplesUsed = static_cast<int>(points.size());
    v.coverageSeconds = points.empty() ? 0.0 : static_cast<double>(points.back().tMs - points.front().tMs) / 1000.0;

    // 1. Enough data? (Or, from the first poll on, a stable reconstructed baseline.)
    if (v.coverageSeconds < options.minCoverageSeconds || v.samplesUsed < options.minSamples) {
        if (!points.empty()) {
            std::vector<double> last;
            for (auto it = points.rbegin(); it != points.rend() && last.size() < 5; ++it)
                last.push_back(it->y);
            const double level = medianOf(std::move(last));
            if (reconstructedBaseline(v, level, points.back().tMs, options)) {
                v.kind = VerdictKind::Stable;
                v.basis = VerdictBasis::Reconstructed;
                v.level = level;
                v.rule = u"a reconstructed baseline"_s;
                return v;
            }
        }
        double intervalMs = static_cast<double>(options.defaultIntervalMs);
        if (points.size() >= 2) {
            std::vector<double> gaps;
            for (std::size_t i = 1; i < points.size(); ++i)
                gaps.push_back(static_cast<double>(points[i].tMs - points[i - 1].tMs));
            const double median = medianOf(std::move(gaps));
            if (median > 0.0)
                intervalMs = median;
        }
        const double missingCoverage = options.minCoverageSeconds - v.coverageSeconds;
        const double missingSamples = (options.minSamples - v.samplesUsed) * intervalMs / 1000.0;
        v.neededSeconds = std::ceil(std::max({ missingCoverage, missingSamples, 0.0 }));
        v.kind = VerdictKind::Unknown;
        v.rule = u"too little data"_s;
        return v;
    }

    // 2. Whole window and recent part.
    TrendOptions trendOptions;
    trendOptions.maxPoints = options.maxTrendPoints;
    trendOptions.confidence = options.confidence;
    const Trend whole = Trend::compute(points, trendOptions);
    const double recentSeconds
        = std::min(v.coverageSeconds, std::max(options.recentMinSeconds, options.recentFraction * v.coverageSeconds));
    const qint64 recentFrom = points.back().tMs - static_cast<qint64>(std::llround(recentSeconds * 1000.0));
    std::vector<TrendPoint> recentPoints;
    for (const auto& p : points) {
        if (p.tMs >= recentFrom)
            recentPoints.push_back(p);
    }
    const Trend recent = Trend::compute(recentPoints, trendOptions);
    v.windowSlopePerHour = whole.slopePerHour;
    v.recentSlopePerHour = recent.slopePerHour;
    v.level = recent.level;
    v.noise = whole.noise;

    auto report = [&](const Trend& trend) {
        v.slopePerHour = trend.slopePerHour;
        v.slopeLow = trend.slopeLowPerHour;
        v.slopeHigh = trend.slopeHighPerHour;
        v.slopeSpanSeconds = trend.coverageSeconds();
    };

    const bool recentRises = risesSignificantly(recent, options);
    const bool wholeRises = risesSignificantly(whole, options);
    const bool recentAgrees = recent.hasSlope() && recent.slopePerHour > 0.0
        && recent.slopePerHour >= 0.5 * whole.slopePerHour && recent.slopeLowPerHour <= whole.slopePerHour
        && whole.slopePerHour <= recent.slopeHighPerHour;

    // 3. Growing?
    if (recentRises || (wholeRises && recentAgrees)) {
        v.kind = VerdictKind::Growing;
        if (recentRises) {
            report(recent);
            v.rule = u"the recent part rises significantly"_s;
        } else {
            report(whole);
            v.rule = u"the window rises significantly and its recent part agrees"_s;
        }
        if (isPresent(v.poolMax) && isPresent(v.checkedOutNow) && v.slopePerHour > 0.0) {
            const double remaining = v.poolMax - v.checkedOutNow;
            v.exhaustionEtaSeconds = remaining <= 0.0 ? 0.0 : remaining / v.slopePerHour * 3600.0;
            v.exhaustionLimit = Verdict::Limit::PoolMax;
        } else if (!isPresent(v.poolMax) && options.serverMaxConnections > 0 && isPresent(options.serverConnectionsNow)
            && v.slopePerHour > 0.0) {
            v.serverMaxConnections = options.serverMaxConnections;
            v.serverReservedConnections = std::max(0, options.serverReservedConnections);
            v.serverConnectionsNow = options.serverConnectionsNow;
            const double remaining = v.serverMaxConnections - v.serverReservedConnections - v.serverConnectionsNow;
            v.exhaustionEtaSeconds = remaining <= 0.0 ? 0.0 : remaining / v.slopePerHour * 3600.0;
            v.exhaustionLimit = Verdict::Limit::Server;
        }
        return v;
    }

    if (whole.hasSlope() && whole.slopeLowPerHour > 0.0) {
        // The window rose (significantly, if too little to be a leak) but the recent part does not:
        // a step or a leak that stopped. Report the recent part, which the verdict rests on.
        v.roseEarlier = true;
        report(recent);
    } else {
        report(whole);
    }

    // 4./5. None or Stable.
    if (std::abs(v.level) <= options.zeroLevel) {
        v.kind = VerdictKind::None;
        v.rule = u"the level is zero"_s;
    } else {
        v.kind = VerdictKind::Stable;
        v.rule = v.roseEarlier ? u"the recent part is flat after an earlier rise"_s : u"no significant growth"_s;
        Verdict baseline;
        if (reconstructedBaseline(baseline, v.level, points.back().tMs, options)
            && baseline.baselineAgeSeconds > v.coverageSeconds) {
            v.basis = VerdictBasis::LiveAndReconstructed;
            v.baselineCount = baseline.baselineCount;
            v.baselineSinceMs = baseline.baselineSinceMs;
            v.baselineAgeSeconds = baseline.baselineAgeSeconds;
            v.baselineEvidence = baseline.baselineEvidence;
        }
    }
    return v;
}

QString Verdict::text() const
{
    const QString ci = QString::number(std::llround(confidence * 100.0)) + u"% CI "_s;
    switch (kind) {
    case VerdictKind::Unknown: {
        return target + u": not enough data yet \u2014 need about "_s + formatDuration(neededSeconds)
            + u" more (have "_s + formatDuration(coverageSeconds) + u", "_s + QString::number(samplesUsed)
            + (samplesUsed == 1 ? u" poll)."_s : u" polls)."_s);
    }
    case VerdictKind::None:
        return target + u": no untracked connections (level "_s + formatCount(level) + u", slope "_s
            + formatSigned(slopePerHour) + u"/h over "_s + formatDuration(slopeSpanSeconds) + u")."_s;
    case VerdictKind::Stable: {
        const QString held = QString::number(baselineCount)
            + (baselineCount == 1 ? u" connection held unchanged for at least "_s
                                  : u" connections held unchanged for at least "_s)
            + formatDuration(baselineAgeSeconds);
        if (basis == VerdictBasis::Reconstructed) {
            return target + u": "_s + held + u": a stable baseline (reconstructed from "_s + baselineEvidence
                + u" at the first poll; watched "_s + formatDuration(coverageSeconds) + u", "_s
                + QString::number(samplesUsed) + (samplesUsed == 1 ? u" poll"_s : u" polls"_s)
                + u", no growth seen); not a leak."_s;
        }
        const bool one = std::abs(level - 1.0) < 0.05;
        QString s = target + u": stable baseline of "_s + formatCount(level)
            + (one ? u" untracked connection ("_s : u" untracked connections ("_s) + u"slope "_s
            + formatSigned(slopePerHour) + u"/h, "_s + ci + formatSigned(slopeLow) + u"\u2026"_s
            + formatSigned(slopeHigh) + u", over "_s;
        if (roseEarlier) {
            s += u"the last "_s + formatDuration(slopeSpanSeconds) + u"; it rose earlier in the "_s
                + formatDuration(coverageSeconds) + u" window"_s;
        } else {
            s += formatDuration(slopeSpanSeconds);
        }
        s += u"); not a leak."_s;
        if (basis == VerdictBasis::LiveAndReconstructed)
            s += u" "_s + held + u" (reconstructed from "_s + baselineEvidence + u")."_s;
        return s;
    }
    case VerdictKind::Growing: {
        QString s = target + u": GROWING by "_s + QString::number(slopePerHour, 'f', 1) + u" connections/hour"_s;
        s += u" ("_s;
        if (slopePerHour >= 30.0)
            s += QString::number(slopePerHour / 60.0, 'f', 1) + u"/min; "_s;
        s += ci + QString::number(slopeLow, 'f', 1) + u"\u2026"_s + QString::number(slopeHigh, 'f', 1) + u", over "_s
            + formatDuration(slopeSpanSeconds) + u"), now "_s + formatCount(level) + u" untracked"_s;
        if (exhaustionLimit == Limit::Server) {
            const int limit = serverMaxConnections - serverReservedConnections;
            s += u" \u2014 pool max unknown; the server's limit of "_s + QString::number(limit)
                + u" connections (max_connections "_s + QString::number(serverMaxConnections) + u" \u2212 "_s
                + QString::number(serverReservedConnections) + u" reserved, "_s + formatCount(serverConnectionsNow)
                + u" in use)"_s
                + (exhaustionEtaSeconds == 0.0
                        ? u" already reached."_s
                        : u" reached in about "_s + formatDuration(exhaustionEtaSeconds) + u" at this rate."_s);
        } else if (!isPresent(poolMax) || exhaustionEtaSeconds < 0.0)
            s += u" \u2014 pool max unknown, no exhaustion estimate."_s;
        else if (exhaustionEtaSeconds == 0.0)
            s += u" \u2014 pool max "_s + formatCount(poolMax) + u" already reached."_s;
        else
            s += u" \u2014 pool max "_s + formatCount(poolMax) + u" reached in about "_s
                + formatDuration(exhaustionEtaSeconds) + u" at this rate."_s;
        return s;
    }
    }
    return {};
}

} // namespace poolscope
