#include "BackendTracker.h"

#include "QueryFingerprint.h"

namespace poolscope {

qint64 TrackedBackend::inStateMs(qint64 nowMs) const
{
    qint64 since = stateSinceMs;
    if (last.stateChangeMs != kNoTime && last.stateChangeMs < since)
        since = last.stateChangeMs;
    return nowMs - since;
}

namespace {

bool sameSignature(const Backend& a, const Backend& b)
{
    return a.state == b.state && a.queryStartMs == b.queryStartMs && a.stateChangeMs == b.stateChangeMs
        && a.withheld == b.withheld;
}

BackendTransition transitionOf(const Backend& backend, qint64 observedMs)
{
    BackendTransition t;
    t.observedMs = observedMs;
    t.state = backend.state;
    t.fingerprint = fingerprintQuery(backend.query);
    t.queryStartMs = backend.queryStartMs;
    t.stateChangeMs = backend.stateChangeMs;
    return t;
}

} // namespace

void BackendTracker::observe(const ActivitySnapshot& snapshot)
{
    if (!snapshot.ok())
        return;
    const qint64 now = observationTime(snapshot);
    m_lastObservedMs = now;
    for (const auto& row : snapshot.backends) {
        const Key key { row.pid, row.backendStartMs };
        auto it = m_backends.find(key);
        if (it == m_backends.end()) {
            TrackedBackend tracked;
            tracked.pid = row.pid;
            tracked.backendStartMs = row.backendStartMs;
            tracked.applicationName = row.applicationName;
            tracked.firstSeenMs = now;
            tracked.lastSeenMs = now;
            tracked.stateSinceMs = now;
            tracked.stateSinceObserved = false;
            tracked.unchangedPolls = 1;
            tracked.polls = 1;
            tracked.last = row;
            tracked.transitions.append(transitionOf(row, now));
            m_backends.insert(key, std::move(tracked));
        } else {
            TrackedBackend& tracked = it.value();
            if (now < tracked.lastSeenMs)
                continue; // an older snapshot delivered late: ignore
            if (now == tracked.lastSeenMs && sameSignature(tracked.last, row))
                continue; // the same snapshot twice
            ++tracked.polls;
            if (sameSignature(tracked.last, row)) {
                ++tracked.unchangedPolls;
            } else {
                tracked.stateSinceMs = now;
                tracked.stateSinceObserved = true;
                tracked.unchangedPolls = 1;
                tracked.transitions.append(transitionOf(row, now));
                while (tracked.transitions.size() > m_maxTransitions)
                    tracked.transitions.removeFirst();
            }
            tracked.lastSeenMs = now;
            tracked.applicationName = row.applicationName;
            tracked.last = row;
        }
        m_newestByPid.insert(row.pid, key);
    }

    // Forget backends not seen for a while.
    for (auto it = m_backends.begin(); it != m_backends.end();) {
        if (now - it.value().lastSeenMs > m_forgetAfterMs) {
            const auto newest = m_newestByPid.constFind(it.key().pid);
            if (newest != m_newestByPid.cend() && newest.value() == it.key())
                m_newestByPid.erase(newest);
            it = m_backends.erase(it);
        } else {
            ++it;
        }
    }
}

const TrackedBackend* BackendTracker::find(int pid, qint64 backendStartMs) const
{
    const auto it = m_backends.constFind(Key { pid, backendStartMs });
    return it == m_backends.cend() ? nullptr : &it.value();
}

const TrackedBackend* BackendTracker::find(int pid) const
{
    const auto it = m_newestByPid.constFind(pid);
    if (it == m_newestByPid.cend())
        return nullptr;
    return find(it.value().pid, it.value().backendStartMs);
}

QList<BackendTransition> BackendTracker::history(int pid) const
{
    const TrackedBackend* tracked = find(pid);
    return tracked ? tracked->transitions : QList<BackendTransition> {};
}

void BackendTracker::clear()
{
    m_backends.clear();
    m_newestByPid.clear();
    m_lastObservedMs = 0;
}

} // namespace poolscope
