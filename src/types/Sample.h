#pragma once

#include "Metric.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace poolscope {

// One route's counters as the service reports them; NaN where the payload lacks a field.
struct RouteStats
{
    QString name;
    double acquired = kAbsent;
    double released = kAbsent;
    double active = kAbsent; // derived as acquired - released when absent
    double leaks = kAbsent;

    bool operator==(const RouteStats&) const = default;
};

// One poll's counters of one route.
struct RoutePoint
{
    qint64 tMs = 0;
    RouteStats stats;
};

// One poll of one health target: its metrics and routes, or the reason it failed.
// A failed poll is a Sample with an error, never silence (the chart draws a gap).
struct Sample
{
    QString target; // the target's name
    qint64 timestampMs = 0; // UTC, milliseconds since the epoch, when the response (or failure) arrived
    qint64 latencyMs = -1; // request round trip, -1 when unknown
    MetricValues metrics;
    QList<RouteStats> routes;
    QString error; // empty when the poll succeeded

    bool ok() const { return error.isEmpty(); }
};

} // namespace poolscope

Q_DECLARE_METATYPE(poolscope::Sample)
