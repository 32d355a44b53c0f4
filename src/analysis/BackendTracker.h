#pragma once

#include "types/ActivitySnapshot.h"

#include <QHash>
#include <QList>
#include <QString>

namespace poolscope {

// One change of a backend as PoolScope saw it between two polls.
struct BackendTransition
{
    qint64 observedMs = 0; // observation time (see BackendTracker) of the first poll showing it
    QString state; // pg_stat_activity.state ("idle", "active", ...)
    QString fingerprint; // fingerprintQuery() of the query
    qint64 queryStartMs = kNoTime; // server clock
    qint64 stateChangeMs = kNoTime; // server clock
};

// What PoolScope knows about one backend (one pid during one backend_start) from its own polls.
struct TrackedBackend
{
    int pid = 0;
    qint64 backendStartMs = kNoTime;
    QString applicationName;
    qint64 firstSeenMs = 0; // first poll that showed it
    qint64 lastSeenMs = 0; // newest poll that showed it
    // First poll that showed the current state and query (same state, query_start and state_change).
    qint64 stateSinceMs = 0;
    // True when PoolScope saw the backend enter its current state (a change between two polls); false
    // when it was already in it at first sight, in which case stateSinceMs is only a lower bound of the
    // time in state and the server's state_change is the better figure.
    bool stateSinceObserved = false;
    int unchangedPolls = 0; // polls that showed the current state and query, including the first
    int polls = 0; // polls that showed this backend at all
    Backend last; // the newest row
    // Changes seen, oldest first, the first sighting included; at most BackendTracker::maxTransitions.
    QList<BackendTransition> transitions;

    // How long it has been in its current state: from the server's state_change when known (it is at
    // least as early as our first sighting), else from PoolScope's own first sighting; in ms at nowMs.
    qint64 inStateMs(qint64 nowMs) const;
    // How long PoolScope itself has seen it unchanged, in ms at nowMs.
    qint64 unchangedMs(qint64 nowMs) const { return nowMs - stateSinceMs; }
};

// Follows backends across pg_stat_activity snapshots. Fed every snapshot (failed ones are ignored);
// keyed by (pid, backend_start), so a reused pid is a new backend. Observation times are the server's
// clock (ActivitySnapshot::serverTimeMs) when the snapshot has it, else the local arrival time, so that
// they compare with state_change. Backends absent for longer than forgetAfterMs are dropped.
class BackendTracker
{
public:
    static constexpr int kDefaultMaxTransitions = 100;

    void observe(const ActivitySnapshot& snapshot);

    // The backend with this pid and backend_start, or nullptr.
    const TrackedBackend* find(int pid, qint64 backendStartMs) const;
    // The newest backend with this pid (the last one seen), or nullptr.
    const TrackedBackend* find(int pid) const;
    // The tracked record of a row of a snapshot, or nullptr.
    const TrackedBackend* find(const Backend& backend) const { return find(backend.pid, backend.backendStartMs); }
    // The transitions seen of the newest backend with this pid, oldest first (empty when unknown).
    QList<BackendTransition> history(int pid) const;

    int size() const { return static_cast<int>(m_backends.size()); }
    qint64 lastObservedMs() const { return m_lastObservedMs; }
    void clear();

    qint64 forgetAfterMs() const { return m_forgetAfterMs; }
    void setForgetAfterMs(qint64 ms) { m_forgetAfterMs = ms; }
    int maxTransitions() const { return m_maxTransitions; }
    void setMaxTransitions(int count) { m_maxTransitions = count < 1 ? 1 : count; }

    static qint64 observationTime(const ActivitySnapshot& snapshot)
    {
        return snapshot.serverTimeMs != kNoTime ? snapshot.serverTimeMs : snapshot.timestampMs;
    }

private:
    struct Key
    {
        int pid = 0;
        qint64 backendStartMs = kNoTime;
        bool operator==(const Key&) const = default;
    };
    friend size_t qHash(const Key& key, size_t seed = 0) noexcept
    {
        return qHashMulti(seed, key.pid, key.backendStartMs);
    }

    QHash<Key, TrackedBackend> m_backends;
    QHash<int, Key> m_newestByPid;
    qint64 m_lastObservedMs = 0;
    qint64 m_forgetAfterMs = 5 * 60 * 1000;
    int m_maxTransitions = kDefaultMaxTransitions;
};

} // namespace poolscope
