#include "Reconstruction.h"

#include "format/EnumName.h"
#include "store/Session.h"

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

QString heldEvidenceKey(HeldEvidence evidence)
{
    return enumKey(evidence); // JSON and text: "state_change", "xact_start", "acquired_at"
}

namespace {

bool isInTransaction(const QString& state)
{
    return state.startsWith(u"idle in transaction"_s);
}

} // namespace

int Reconstruction::countAt(qint64 tMs) const
{
    return static_cast<int>(
        std::count_if(held.begin(), held.end(), [tMs](const HeldConnection& h) { return h.sinceMs <= tMs; }));
}

qint64 Reconstruction::heldSinceMs(int n) const
{
    if (n <= 0 || n > held.size())
        return 0;
    return held[n - 1].sinceMs;
}

std::vector<std::pair<qint64, int>> Reconstruction::staircase(int n) const
{
    std::vector<std::pair<qint64, int>> corners;
    const qsizetype count = n < 0 ? held.size() : std::min<qsizetype>(n, held.size());
    for (qsizetype i = 0; i < count; ++i) {
        const qint64 t = held[i].sinceMs;
        const int before = static_cast<int>(i);
        if (!corners.empty() && corners.back().first == t) {
            corners.back().second = before + 1;
            continue;
        }
        corners.emplace_back(t, before);
        corners.emplace_back(t, before + 1);
    }
    if (!corners.empty() && corners.back().first < atMs)
        corners.emplace_back(atMs, corners.back().second);
    return corners;
}

QString Reconstruction::evidence(int n) const
{
    const qsizetype count = n < 0 ? held.size() : std::min<qsizetype>(n, held.size());
    QStringList keys;
    for (qsizetype i = 0; i < count; ++i) {
        const QString key = heldEvidenceKey(held[i].evidence);
        if (!keys.contains(key))
            keys.append(key);
    }
    return keys.join(u'/');
}

Reconstruction reconstructHistory(const ReconstructionInput& input, const ReconstructionOptions& options)
{
    Reconstruction r;
    r.target = input.target;
    r.atMs = input.localMs;
    const qint64 serverNow = input.serverNowMs != kNoTime ? input.serverNowMs : input.localMs;
    r.clockOffsetMs = input.localMs - serverNow;
    if (input.localMs == 0)
        return r;

    struct Row
    {
        const Backend* backend;
        qint64 sinceMs; // server clock
        HeldEvidence evidence;
        bool reported; // the app said it holds it
    };
    std::vector<Row> rows;
    for (const Backend& b : input.backends) {
        const auto holder = std::find_if(
            input.holders.begin(), input.holders.end(), [&b](const HeldSince& h) { return h.pid == b.pid; });
        Row row { &b, kNoTime, HeldEvidence::StateChange, false };
        if (holder != input.holders.end() && holder->sinceMs != kNoTime) {
            row.sinceMs = holder->sinceMs;
            row.evidence = HeldEvidence::AcquiredAt;
            row.reported = true;
        } else if (b.withheld || !(b.state == u"idle"_s || isInTransaction(b.state)) || b.stateChangeMs == kNoTime) {
            continue;
        } else if (isInTransaction(b.state) && b.xactStartMs != kNoTime && b.xactStartMs <= b.stateChangeMs) {
            row.sinceMs = b.xactStartMs;
            row.evidence = HeldEvidence::XactStart;
        } else {
            row.sinceMs = b.stateChangeMs;
        }
        if (b.backendStartMs != kNoTime)
            row.sinceMs = std::max(row.sinceMs, b.backendStartMs);
        row.sinceMs = std::min(row.sinceMs, serverNow);
        rows.push_back(row);
    }

    // The pool's own idle connections: the pool_idle most recently changed plain-idle backends (not reported).
    if (isPresent(input.poolIdle) && input.poolIdle >= 0.5) {
        std::vector<const Row*> plain;
        for (const Row& row : rows) {
            if (!row.reported && !isInTransaction(row.backend->state))
                plain.push_back(&row);
        }
        std::stable_sort(plain.begin(), plain.end(), [](const Row* a, const Row* b) {
            return a->sinceMs > b->sinceMs || (a->sinceMs == b->sinceMs && a->backend->pid > b->backend->pid);
        });
        const std::size_t inPool = std::min(plain.size(), static_cast<std::size_t>(std::lround(input.poolIdle)));
        std::vector<const Backend*> pooled;
        for (std::size_t i = 0; i < inPool; ++i)
            pooled.push_back(plain[i]->backend);
        std::erase_if(rows,
            [&pooled](const Row& row) { return std::find(pooled.begin(), pooled.end(), row.backend) != pooled.end(); });
    }

    const auto minHeldMs = static_cast<qint64>(std::llround(options.minHeldSeconds * 1000.0));
    for (const Row& row : rows) {
        if (!row.reported && serverNow - row.sinceMs < minHeldMs)
            continue;
        HeldConnection h;
        h.pid = row.backend->pid;
        h.state = row.backend->state;
        h.sinceMs = row.sinceMs + r.clockOffsetMs;
        h.heldSeconds = static_cast<double>(serverNow - row.sinceMs) / 1000.0;
        h.evidence = row.evidence;
        r.held.append(h);
    }
    std::stable_sort(r.held.begin(), r.held.end(), [](const HeldConnection& a, const HeldConnection& b) {
        return a.sinceMs < b.sinceMs || (a.sinceMs == b.sinceMs && a.pid < b.pid);
    });
    return r;
}

Reconstruction reconstructFirstSnapshot(const Session& session, int targetIndex)
{
    const TargetState& t = session.target(targetIndex);
    const int db = session.databaseIndex(t.config.database);
    if (db < 0 || t.config.applicationName.isEmpty() || t.lastOk.timestampMs == 0)
        return {};
    ActivitySnapshot snapshot;
    MetricValues metrics;
    if (!session.isReview()) {
        snapshot = session.database(db).lastOk;
        metrics = t.lastOk.metrics;
    } else {
        const TargetHistory& history = t.history;
        int tried = 0;
        const auto times = history.times();
        for (std::size_t row = 0; row < history.size() && tried < 10 && snapshot.timestampMs == 0; ++row) {
            if (!history.ok(row))
                continue;
            ++tried;
            snapshot = session.snapshotAt(db, times[row]);
            for (int m = 0; m < kMetricCount; ++m)
                metrics.set(static_cast<Metric>(m), history.column(static_cast<Metric>(m))[row]);
        }
    }
    if (snapshot.timestampMs == 0 || !snapshot.ok())
        return {};
    ReconstructionInput input;
    input.target = t.config.name;
    for (const Backend& b : snapshot.backends) {
        if (backendBelongsTo(b, t.config))
            input.backends.append(b);
    }
    input.serverNowMs = snapshot.serverTimeMs;
    input.localMs = snapshot.timestampMs;
    input.poolIdle = metrics[Metric::PoolIdle];
    // The app's own untracked holders (the holders contract) give exact acquisition times; the tracked ones
    // are not part of the discrepancy. acquired_at is on the app's clock, taken as PoolScope's: shifted onto
    // the server's like the snapshot's own ages.
    const qint64 skewMs = snapshot.serverTimeMs != kNoTime ? snapshot.serverTimeMs - snapshot.timestampMs : 0;
    for (const Holder& h : session.holdersAt(targetIndex, snapshot.timestampMs).holders) {
        if (!h.tracked && h.hasAcquiredAt())
            input.holders.append(HeldSince { h.backendPid, h.acquiredAtMs + skewMs });
    }
    return reconstructHistory(input);
}

} // namespace poolscope
