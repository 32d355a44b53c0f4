#pragma once

#include "Metric.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <limits>

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

// One connection the app has checked out now, as its probe reports it (the holders contract, README
// "Holders"): the PostgreSQL backend pid, when it was taken, whether it went through the app's own
// tracking, the route or task if known, and a few stack frames ("file:line:function", innermost first).
struct Holder
{
    int backendPid = 0;
    qint64 acquiredAtMs = std::numeric_limits<qint64>::min(); // UTC ms since the epoch; min() when not reported
    bool tracked = false;
    QString route; // empty when not reported
    QStringList stack;

    bool hasAcquiredAt() const { return acquiredAtMs != std::numeric_limits<qint64>::min(); }
    // The innermost frame, "settlement/jobs.py:88 in refresh_odds()"; empty without a stack.
    QString location() const;

    bool operator==(const Holder&) const = default;
};

// What one target's app reported of its holders at one poll (Session::holdersAt).
struct HolderReport
{
    bool reported = false; // the payload (or holders_url) carried the holders contract
    qint64 timestampMs = 0; // when that poll's answer arrived (local clock), 0 when none
    QList<Holder> holders;
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
    // The app's holders (every connection checked out now), when its payload or holders_url reports them.
    bool holdersReported = false;
    QList<Holder> holders;
    // Why the target's holders_url gave no holders at this poll (the metrics are unaffected); empty otherwise.
    QString holdersError;
    QString error; // empty when the poll succeeded

    bool ok() const { return error.isEmpty(); }
};

} // namespace poolscope

Q_DECLARE_METATYPE(poolscope::Sample)
