#include "ServiceHistory.h"

#include "format/Format.h"
#include "store/HistoryRows.h"

#include "AgentSeries.h"

#include <QHash>
#include <QMap>

#include <array>
#include <cmath>
#include <map>
#include <set>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

using ReplicaKey = std::pair<QString, QString>; // (instance, target)

struct Point
{
    MetricValues metrics;
    double up = qQNaN();
};

ReplicaKey keyOf(const PromSeries& s)
{
    return { s.label(agentseries::instanceLabel()), s.label(agentseries::targetLabel()) };
}

} // namespace

QString replicaDatabaseName(const QString& replica)
{
    return replica + u" (agent)"_s;
}

QString summedTargetName(const QString& service)
{
    return service + u" (all replicas)"_s;
}

ServiceHistory buildServiceHistory(const QString& service, const ServiceRangeInput& input, const Workspace& fleet)
{
    // replica -> time -> point
    std::map<ReplicaKey, std::map<qint64, Point>> replicas;
    auto add = [&replicas](const std::vector<PromSeries>& list, auto apply) {
        for (const PromSeries& s : list) {
            const ReplicaKey key = keyOf(s);
            if (key.second.isEmpty())
                continue;
            auto& points = replicas[key];
            for (std::size_t i = 0; i < s.timesMs.size(); ++i)
                apply(points[s.timesMs[i]], s.values[i]);
        }
    };
    add(input.up, [](Point& p, double v) { p.up = v; });
    add(input.checkedOut, [](Point& p, double v) { p.metrics.set(Metric::CheckedOut, v); });
    add(input.tracked, [](Point& p, double v) { p.metrics.set(Metric::Tracked, v); });
    add(input.discrepancy, [](Point& p, double v) { p.metrics.set(Metric::Discrepancy, v); });
    add(input.poolMax, [](Point& p, double v) { p.metrics.set(Metric::PoolMax, v); });

    QHash<QString, int> targetUses;
    for (const auto& [key, points] : replicas)
        ++targetUses[key.second];
    QMap<QString, const std::map<qint64, Point>*> named;
    QMap<QString, QString> instanceOf;
    for (const auto& [key, points] : replicas) {
        const QString name
            = targetUses.value(key.second) > 1 && !key.first.isEmpty() ? key.second + u'@' + key.first : key.second;
        named.insert(name, &points);
        instanceOf.insert(name, key.first);
    }

    ServiceHistory result;
    result.workspace.prometheus = fleet.prometheus;
    result.workspace.thresholds = fleet.thresholds;
    result.workspace.path = fleet.path;
    auto target = [](const QString& name, const QString& instance) {
        TargetConfig t;
        t.name = name;
        t.url = instance.isEmpty() ? QString() : u"http://"_s + instance + u"/api/v1/snapshot"_s;
        t.profile = u"prometheus"_s;
        t.applicationName.clear();
        return t;
    };
    result.workspace.targets.append(target(summedTargetName(service), {}));
    for (auto it = named.begin(); it != named.end(); ++it) {
        TargetConfig replica = target(it.key(), instanceOf.value(it.key()));
        if (!replica.url.isEmpty()) {
            // Filled from the agent's snapshot (no conninfo: nothing here connects to PostgreSQL).
            DatabaseConfig db;
            db.name = replicaDatabaseName(replica.name);
            replica.database = db.name;
            result.workspace.databases.append(db);
        }
        result.workspace.targets.append(replica);
    }
    result.content = SessionContent(result.workspace);

    const qint64 step = std::max<qint64>(1, input.stepMs);
    result.stepMs = step;
    std::set<qint64> grid;
    struct Sum
    {
        MetricValues metrics;
        int reporting = 0; // replicas with data at this point
        int up = 0;
    };
    std::map<qint64, Sum> sums;
    for (auto it = named.begin(); it != named.end(); ++it) {
        qint64 previous = 0;
        for (const auto& [t, point] : *it.value()) {
            if (previous != 0 && t - previous > step + step / 2) {
                Sample gap;
                gap.target = it.key();
                gap.timestampMs = previous + step;
                gap.error = u"no data in Prometheus"_s;
                result.content.addSample(gap);
            }
            previous = t;
            Sample sample;
            sample.target = it.key();
            sample.timestampMs = t;
            Sum& sum = sums[t];
            ++sum.reporting;
            if (point.up == 0.0) {
                sample.error = u"the agent could not poll this target (poolscope_target_up 0)"_s;
            } else {
                sample.metrics = point.metrics;
                if (!sample.metrics.has(Metric::Discrepancy) && sample.metrics.has(Metric::CheckedOut)
                    && sample.metrics.has(Metric::Tracked))
                    sample.metrics.set(
                        Metric::Discrepancy, sample.metrics[Metric::CheckedOut] - sample.metrics[Metric::Tracked]);
                ++sum.up;
                for (Metric m : { Metric::CheckedOut, Metric::Tracked, Metric::Discrepancy, Metric::PoolMax }) {
                    if (sample.metrics.has(m))
                        sum.metrics.set(m, (sum.metrics.has(m) ? sum.metrics[m] : 0.0) + sample.metrics[m]);
                }
            }
            result.content.addSample(sample);
        }
    }
    const QString summed = summedTargetName(service);
    qint64 previous = 0;
    for (const auto& [t, sum] : sums) {
        if (previous != 0 && t - previous > step + step / 2) {
            Sample gap;
            gap.target = summed;
            gap.timestampMs = previous + step;
            gap.error = u"no data in Prometheus"_s;
            result.content.addSample(gap);
        }
        previous = t;
        Sample sample;
        sample.target = summed;
        sample.timestampMs = t;
        if (sum.up == 0)
            sample.error = u"no replica up"_s;
        else
            sample.metrics = sum.metrics;
        result.content.addSample(sample);
    }
    return result;
}

QList<Sample> samplesAfter(const ServiceHistory& history, const QHash<QString, qint64>& lastMs)
{
    QList<Sample> samples;
    for (const TargetState& state : history.content.targets) {
        const auto last = lastMs.constFind(state.config.name);
        if (last == lastMs.constEnd())
            continue;
        const HistoryRows rows(state.history);
        for (std::size_t row = 0; row < rows.size(); ++row) {
            if (rows.time(row) > *last)
                samples.append(rows.sample(state.config.name, row));
        }
    }
    return samples;
}

QList<NewReplica> newReplicas(const ServiceHistory& history, const QHash<QString, qint64>& lastMs)
{
    QList<NewReplica> found;
    for (const TargetState& state : history.content.targets) {
        if (lastMs.contains(state.config.name))
            continue;
        const HistoryRows rows(state.history);
        for (std::size_t row = 0; row < rows.size(); ++row) {
            if (rows.sample(state.config.name, row).ok()) {
                found.append({ state.config.name, rows.time(row) });
                break;
            }
        }
    }
    return found;
}

Event newReplicaEvent(const QString& service, const NewReplica& replica)
{
    Event e;
    e.timestampMs = replica.firstMs;
    e.source = replica.name;
    e.kind = u"prometheus"_s;
    e.message
        = u"replica %1 of %2 reports to Prometheus since %3: it has no row in this window, whose replicas are "
          "fixed when it opens; its points count in %4. Open %2 again from the fleet view to see it on its own"_s.arg(
              replica.name, service, formatClock(replica.firstMs), summedTargetName(service));
    return e;
}

} // namespace poolscope
