#pragma once

#include "types/ActivitySnapshot.h"
#include "types/Metric.h"

#include <QList>
#include <QObject>
#include <QString>

#include <vector>

namespace poolscope {

class Session;

// An app-reported holder's acquisition time (the holders contract's acquired_at) for one backend pid,
// already on the PostgreSQL server's clock (the caller shifts the app's clock when it knows the skew).
struct HeldSince
{
    int pid = 0;
    qint64 sinceMs = kNoTime;
};

// What reconstructHistory() works from: one pg_stat_activity snapshot of a target's backends (the first
// one PoolScope saw: its past is what is reconstructed) and, optionally, the app's own holders.
struct ReconstructionInput
{
    QString target;
    QList<Backend> backends; // the target's backends in that snapshot
    qint64 serverNowMs = kNoTime; // the snapshot's serverTimeMs; kNoTime: localMs (no skew known)
    qint64 localMs = 0; // the snapshot's timestampMs (PoolScope's clock): results are on this clock
    double poolIdle = kAbsent; // pool_idle at that poll: the youngest idle backends are the pool's own
    QList<HeldSince> holders; // optional: exact acquisition times (the holders contract)
};

struct ReconstructionOptions
{
    // A backend unchanged for less than this is not counted as held: a request between two queries.
    double minHeldSeconds = 10;
};

namespace ReconstructionEnums { // for moc: the enum's names (enumName())
Q_NAMESPACE
// The timestamp that bounds how long a connection has been held.
enum class HeldEvidence {
    StateChange, // idle since state_change: unchanged (and so out of the pool's reuse) at least since then
    XactStart, // idle in transaction: a pool never hands out a connection inside a transaction
    AcquiredAt, // the app said when it took it (holders)
};
Q_ENUM_NS(HeldEvidence)
} // namespace ReconstructionEnums
using ReconstructionEnums::HeldEvidence;
QString heldEvidenceKey(HeldEvidence evidence); // "state_change", "xact_start", "acquired_at"

struct HeldConnection
{
    int pid = 0;
    QString state;
    qint64 sinceMs = 0; // held at least since then (PoolScope's clock)
    double heldSeconds = 0; // at the snapshot, measured on the server's clock
    HeldEvidence evidence = HeldEvidence::StateChange;
};

// The discrepancy's past as one snapshot bounds it: every held connection has been held at least since its
// sinceMs, so at a time t at least countAt(t) connections were held. A lower bound, never a measurement.
struct Reconstruction
{
    QString target;
    qint64 atMs = 0; // the snapshot (PoolScope's clock); 0 when there is none
    qint64 clockOffsetMs = 0; // PoolScope's clock − the server's, applied to every time
    QList<HeldConnection> held; // oldest first (ties: lower pid first)

    bool isEmpty() const { return held.isEmpty(); }
    // Connections held at least since tMs (PoolScope's clock): the lower bound at tMs.
    int countAt(qint64 tMs) const;
    // The n oldest held connections have all been held since this time; 0 when fewer than n are held.
    qint64 heldSinceMs(int n) const;
    // The staircase of countAt() from the oldest held connection to atMs, as (time, count) corners, for
    // the first n (oldest) held connections (all when n < 0).
    std::vector<std::pair<qint64, int>> staircase(int n = -1) const;
    // The timestamps the first n (oldest) held connections rest on (all when n < 0): their evidence keys
    // (heldEvidenceKey) in order of first appearance, joined by '/': "state_change", "acquired_at/state_change".
    // What the verdict says its baseline was reconstructed from, and the chart's legend for the same staircase.
    QString evidence(int n = -1) const;
};

// Reconstructs how long each held backend of one snapshot has been held.
//
// Held: idle, or idle in transaction (also "(aborted)"), with a state_change, unchanged for at least
// minHeldSeconds; the pool_idle most recently changed plain-idle backends are the pool's own idle
// connections (the rule of reconcile(), see Suspects.h) and are not held. A pid the app reports as held
// (holders) is held whatever its state.
// Held since: acquired_at when the app reported it; else xact_start for idle in transaction (a pool never
// hands out a connection in a transaction: it was out of the pool since then); else state_change (held
// and unchanged since). Never before backend_start, never after the snapshot.
// Ages are measured on the server's clock (serverNowMs − since), and times shifted onto PoolScope's clock
// by the snapshot's localMs − serverNowMs, so a laptop whose clock is off still draws them in place.
Reconstruction reconstructHistory(const ReconstructionInput& input, const ReconstructionOptions& options = {});

// The reconstruction from the first snapshot of a target's database that comes with a successful poll of the
// target (for pool_idle). Live: the newest ones, the first time both exist (call it until it is not empty).
// In review: the snapshot at one of the target's first ten successful polls, from the recording's archive.
// Empty (atMs 0) when there is none, or the target names no application_name.
Reconstruction reconstructFirstSnapshot(const Session& session, int targetIndex);

} // namespace poolscope
