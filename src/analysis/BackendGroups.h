#pragma once

#include "types/ActivitySnapshot.h"

#include <QList>
#include <QString>

namespace poolscope {

// What to group backends by in the drill-down.
enum class BackendGrouping { ApplicationName, ClientAddress, State, Fingerprint };

// One group of backends.
struct BackendGroup
{
    QString key; // the application_name, client address, state or fingerprint; "" when NULL/empty
    QString label; // key for display: "(none)", "(local socket)", "(withheld)" for the empty/withheld cases
    int count = 0;
    QList<int> pids; // ascending
    double oldestAgeSeconds = qQNaN(); // now − the earliest backend_start in the group
    double oldestInStateSeconds = qQNaN(); // now − the earliest state_change in the group
    int oldestInStatePid = 0; // the backend with that earliest state_change
};

// Groups backends by `grouping`; times are measured against serverNowMs (the snapshot's server clock).
// Withheld rows (<insufficient privilege>) form their own group "(withheld)" except when grouping by
// application_name or client address, which the server still shows. Sorted by count (descending), then
// by key.
QList<BackendGroup> groupBackends(const QList<Backend>& backends, BackendGrouping grouping, qint64 serverNowMs);

} // namespace poolscope
