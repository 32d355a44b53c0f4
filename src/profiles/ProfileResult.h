#pragma once

#include "types/Metric.h"
#include "types/Sample.h"

#include <QList>
#include <QString>

#include <array>

namespace poolscope {

// What a Profile read from one health payload.
struct ProfileResult
{
    MetricValues metrics; // NaN where the payload lacks a metric
    QList<RouteStats> routes;
    bool holdersReported = false; // a `holders` member was found (HoldersReader)
    QList<Holder> holders;
    // The problems found, "; "-separated (the first three, then "and N more problems"), each naming the
    // metric and the JSON Pointer ("checked_out at /database/pool/checked_out: expected a number, got a
    // string (\"15\")").
    // Empty when the payload mapped cleanly. On error, metrics and routes hold what could be read.
    QString error;
    // Where each metric came from: the JSON Pointer it was read at, "derived", or empty when absent.
    std::array<QString, kMetricCount> sources {};
    QString routesSource; // the JSON Pointer of the routes container, empty when there is none
    QString holdersSource; // the JSON Pointer of the holders array, empty when there is none

    bool ok() const { return error.isEmpty(); }
    QString source(Metric metric) const { return sources[static_cast<std::size_t>(metric)]; }
};

} // namespace poolscope
