#pragma once

#include "PromResponse.h"
#include "store/Session.h"
#include "types/Workspace.h"

#include <QHash>

#include <vector>

namespace poolscope {

// A service's history as range queries returned it (one series per replica and metric, all on the same
// step grid), turned into what the window shows for one workspace: a target for the service summed over its
// replicas, then one per replica, each with the same per-target history the live poll writes (so the
// timeline, the verdict and the exports work on it unchanged).
struct ServiceRangeInput
{
    std::vector<PromSeries> up;
    std::vector<PromSeries> checkedOut;
    std::vector<PromSeries> tracked;
    std::vector<PromSeries> discrepancy;
    std::vector<PromSeries> poolMax;
    qint64 stepMs = 0;
};

struct ServiceHistory
{
    // targets: the sum, then the replicas by name, each with its agent's database (replicaDatabaseName);
    // prometheus from the fleet's
    Workspace workspace;
    SessionContent content;
    qint64 stepMs = 0; // the range queries' step
};

// The name of the summed target of `service`.
QString summedTargetName(const QString& service);

// The database entry of a replica whose agent is known (its URL): the backends its agent's snapshot reports.
QString replicaDatabaseName(const QString& replica);

// Samples per replica: one per grid point where Prometheus has any of the replica's series; a point where
// poolscope_target_up is 0 is a failed sample (the agent could not poll the target), and a hole of more
// than a step in the grid gets one failed sample ("no data in Prometheus") so that the chart draws a gap.
// The sum: at each grid point, the replicas that are up added together.
ServiceHistory buildServiceHistory(const QString& service, const ServiceRangeInput& input, const Workspace& fleet);

// A replica that began reporting to Prometheus after a service's window opened.
struct NewReplica
{
    QString name;
    qint64 firstMs = 0; // its first successful point in the history
};

// The replicas `history` has and a session following it does not (`lastMs` as for samplesAfter), those with at
// least one successful point. A window's replicas are fixed when it opens (OlderHistory.h), so these get no row
// of their own; their points count in the service's sum. newReplicaEvent says so, once per replica.
QList<NewReplica> newReplicas(const ServiceHistory& history, const QHash<QString, qint64>& lastMs);
Event newReplicaEvent(const QString& service, const NewReplica& replica);

// The rows of `history` newer than what a session already holds (`lastMs`: target name -> its newest
// timestamp; a target not in it gets nothing, as a Session ignores unknown targets), as Samples in time
// order per target: what a window following Prometheus appends after a refresh.
QList<Sample> samplesAfter(const ServiceHistory& history, const QHash<QString, qint64>& lastMs);

} // namespace poolscope
