#pragma once

#include <QHash>
#include <QString>

#include <deque>

namespace poolscope {

// The rate limit of desktop notifications, so that a flapping target cannot bury the desktop: at most one
// notification per source (a target or database) within perSourceMs, and at most globalCount within any
// globalWindowMs across all sources. Time is given by the caller (a clock it owns: tests pass their own).
// What is held back is counted, so that the next notification let through can say so.
class NotificationThrottle
{
public:
    struct Limits
    {
        qint64 perSourceMs = 60'000;
        int globalCount = 5;
        qint64 globalWindowMs = 60'000;
    };

    NotificationThrottle();
    explicit NotificationThrottle(Limits limits);

    const Limits& limits() const { return m_limits; }
    // True: show a notification for `source` now (it is counted against both limits). False: held back.
    bool admit(const QString& source, qint64 nowMs);
    // Held back since the last one let through (and resets that count), for "and N more".
    int takeHeldBack();
    // Held back since the start.
    qint64 heldBackTotal() const { return m_heldBackTotal; }

private:
    Limits m_limits;
    QHash<QString, qint64> m_lastBySource;
    std::deque<qint64> m_recent; // times of the notifications let through within the global window
    int m_heldBack = 0;
    qint64 m_heldBackTotal = 0;
};

} // namespace poolscope
