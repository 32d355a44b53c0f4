#pragma once

#include "PromResponse.h"

#include <QList>
#include <QString>

#include <vector>

namespace poolscope {

// One replica of a service: one agent target, as Prometheus holds it.
struct FleetReplica
{
    QString target; // the agent's `target` label
    QString instance; // Prometheus's `instance` label (the agent's host:port)
    QString name; // unique within its service: the target, or target@instance when two agents use the name
    bool up = false;
    double checkedOut = qQNaN();
    double tracked = qQNaN();
    double discrepancy = qQNaN();
    QString verdict; // none, stable, growing, unknown; empty when the agent serves none

    bool operator==(const FleetReplica&) const = default;
};

// One row of the fleet view: a service, summed over its replicas.
struct FleetRow
{
    QString service;
    QList<FleetReplica> replicas; // by name
    int replicasUp = 0;
    double checkedOut = qQNaN(); // sums over the replicas that are up; NaN when none reports it
    double tracked = qQNaN();
    double discrepancy = qQNaN();
    QString verdict; // the worst replica's: growing, then stable, unknown, none; "" when none is known
    std::vector<double> sparkline; // the summed discrepancy over the sparkline's range, NaN in gaps
};

// Ranks of verdicts, worst first: growing 0, stable 1, unknown 2, none 3, anything else 4.
int verdictRank(const QString& verdict);

// The fleet from instant queries of the agents' series (PromResponse::series of each; the sparkline from a
// range query of the summed discrepancy by service over [sparkFromMs, sparkToMs] at sparkStepMs). Replicas
// are keyed by (instance, target). Rows sorted worst first: verdict rank, then the discrepancy (largest
// first), then the service name.
struct FleetInput
{
    std::vector<PromSeries> up;
    std::vector<PromSeries> checkedOut;
    std::vector<PromSeries> tracked;
    std::vector<PromSeries> discrepancy;
    std::vector<PromSeries> verdict; // only the series whose value is 1
    std::vector<PromSeries> sparkline; // by service
    qint64 sparkFromMs = 0;
    qint64 sparkStepMs = 0;
    int sparkPoints = 0;
};
QList<FleetRow> buildFleet(const FleetInput& input);

} // namespace poolscope
