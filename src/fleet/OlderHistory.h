#pragma once

#include "ServiceHistory.h"

#include <QStringList>

#include <vector>

namespace poolscope {

// Zooming a window over Prometheus out past its oldest point (issue 13): which span to fetch and at which
// step, and the older rows merged before what the session holds, without a row twice and without a gap at
// the seam. Pure functions; fleet/HistoryZoom drives them.
namespace olderhistory {

struct Span
{
    qint64 fromMs = 0; // aligned down to the step
    qint64 toMs = 0; // exclusive: the oldest point the window holds
    qint64 stepSeconds = 0;

    bool isEmpty() const { return stepSeconds <= 0 || toMs <= fromMs; }
    bool operator==(const Span&) const = default;
};

// What a window that holds (or has already asked Prometheus for) everything from `coveredFromMs` on lacks to
// draw [wantedFromMs, wantedToMs] on `pixels` columns: [wantedFromMs aligned down to the step,
// coveredFromMs) at the step fitted to the wanted range (promquery::fitStepSeconds, never finer than
// `minStepSeconds`, the step the window follows at). Empty when less than one step is missing, when nothing
// is held (coveredFromMs <= 0: following fills the window) or the range is empty.
Span spanToFetch(qint64 wantedFromMs, qint64 wantedToMs, int pixels, qint64 coveredFromMs, qint64 minStepSeconds);

// Every target's history with the older rows first: per target (by name), the rows of `older` before the
// target's own oldest row (before `beforeMs` when it holds none), then each of its rows and backend counts as
// they were. A target of `older` that `held` lacks is left out (a window's targets are fixed once it opens).
// The result is in the order of `held`, for Session::replaceTargetHistories.
std::vector<TargetHistory> withOlder(
    const std::vector<TargetState>& held, const ServiceHistory& older, qint64 beforeMs);

// The replicas `older` holds that `held` lacks, in `older`'s order: a replica that reported to Prometheus in the
// older span only (gone before the window opened). withOlder leaves them out: a window's targets are fixed once
// it opens (the Session keeps histories by index; the views and the analysis are built on its targets). Their
// points are not lost: the service's sum in `older` was computed over every replica up at each point, theirs
// included, and withOlder takes the sum's older rows.
QStringList olderOnly(const std::vector<TargetState>& held, const ServiceHistory& older);

// Appends to `merged` (built by withOlder from `held`, a copy taken earlier of the same targets) the rows and
// backend counts `now` has got since that copy: what following appended while the merge ran.
void appendNewer(std::vector<TargetHistory>& merged, const std::vector<TargetState>& held, const Session& now);

} // namespace olderhistory
} // namespace poolscope
