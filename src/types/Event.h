#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>

namespace poolscope {

// Something that happened, for the event log: a threshold crossed, a target failing or recovering,
// a database reconnecting. Kept by the Session, recorded, exported.
// Q_GADGET: for the names of Severity (enumName()).
struct Event
{
    Q_GADGET
public:
    enum class Severity { Info, Warning, Critical };
    Q_ENUM(Severity)

    qint64 timestampMs = 0; // UTC ms since the epoch
    Severity severity = Severity::Info;
    QString source; // a target's or database's name; empty for the session itself
    QString kind; // short machine-readable kind: "failing", "recovered", "threshold", "reconnect", ...
    QString message; // one sentence for people

    bool operator==(const Event&) const = default;
};

QString severityName(Event::Severity severity); // "info", "warning", "critical" (CSV, recordings)

} // namespace poolscope

Q_DECLARE_METATYPE(poolscope::Event)
