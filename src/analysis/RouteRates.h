#pragma once

#include "types/Sample.h"

#include <QList>
#include <QString>

#include <span>

namespace poolscope {

struct RouteRateOptions
{
    // A counter reset (process restart) means the counter started again from 0, so the value after the
    // reset is counted as acquired since it (Prometheus' rate() does the same). Off: only the increases
    // inside each segment are summed.
    bool countFromZeroAfterReset = true;
    // "rising": the Theil–Sen slope of active over the last segment has a 95% interval above 0 and the
    // fitted line rises at least minRise over that segment.
    double minRise = 1.0;
};

// A route's traffic over a time range.
//
// Counter resets: a total (acquired or released) that drops starts a new segment. Counts are summed over
// the segments (see RouteRateOptions::countFromZeroAfterReset), so a restart never shows as a negative
// rate. Active is not a counter: after a restart it starts over, so activeFirst/activeChange/rising are
// about the last segment only.
struct RouteRate
{
    QString name;
    int points = 0; // polls with this route in the range
    double spanSeconds = 0; // first to last such poll
    double acquired = 0; // acquisitions over the range (summed over segments)
    double released = 0;
    double acquiresPerMinute = qQNaN(); // NaN with fewer than 2 polls
    double releasesPerMinute = qQNaN();
    int resets = 0; // counter resets seen
    double activeFirst = qQNaN(); // first active of the last segment
    double activeLast = qQNaN();
    double activeChange = qQNaN(); // activeLast − activeFirst
    double activeSlopePerHour = qQNaN(); // Theil–Sen over the last segment
    bool rising = false; // active keeps rising (see RouteRateOptions::minRise)
};

// The rate of one route from its polls (any order; those outside [fromMs, toMs] are ignored).
// Points whose acquired is NaN are skipped for the counts; active falls back to acquired − released.
RouteRate computeRouteRate(const QString& name, std::span<const RoutePoint> points, qint64 fromMs, qint64 toMs,
    const RouteRateOptions& options = {});

// Every route found in the successful samples (one target's, in time order), by name, in order of first
// appearance.
QList<RouteRate> computeRouteRates(
    std::span<const Sample> samples, qint64 fromMs, qint64 toMs, const RouteRateOptions& options = {});

} // namespace poolscope
