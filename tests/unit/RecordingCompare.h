#pragma once

// Comparisons for the recording tests that treat NaN (an absent value) as equal to NaN.

#include "record/RecordingReader.h"
#include "store/Session.h"
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

inline QString diffPoolerReads(const PoolerSnapshot& a, const PoolerSnapshot& b)
{
    if (a.pooler != b.pooler || a.timestampMs != b.timestampMs || a.latencyMs != b.latencyMs || a.error != b.error)
        return QStringLiteral("header: %1@%2 vs %3@%4")
            .arg(a.pooler)
            .arg(a.timestampMs)
            .arg(b.pooler)
            .arg(b.timestampMs);
    if (a.pools != b.pools || a.servers != b.servers || a.clients != b.clients)
        return QStringLiteral("rows differ at %1").arg(a.timestampMs);
    return {};
}

// Empty when two Sessions hold the same timeline and newest values, else the first difference: every target's
// history (every tick of every metric, error and latency, every route's points, the backend count column),
// newest samples and counts; every database's newest reads; every pooler's history and newest reads; the events
// and the time range.
inline QString diffSessions(const Session& a, const Session& b)
{
    if (a.targetCount() != b.targetCount() || a.databaseCount() != b.databaseCount()
        || a.poolerCount() != b.poolerCount())
        return QStringLiteral("shape differs");
    for (int t = 0; t < a.targetCount(); ++t) {
        const TargetState& x = a.target(t);
        const TargetState& y = b.target(t);
        const QString name = x.config.name;
        const TargetHistory& h = x.history;
        const TargetHistory& k = y.history;
        if (h.size() != k.size())
            return QStringLiteral("%1: %2 vs %3 rows").arg(name).arg(h.size()).arg(k.size());
        for (std::size_t row = 0; row < h.size(); ++row) {
            if (h.times()[row] != k.times()[row] || h.ok(row) != k.ok(row) || h.error(row) != k.error(row)
                || h.latencyMs(row) != k.latencyMs(row))
                return QStringLiteral("%1 row %2: time, error or latency differs").arg(name).arg(row);
            for (int m = 0; m < kMetricCount; ++m) {
                const auto metric = static_cast<Metric>(m);
                if (!sameNumber(h.column(metric)[row], k.column(metric)[row]))
                    return QStringLiteral("%1 row %2: %3 differs").arg(name).arg(row).arg(metricKey(metric));
            }
        }
        if (h.routes().size() != k.routes().size())
            return QStringLiteral("%1: %2 vs %3 routes").arg(name).arg(h.routes().size()).arg(k.routes().size());
        for (std::size_t r = 0; r < h.routes().size(); ++r) {
            const std::vector<RoutePoint> p = h.routes()[r].points();
            const std::vector<RoutePoint> q = k.routes()[r].points();
            if (h.routes()[r].name != k.routes()[r].name || p.size() != q.size())
                return QStringLiteral("%1: route %2 differs").arg(name, h.routes()[r].name);
            for (std::size_t i = 0; i < p.size(); ++i) {
                const QString d = diffRoutes({ p[i].stats }, { q[i].stats });
                if (p[i].tMs != q[i].tMs || !d.isEmpty())
                    return QStringLiteral("%1: route point %2 at %3: %4").arg(name).arg(i).arg(p[i].tMs).arg(d);
            }
        }
        if (h.backendCountTimes().size() != k.backendCountTimes().size())
            return QStringLiteral("%1: %2 vs %3 backend counts")
                .arg(name)
                .arg(h.backendCountTimes().size())
                .arg(k.backendCountTimes().size());
        for (std::size_t row = 0; row < h.backendCountTimes().size(); ++row) {
            if (h.backendCountTimes()[row] != k.backendCountTimes()[row]
                || !sameNumber(h.backendCounts()[row], k.backendCounts()[row]))
                return QStringLiteral("%1: backend count %2 at %3: %4 vs %5")
                    .arg(name)
                    .arg(row)
                    .arg(h.backendCountTimes()[row])
                    .arg(h.backendCounts()[row])
                    .arg(k.backendCounts()[row]);
        }
        for (const auto& [p, q] : { std::pair(&x.latest, &y.latest), std::pair(&x.lastOk, &y.lastOk) }) {
            const QString d = diffSamples(*p, *q);
            if (!d.isEmpty() || p->holdersReported != q->holdersReported || p->holders != q->holders
                || p->holdersError != q->holdersError)
                return QStringLiteral("%1: newest sample: %2").arg(name, d.isEmpty() ? QStringLiteral("holders") : d);
        }
        if (x.consecutiveFailures != y.consecutiveFailures || x.backendCount != y.backendCount)
            return QStringLiteral("%1: failures %2 vs %3, backends %4 vs %5")
                .arg(name)
                .arg(x.consecutiveFailures)
                .arg(y.consecutiveFailures)
                .arg(x.backendCount)
                .arg(y.backendCount);
    }
    for (int d = 0; d < a.databaseCount(); ++d) {
        const DatabaseState& x = a.database(d);
        const DatabaseState& y = b.database(d);
        const QString latest = diffSnapshots(x.latest, y.latest);
        const QString lastOk = diffSnapshots(x.lastOk, y.lastOk);
        if (!latest.isEmpty() || !lastOk.isEmpty() || x.consecutiveFailures != y.consecutiveFailures)
            return QStringLiteral("database %1: latest '%2', lastOk '%3', failures %4 vs %5")
                .arg(x.config.name, latest, lastOk)
                .arg(x.consecutiveFailures)
                .arg(y.consecutiveFailures);
    }
    for (int p = 0; p < a.poolerCount(); ++p) {
        const PoolerState& x = a.pooler(p);
        const PoolerState& y = b.pooler(p);
        const QString latest = diffPoolerReads(x.latest, y.latest);
        const QString lastOk = diffPoolerReads(x.lastOk, y.lastOk);
        if (!latest.isEmpty() || !lastOk.isEmpty() || x.consecutiveFailures != y.consecutiveFailures)
            return QStringLiteral("pooler %1: latest '%2', lastOk '%3'").arg(x.config.name, latest, lastOk);
        const auto& m = x.history.pools();
        const auto& n = y.history.pools();
        if (m.size() != n.size())
            return QStringLiteral("pooler %1: pool count differs").arg(x.config.name);
        for (std::size_t i = 0; i < m.size(); ++i) {
            bool same = m[i].key == n[i].key && m[i].times == n[i].times && m[i].poolModes == n[i].poolModes
                && m[i].svUsed.size() == n[i].svUsed.size();
            for (int c = 0; same && c < PoolerHistory::kPoolMetricCount; ++c) {
                const auto metric = static_cast<PoolerHistory::PoolMetric>(c);
                same = m[i].column(metric).size() == n[i].column(metric).size()
                    && std::equal(m[i].column(metric).begin(), m[i].column(metric).end(), n[i].column(metric).begin(),
                        sameNumber);
            }
            if (!same || !std::equal(m[i].svUsed.begin(), m[i].svUsed.end(), n[i].svUsed.begin(), sameNumber))
                return QStringLiteral("pooler %1: pool %2 differs").arg(x.config.name, m[i].key);
        }
    }
    if (a.events() != b.events())
        return QStringLiteral("events differ (%1 vs %2)").arg(a.events().size()).arg(b.events().size());
    if (a.firstTimestampMs() != b.firstTimestampMs() || a.lastTimestampMs() != b.lastTimestampMs())
        return QStringLiteral("time range differs");
    return {};
}

// Reads `reader`'s recording both ways the product does: the full replay into *full (loadInto) and the open
// job's timeline read into *timeline (read, then adopted). Empty when both read the whole file, else what failed.
inline QString readBothWays(RecordingReader& reader, Session* full, Session* timeline)
{
    if (!reader.loadInto(*full))
        return QStringLiteral("loadInto failed: ") + reader.problems().join(u'\n');
    SessionContent content(reader.workspace());
    if (!reader.read(content))
        return QStringLiteral("read failed: ") + reader.problems().join(u'\n');
    if (!reader.problems().isEmpty())
        return reader.problems().join(u'\n');
    timeline->adopt(std::move(content));
    return {};
}

} // namespace poolscope::test
