#include "NotificationThrottle.h"

namespace poolscope {

NotificationThrottle::NotificationThrottle()
    : NotificationThrottle(Limits {})
{ }

NotificationThrottle::NotificationThrottle(Limits limits)
    : m_limits(limits)
{ }

bool NotificationThrottle::admit(const QString& source, qint64 nowMs)
{
    while (!m_recent.empty() && nowMs - m_recent.front() >= m_limits.globalWindowMs)
        m_recent.pop_front();
    const auto last = m_lastBySource.constFind(source);
    const bool sourceQuiet = last == m_lastBySource.cend() || nowMs - *last >= m_limits.perSourceMs;
    const bool globalRoom = static_cast<int>(m_recent.size()) < m_limits.globalCount;
    if (!sourceQuiet || !globalRoom) {
        ++m_heldBack;
        ++m_heldBackTotal;
        return false;
    }
    m_lastBySource.insert(source, nowMs);
    m_recent.push_back(nowMs);
    return true;
}

int NotificationThrottle::takeHeldBack()
{
    const int heldBack = m_heldBack;
    m_heldBack = 0;
    return heldBack;
}

} // namespace poolscope
