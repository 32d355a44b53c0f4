#include "Fleet.h"

#include "AgentSeries.h"

#include <QHash>
#include <QMap>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

using ReplicaKey = std::pair<QString, QString>; // (instance, target)

double lastValue(const PromSeries& series)
{
    return series.values.empty() ? qQNaN() : series.values.back();
}

double addPresent(double sum, double value)
{
    if (std::isnan(value))
        return sum;
    return std::isnan(sum) ? value : sum + value;
}

} // namespace

int verdictRank(const QString& verdict)
{
    if (verdict == u"growing"_s)
        return 0;
    if (verdict == u"stable"_s)
        return 1;
    if (verdict == u"unknown"_s)
        return 2;
    if (verdict == u"none"_s)
        return 3;
    return 4;
}

QList<FleetRow> buildFleet(const FleetInput& input)
{
    namespace as = agentseries;
    // service -> (instance, target) -> replica
    QMap<QString, QMap<ReplicaKey, FleetReplica>> services;
    auto replica = [&services](const PromSeries& series) -> FleetReplica* {
        const QString target = series.label(as::targetLabel());
        if (target.isEmpty())
            return nullptr;
        QString service = series.label(as::serviceLabel());
        if (service.isEmpty())
            service = target;
        const ReplicaKey key { series.label(as::instanceLabel()), target };
        auto& replicas = services[service];
        auto it = replicas.find(key);
        if (it == replicas.end()) {
            FleetReplica r;
            r.instance = key.first;
            r.target = key.second;
            it = replicas.insert(key, r);
        }
        return &it.value();
    };
    for (const PromSeries& s : input.up) {
        if (FleetReplica* r = replica(s))
            r->up = lastValue(s) == 1.0;
    }
    auto fill = [&](const std::vector<PromSeries>& list, double FleetReplica::*field) {
        for (const PromSeries& s : list) {
            if (FleetReplica* r = replica(s))
                r->*field = lastValue(s);
        }
    };
    fill(input.checkedOut, &FleetReplica::checkedOut);
    fill(input.tracked, &FleetReplica::tracked);
    fill(input.discrepancy, &FleetReplica::discrepancy);
    for (const PromSeries& s : input.verdict) {
        if (lastValue(s) != 1.0)
            continue;
        if (FleetReplica* r = replica(s)) {
            const QString v = s.label(as::verdictLabel());
            if (r->verdict.isEmpty() || verdictRank(v) < verdictRank(r->verdict))
                r->verdict = v;
        }
    }

    QHash<QString, const PromSeries*> sparkByService;
    for (const PromSeries& s : input.sparkline)
        sparkByService.insert(s.label(as::serviceLabel()), &s);

    QList<FleetRow> rows;
    for (auto service = services.begin(); service != services.end(); ++service) {
        FleetRow row;
        row.service = service.key();
        QHash<QString, int> targetUses;
        for (const FleetReplica& r : service.value())
            ++targetUses[r.target];
        for (FleetReplica r : service.value()) {
            r.name = targetUses.value(r.target) > 1 && !r.instance.isEmpty() ? r.target + u'@' + r.instance : r.target;
            if (r.up) {
                ++row.replicasUp;
                row.checkedOut = addPresent(row.checkedOut, r.checkedOut);
                row.tracked = addPresent(row.tracked, r.tracked);
                row.discrepancy = addPresent(row.discrepancy, r.discrepancy);
            }
            if (!r.verdict.isEmpty() && (row.verdict.isEmpty() || verdictRank(r.verdict) < verdictRank(row.verdict)))
                row.verdict = r.verdict;
            row.replicas.append(r);
        }
        std::sort(row.replicas.begin(), row.replicas.end(),
            [](const FleetReplica& a, const FleetReplica& b) { return a.name < b.name; });
        if (input.sparkPoints > 0 && input.sparkStepMs > 0) {
            row.sparkline.assign(static_cast<std::size_t>(input.sparkPoints), qQNaN());
            if (const PromSeries* s = sparkByService.value(row.service)) {
                for (std::size_t i = 0; i < s->timesMs.size(); ++i) {
                    const qint64 slot = (s->timesMs[i] - input.sparkFromMs) / input.sparkStepMs;
                    if (slot >= 0 && slot < input.sparkPoints)
                        row.sparkline[static_cast<std::size_t>(slot)] = s->values[i];
                }
            }
        }
        rows.append(std::move(row));
    }
    std::sort(rows.begin(), rows.end(), [](const FleetRow& a, const FleetRow& b) {
        const int ra = verdictRank(a.verdict);
        const int rb = verdictRank(b.verdict);
        if (ra != rb)
            return ra < rb;
        const double da = std::isnan(a.discrepancy) ? -1e300 : a.discrepancy;
        const double db = std::isnan(b.discrepancy) ? -1e300 : b.discrepancy;
        if (da != db)
            return da > db;
        return a.service < b.service;
    });
    return rows;
}

} // namespace poolscope
