#include "OlderHistory.h"

#include "PromQuery.h"
#include "store/HistoryRows.h"

#include <algorithm>
#include <limits>

namespace poolscope::olderhistory {

Span spanToFetch(qint64 wantedFromMs, qint64 wantedToMs, int pixels, qint64 coveredFromMs, qint64 minStepSeconds)
{
    if (coveredFromMs <= 0 || wantedToMs <= wantedFromMs || wantedFromMs >= coveredFromMs)
        return {};
    const qint64 step
        = promquery::fitStepSeconds(wantedToMs - wantedFromMs, pixels, std::max<qint64>(1, minStepSeconds));
    const qint64 stepMs = step * 1000;
    if (coveredFromMs - wantedFromMs < stepMs)
        return {};
    Span span;
    // Aligned as promquery::range aligns a range query's start: the grid of the answer starts here.
    span.fromMs = wantedFromMs - (((wantedFromMs / 1000) % step) * 1000 + wantedFromMs % 1000);
    span.toMs = coveredFromMs;
    span.stepSeconds = step;
    return span;
}

namespace {
void appendRows(TargetHistory& into, const QString& name, const TargetHistory& from, qint64 afterMs)
{
    const HistoryRows rows(from);
    const auto times = rows.times();
    for (auto it = std::upper_bound(times.begin(), times.end(), afterMs); it != times.end(); ++it)
        into.append(rows.sample(name, static_cast<std::size_t>(it - times.begin())));
}

void appendBackendCounts(TargetHistory& into, const TargetHistory& from, qint64 afterMs)
{
    const auto times = from.backendCountTimes();
    const auto counts = from.backendCounts();
    for (auto it = std::upper_bound(times.begin(), times.end(), afterMs); it != times.end(); ++it)
        into.appendBackendCount(*it, counts[static_cast<std::size_t>(it - times.begin())]);
}

qint64 newest(const ColumnView<qint64>& times)
{
    return times.empty() ? std::numeric_limits<qint64>::min() : times.back();
}
} // namespace

std::vector<TargetHistory> withOlder(const std::vector<TargetState>& held, const ServiceHistory& older, qint64 beforeMs)
{
    std::vector<TargetHistory> merged(held.size());
    for (std::size_t i = 0; i < held.size(); ++i) {
        const TargetState& mine = held[i];
        const qint64 before = mine.history.empty() ? beforeMs : mine.history.times().front();
        TargetHistory& into = merged[i];
        const auto theirs = std::find_if(older.content.targets.begin(), older.content.targets.end(),
            [&mine](const TargetState& t) { return t.config.name == mine.config.name; });
        if (theirs != older.content.targets.end()) {
            const HistoryRows rows(theirs->history);
            for (std::size_t row = 0; row < rows.size() && rows.time(row) < before; ++row)
                into.append(rows.sample(mine.config.name, row));
        }
        appendRows(into, mine.config.name, mine.history, std::numeric_limits<qint64>::min());
        appendBackendCounts(into, mine.history, std::numeric_limits<qint64>::min());
    }
    return merged;
}

QStringList olderOnly(const std::vector<TargetState>& held, const ServiceHistory& older)
{
    QStringList names;
    for (const TargetState& theirs : older.content.targets) {
        if (std::none_of(held.begin(), held.end(),
                [&theirs](const TargetState& mine) { return mine.config.name == theirs.config.name; }))
            names.append(theirs.config.name);
    }
    return names;
}

void appendNewer(std::vector<TargetHistory>& merged, const std::vector<TargetState>& held, const Session& now)
{
    for (std::size_t i = 0; i < merged.size() && i < held.size(); ++i) {
        const int index = now.targetIndex(held[i].config.name);
        if (index < 0)
            continue;
        const TargetHistory& current = now.target(index).history;
        appendRows(merged[i], held[i].config.name, current, newest(held[i].history.times()));
        appendBackendCounts(merged[i], current, newest(held[i].history.backendCountTimes()));
    }
}

} // namespace poolscope::olderhistory
