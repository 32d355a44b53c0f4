#pragma once

#include <QString>

namespace poolscope::agentseries {

// The series a `poolscope agent` serves on /metrics (src/agent; README, "Watching a fleet"), which the window reads
// back from Prometheus. Every per-target series carries the labels `target` (the workspace target's name) and `service`
// (the service the replica belongs to); Prometheus adds `instance` and `job` when it scrapes.
inline QString up()
{
    return QStringLiteral("poolscope_target_up");
}
inline QString checkedOut()
{
    return QStringLiteral("poolscope_checked_out");
}
inline QString tracked()
{
    return QStringLiteral("poolscope_tracked");
}
inline QString discrepancy()
{
    return QStringLiteral("poolscope_discrepancy");
}
inline QString poolMax()
{
    return QStringLiteral("poolscope_pool_max");
}
// One gauge per verdict value (label `verdict`: none, stable, growing, unknown), 1 for the current one.
inline QString verdict()
{
    return QStringLiteral("poolscope_verdict");
}

inline QString serviceLabel()
{
    return QStringLiteral("service");
}
inline QString targetLabel()
{
    return QStringLiteral("target");
}
inline QString instanceLabel()
{
    return QStringLiteral("instance");
}
inline QString verdictLabel()
{
    return QStringLiteral("verdict");
}

} // namespace poolscope::agentseries
