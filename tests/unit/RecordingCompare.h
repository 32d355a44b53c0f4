#pragma once

// Comparisons for the recording tests that treat NaN (an absent value) as equal to NaN.

#include "types/ActivitySnapshot.h"
#include "types/Sample.h"

#include <QString>

#include <algorithm>

namespace poolscope::test {

inline bool sameNumber(double a, double b)
{
    return isPresent(a) ? (isPresent(b) && a == b) : !isPresent(b);
}

inline QString describeRoute(const RouteStats& r)
{
    return QStringLiteral("%1 %2/%3/%4/%5").arg(r.name).arg(r.acquired).arg(r.released).arg(r.active).arg(r.leaks);
}

// Empty when equal, else what differs.
inline QString diffRoutes(const QList<RouteStats>& a, const QList<RouteStats>& b)
{
    if (a.size() != b.size())
        return QStringLiteral("route count %1 vs %2").arg(a.size()).arg(b.size());
    for (qsizetype i = 0; i < a.size(); ++i) {
        const RouteStats& x = a.at(i);
        const RouteStats& y = b.at(i);
        if (x.name != y.name || !sameNumber(x.acquired, y.acquired) || !sameNumber(x.released, y.released)
            || !sameNumber(x.active, y.active) || !sameNumber(x.leaks, y.leaks)) {
            return QStringLiteral("route %1: %2 vs %3").arg(i).arg(describeRoute(x), describeRoute(y));
        }
    }
    return {};
}

inline QString diffSamples(const Sample& a, const Sample& b)
{
    if (a.target != b.target || a.timestampMs != b.timestampMs || a.latencyMs != b.latencyMs || a.error != b.error)
        return QStringLiteral("header: %1@%2 %3 '%4' vs %5@%6 %7 '%8'")
            .arg(a.target)
            .arg(a.timestampMs)
            .arg(a.latencyMs)
            .arg(a.error, b.target)
            .arg(b.timestampMs)
            .arg(b.latencyMs)
            .arg(b.error);
    if (!(a.metrics == b.metrics))
        return QStringLiteral("metrics differ at %1@%2").arg(a.target).arg(a.timestampMs);
    const QString routes = diffRoutes(a.routes, b.routes);
    return routes.isEmpty() ? QString() : QStringLiteral("%1@%2: %3").arg(a.target).arg(a.timestampMs).arg(routes);
}

inline ActivitySnapshot sortedSnapshot(ActivitySnapshot s)
{
    std::sort(s.backends.begin(), s.backends.end(), [](const Backend& a, const Backend& b) {
        return a.pid != b.pid ? a.pid < b.pid : a.backendStartMs < b.backendStartMs;
    });
    return s;
}

inline QString diffSnapshots(const ActivitySnapshot& live, const ActivitySnapshot& replay)
{
    const ActivitySnapshot a = sortedSnapshot(live);
    const ActivitySnapshot b = sortedSnapshot(replay);
    if (a.database != b.database || a.timestampMs != b.timestampMs || a.serverTimeMs != b.serverTimeMs
        || a.latencyMs != b.latencyMs || a.error != b.error) {
        return QStringLiteral("header: %1@%2 vs %3@%4")
            .arg(a.database)
            .arg(a.timestampMs)
            .arg(b.database)
            .arg(b.timestampMs);
    }
    if (a.backends.size() != b.backends.size())
        return QStringLiteral("backend count %1 vs %2").arg(a.backends.size()).arg(b.backends.size());
    for (qsizetype i = 0; i < a.backends.size(); ++i) {
        if (!(a.backends.at(i) == b.backends.at(i)))
            return QStringLiteral("backend pid %1 differs (state '%2' vs '%3', query '%4' vs '%5')")
                .arg(a.backends.at(i).pid)
                .arg(a.backends.at(i).state, b.backends.at(i).state, a.backends.at(i).query, b.backends.at(i).query);
    }
    return {};
}

} // namespace poolscope::test
