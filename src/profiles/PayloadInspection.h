#pragma once

#include "Payload.h"
#include "types/Workspace.h"

#include <QList>
#include <QString>

namespace poolscope {

// One value of a payload as the inspector shows it: a JSON member or array element (a tree), or one
// Prometheus series (a flat list).
struct PayloadEntry
{
    int parent = -1; // index in PayloadInspection::entries, -1 at the top
    QList<int> children;
    int row = 0; // position under its parent
    QString key; // JSON: member name or "[i]"; exposition: the series key `name{label="v",...}`
    QString value; // JSON scalars as written ("12", "\"idle\"", "null"), "{3}" / "[5]" for containers
    // What a workspace `fields` value would be to read this entry: the JSON Pointer or the series selector.
    QString field;
    QString feeds; // the metrics the target's profile reads here, ", "-separated ("checked_out, tracked")
};

// A payload laid out for the inspector, with each value marked with the metric it feeds under the
// target's profile, `fields` and `pool`. Built off the GUI thread (inspectPayload); the model shows it.
struct PayloadInspection
{
    enum class Kind { None, Json, Exposition };

    Kind kind = Kind::None;
    QList<PayloadEntry> entries; // parents before their children
    QList<int> roots; // the top-level entries
    QString target;
    qint64 receivedMs = 0;
    qsizetype bytes = 0;
    QString error; // a payload that does not parse, or a profile that cannot be made; entries hold what parsed
    QString mappingError; // what the profile reported (a field of the wrong type, no pool chosen, ...)
    int mappedCount = 0; // entries that feed a metric
};

// Parses `payload` (JSON or Prometheus text, as HealthSource decides) and applies the target's profile to
// mark the values it reads. Pure; safe on any thread.
PayloadInspection inspectPayload(const Payload& payload, const TargetConfig& target);

} // namespace poolscope
