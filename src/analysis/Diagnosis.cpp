#include "Diagnosis.h"

#include "AnalysisText.h"
#include "PoolerJoin.h"
#include "format/EnumName.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <limits>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

constexpr qint64 kMinIntervalMs = 1000; // at most about one recomputation per second and target
// Live, the route rates (a trend per route over up to 12 h) are recomputed at most this often per target: they
// move slowly, cost the bulk of the analysis, and the window's routes table computes its own over the range the
// chart shows. recompute(), setWindow() and a cursor move still compute them at once.
constexpr qint64 kRoutesIntervalMs = 10'000;

// The metrics of the newest successful poll at or before toMs.
MetricValues metricsAtOrBefore(const TargetState& target, qint64 toMs)
{
    if (target.lastOk.timestampMs != 0 && target.lastOk.timestampMs <= toMs)
        return target.lastOk.metrics;
    const TargetHistory& history = target.history;
    for (std::ptrdiff_t row = history.rowAtOrBefore(toMs); row >= 0; --row) {
        const auto r = static_cast<std::size_t>(row);
        if (!history.ok(r))
            continue;
        MetricValues values;
        for (int m = 0; m < kMetricCount; ++m)
            values.set(static_cast<Metric>(m), history.column(static_cast<Metric>(m))[r]);
        return values;
    }
    return {};
}

QString number(double v)
{
    return QString::number(v, 'g', 10);
}

} // namespace

QString thresholdLevelKey(ThresholdLevel level)
{
    return enumName(level).toLower(); // JSON: "ok", "warning", "critical"
}

struct Diagnosis::Private
{
    Session* session = nullptr;
    QPointer<ViewState> view;
    std::vector<BackendTracker> trackers;
    std::vector<TargetDiagnosis> targets;
    std::vector<double> levelDiscrepancy; // the discrepancy the level was judged on
    std::vector<QElapsedTimer> lastRun;
    std::vector<QElapsedTimer> lastRoutesRun; // of the route rates (kRoutesIntervalMs)
    std::vector<bool> pending;
    std::vector<bool> reconstructed; // the target's reconstruction is built (or cannot be)
    std::vector<ThresholdLevel> reportedLevel; // the level the event log knows
    std::vector<VerdictKind> reportedKind;
    // Per target, the disagreements (kind, pid) already reported as events.
    std::vector<QSet<std::pair<int, int>>> reportedDisagreements;
    QTimer* timer = nullptr;
    qint64 fromMs = 0;
    qint64 toMs = 0;

    // Work spread over event-loop turns (computeNextStep): the targets to compute after a cursor move, then
    // the route rates one route per turn: per target, the range and the rates so far.
    std::vector<int> deferred;
    struct PendingRoutes
    {
        int target = -1;
        qint64 fromMs = 0;
        qint64 toMs = 0;
        QList<RouteRate> rates;
    };
    std::vector<PendingRoutes> pendingRoutes;
    QTimer* stepTimer = nullptr;
};

Diagnosis::Diagnosis(Session* session, ViewState* view, QObject* parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->session = session;
    d->view = view;
    const auto targets = static_cast<std::size_t>(session->targetCount());
    d->trackers.resize(static_cast<std::size_t>(session->databaseCount()));
    d->targets.resize(targets);
    d->levelDiscrepancy.assign(targets, kAbsent);
    d->lastRun.resize(targets);
    d->lastRoutesRun.resize(targets);
    d->pending.assign(targets, false);
    d->reconstructed.assign(targets, false);
    d->reportedLevel.assign(targets, ThresholdLevel::Ok);
    d->reportedKind.assign(targets, VerdictKind::Unknown);
    d->reportedDisagreements.assign(targets, {});
    for (int i = 0; i < session->targetCount(); ++i)
        d->targets[static_cast<std::size_t>(i)].verdict.target = session->target(i).config.name;

    d->timer = new QTimer(this);
    d->timer->setSingleShot(true);
    connect(d->timer, &QTimer::timeout, this, &Diagnosis::runPending);
    d->stepTimer = new QTimer(this);
    d->stepTimer->setSingleShot(true);
    d->stepTimer->setInterval(0);
    connect(d->stepTimer, &QTimer::timeout, this, &Diagnosis::computeNextStep);

    connect(session, &Session::sampleAdded, this, &Diagnosis::schedule);
    connect(session, &Session::snapshotAdded, this, [this](int db) {
        const DatabaseState& state = d->session->database(db);
        if (state.latest.ok())
            d->trackers[static_cast<std::size_t>(db)].observe(state.latest);
        for (int i = 0; i < d->session->targetCount(); ++i) {
            if (d->session->target(i).config.database == state.config.name) {
                reconstruct(i); // from this snapshot if it is the first one: not throttled
                schedule(i);
            }
        }
    });
    // A cursor move (or the histories rebuilt with older rows: Session::replaceTargetHistories) recomputes
    // every target, one target per event-loop turn, and then the route rates (a trend per route, over up to
    // 12 h: the bulk of the cost on a long session) one route per turn, so that moving the cursor or opening
    // a recording never holds the window.
    const auto everyTarget = [this] {
        d->timer->stop();
        d->deferred.clear();
        for (int i = 0; i < d->session->targetCount(); ++i)
            d->deferred.push_back(i);
        d->stepTimer->start();
    };
    if (view)
        connect(view, &ViewState::cursorChanged, this, everyTarget);
    connect(session, &Session::historyReplaced, this, everyTarget);
    connect(session, &Session::thresholdsChanged, this, [this] {
        for (int i = 0; i < d->session->targetCount(); ++i) {
            evaluateLevel(i, isLive() && !d->session->isReview());
            Q_EMIT updated(i);
        }
    });
}

Diagnosis::~Diagnosis() = default;

bool Diagnosis::isLive() const
{
    return !d->view || d->view->isLive();
}

const TargetDiagnosis& Diagnosis::target(int targetIndex) const
{
    return d->targets.at(static_cast<std::size_t>(targetIndex));
}

const BackendTracker& Diagnosis::tracker(int databaseIndex) const
{
    return d->trackers.at(static_cast<std::size_t>(databaseIndex));
}

void Diagnosis::setWindow(qint64 fromMs, qint64 toMs)
{
    d->fromMs = fromMs;
    d->toMs = toMs;
    recompute();
}

qint64 Diagnosis::windowFromMs() const
{
    return d->fromMs > 0 ? d->fromMs : d->session->firstTimestampMs();
}

qint64 Diagnosis::windowToMs() const
{
    if (d->toMs > 0)
        return d->toMs;
    if (!isLive())
        return d->view->cursor();
    return d->session->lastTimestampMs();
}

void Diagnosis::recompute()
{
    d->timer->stop();
    for (int i = 0; i < d->session->targetCount(); ++i)
        compute(i, RouteRates::Now);
}

void Diagnosis::schedule(int targetIndex)
{
    const auto i = static_cast<std::size_t>(targetIndex);
    if (i >= d->targets.size())
        return;
    QElapsedTimer& last = d->lastRun[i];
    if (!last.isValid() || last.elapsed() >= kMinIntervalMs) {
        const QElapsedTimer& routesRun = d->lastRoutesRun[i];
        const bool routesDue = !routesRun.isValid() || routesRun.elapsed() >= kRoutesIntervalMs;
        compute(targetIndex, routesDue ? RouteRates::Now : RouteRates::Keep);
        return;
    }
    d->pending[i] = true;
    const qint64 wait = kMinIntervalMs - last.elapsed();
    if (!d->timer->isActive() || d->timer->remainingTime() > wait)
        d->timer->start(static_cast<int>(std::max<qint64>(wait, 0)));
}

void Diagnosis::runPending()
{
    for (std::size_t i = 0; i < d->pending.size(); ++i) {
        if (d->pending[i])
            schedule(static_cast<int>(i)); // computes now or re-arms the timer
    }
}

void Diagnosis::compute(int targetIndex, RouteRates routes)
{
    const auto i = static_cast<std::size_t>(targetIndex);
    d->pending[i] = false;
    std::erase(d->deferred, targetIndex);
    d->lastRun[i].start();

    Session* session = d->session;
    const TargetState& t = session->target(targetIndex);
    TargetDiagnosis& out = d->targets[i];

    const qint64 fromMs = windowFromMs();
    qint64 toMs = windowToMs();
    if (toMs <= 0)
        toMs = std::numeric_limits<qint64>::max();

    reconstruct(targetIndex);
    const qint64 cursor = isLive() ? ViewState::kLive : d->view->cursor();
    out.cursorMs = cursor;
    VerdictOptions options;
    options.targetName = t.config.name;
    // Only what was known at the cursor: the reconstruction when its snapshot is not after it, the server's
    // limits from the snapshot at it.
    options.reconstruction = out.reconstruction.atMs <= toMs ? &out.reconstruction : nullptr;
    const int db = session->databaseIndex(t.config.database);
    const ActivitySnapshot snapshot = db >= 0 ? session->snapshotAt(db, cursor) : ActivitySnapshot();
    if (db >= 0) {
        if (snapshot.timestampMs != 0 && snapshot.maxConnections > 0) {
            options.serverMaxConnections = snapshot.maxConnections;
            options.serverReservedConnections = snapshot.reservedConnections;
            // Every backend the server counts against the limit (client backends), PoolScope's own too.
            qsizetype clients = 1;
            for (const Backend& b : snapshot.backends)
                clients += (b.backendType.isEmpty() || b.backendType == u"client backend"_s) ? 1 : 0;
            options.serverConnectionsNow = static_cast<double>(clients);
        }
    }
    out.verdict = computeVerdict(t.history, fromMs, toMs, options);

    const MetricValues metrics = metricsAtOrBefore(t, toMs);
    ReconcileInput input;
    input.target = t.config.name;
    input.setMetrics(metrics);
    if (isPresent(out.verdict.level))
        input.discrepancy = out.verdict.level;
    // Behind pgbouncer: the target's backends are found, and its suspects named, through the pooler join.
    const QList<const PoolerSnapshot*> poolers = t.config.pgbouncerClients.isEmpty()
        ? QList<const PoolerSnapshot*>()
        : session->poolerSnapshotsFor(t.config.database, cursor);
    ActivitySnapshot behind;
    if (db >= 0) {
        for (const auto& backend : snapshot.backends) {
            if (backendBelongsTo(backend, t.config, poolers))
                input.backends.append(backend);
        }
        behind.backends = input.backends;
        input.tracker = isLive() ? &d->trackers[static_cast<std::size_t>(db)] : nullptr;
        input.serverNowMs = snapshot.serverTimeMs;
        if (snapshot.timestampMs == 0 && !session->database(db).latest.ok())
            input.backendsUnavailable = session->database(db).latest.error;
        // The app's own report of its holders makes the suspects exact (analysis/Holders.h).
        const HolderReport holders = session->holdersAt(targetIndex, cursor);
        if (holders.reported && snapshot.timestampMs != 0) {
            input.holdersReported = true;
            input.holders = holders.holders;
            input.holdersAtMs = holders.timestampMs;
            input.snapshotAtMs = snapshot.timestampMs;
            input.databaseBackends = snapshot.backends;
        }
    }
    out.reconciliation = reconcile(input);
    if (!poolers.isEmpty())
        attributeToClients(out.reconciliation, clientsBehind(behind, poolers), poolModesOf(poolers));

    const qint64 routesFromMs = std::max(fromMs, out.verdict.fromMs);
    std::erase_if(d->pendingRoutes, [targetIndex](const Private::PendingRoutes& p) { return p.target == targetIndex; });
    const bool later = routes == RouteRates::Later && !t.history.routes().empty();
    if (later) {
        d->pendingRoutes.push_back({ targetIndex, routesFromMs, toMs, {} });
        d->lastRoutesRun[i].start();
    } else if (routes != RouteRates::Keep) {
        out.routes = routeRates(targetIndex, routesFromMs, toMs);
        d->lastRoutesRun[i].start();
    }

    double discrepancy = out.verdict.level;
    if (!isPresent(discrepancy)) {
        discrepancy = metrics[Metric::Discrepancy];
        if (!isPresent(discrepancy))
            discrepancy = metrics[Metric::CheckedOut] - metrics[Metric::Tracked];
    }
    d->levelDiscrepancy[i] = discrepancy;
    out.computedAtMs = toMs == std::numeric_limits<qint64>::max() ? session->lastTimestampMs() : toMs;

    const bool allowEvents = isLive() && !session->isReview();
    evaluateLevel(targetIndex, allowEvents);

    if (allowEvents) {
        const VerdictKind kind = out.verdict.kind;
        if (kind == VerdictKind::Growing && d->reportedKind[i] != VerdictKind::Growing) {
            QString message = u"growing by %1 connections/hour"_s.arg(out.verdict.slopePerHour, 0, 'f', 1);
            if (out.verdict.exhaustionLimit == Verdict::Limit::PoolMax)
                message += u"; pool max %1 in about %2"_s.arg(
                    formatCount(out.verdict.poolMax), formatDuration(out.verdict.exhaustionEtaSeconds));
            else if (out.verdict.exhaustionLimit == Verdict::Limit::Server)
                message += u"; the server's connection limit (%1) in about %2"_s.arg(
                    QString::number(out.verdict.serverMaxConnections - out.verdict.serverReservedConnections),
                    formatDuration(out.verdict.exhaustionEtaSeconds));
            session->addEvent(
                Event { out.computedAtMs, Event::Severity::Warning, t.config.name, u"growing"_s, message });
        }
        if (kind != VerdictKind::Unknown)
            d->reportedKind[i] = kind;
        // Where the app's holders and pg_stat_activity disagree: one event per new finding.
        QSet<std::pair<int, int>> now;
        for (const Disagreement& disagreement : out.reconciliation.disagreements) {
            const std::pair<int, int> key { static_cast<int>(disagreement.kind), disagreement.pid };
            now.insert(key);
            if (!d->reportedDisagreements[i].contains(key))
                session->addEvent(Event { out.computedAtMs, Event::Severity::Warning, t.config.name,
                    disagreementKindKey(disagreement.kind), disagreement.text });
        }
        d->reportedDisagreements[i] = now;
    }
    if (later)
        d->stepTimer->start();
    Q_EMIT updated(targetIndex);
}

void Diagnosis::reconstruct(int targetIndex)
{
    const auto i = static_cast<std::size_t>(targetIndex);
    if (d->reconstructed[i])
        return;
    d->targets[i].reconstruction = reconstructFirstSnapshot(*d->session, targetIndex);
    // Live, until the first snapshot comes; a recording has what it has (one try: the archive is SQLite).
    d->reconstructed[i] = d->targets[i].reconstruction.atMs != 0 || d->session->isReview();
}

void Diagnosis::computeNextStep()
{
    if (!d->deferred.empty()) {
        compute(d->deferred.front(), RouteRates::Later); // takes it off the list
    } else if (!d->pendingRoutes.empty()) {
        Private::PendingRoutes& pending = d->pendingRoutes.front();
        const int targetIndex = pending.target;
        const auto& series = d->session->target(targetIndex).history.routes();
        const auto next = static_cast<std::size_t>(pending.rates.size());
        if (next < series.size())
            pending.rates.append(computeRouteRate(
                series[next].name, series[next].points(pending.fromMs, pending.toMs), pending.fromMs, pending.toMs));
        if (static_cast<std::size_t>(pending.rates.size()) >= series.size()) {
            d->targets[static_cast<std::size_t>(targetIndex)].routes = std::move(pending.rates);
            d->pendingRoutes.erase(d->pendingRoutes.begin());
            Q_EMIT updated(targetIndex);
        }
    }
    if (!d->deferred.empty() || !d->pendingRoutes.empty())
        d->stepTimer->start();
}

void Diagnosis::evaluateLevel(int targetIndex, bool allowEvents)
{
    const auto i = static_cast<std::size_t>(targetIndex);
    TargetDiagnosis& out = d->targets[i];
    const Thresholds& th = d->session->workspace().thresholds;
    const double discrepancy = d->levelDiscrepancy[i];

    ThresholdLevel level = ThresholdLevel::Ok;
    QString reason;
    QString crossing; // the sentence for the event when the level rises
    if (isPresent(discrepancy) && discrepancy >= th.discrepancyCritical) {
        level = ThresholdLevel::Critical;
        reason = u"discrepancy %1 >= critical %2"_s.arg(formatCount(discrepancy), number(th.discrepancyCritical));
        crossing = u"discrepancy %1 reached the critical threshold %2"_s.arg(
            formatCount(discrepancy), number(th.discrepancyCritical));
    } else if (isPresent(discrepancy) && discrepancy >= th.discrepancyWarning) {
        level = ThresholdLevel::Warning;
        reason = u"discrepancy %1 >= warning %2"_s.arg(formatCount(discrepancy), number(th.discrepancyWarning));
        crossing = u"discrepancy %1 reached the warning threshold %2"_s.arg(
            formatCount(discrepancy), number(th.discrepancyWarning));
    }
    const Verdict& v = out.verdict;
    if (level == ThresholdLevel::Ok && v.kind == VerdictKind::Growing && isPresent(v.slopePerHour)
        && v.slopePerHour >= th.growthWarningPerHour) {
        level = ThresholdLevel::Warning;
        reason = u"growing %1/h >= %2/h"_s.arg(v.slopePerHour, 0, 'f', 1).arg(number(th.growthWarningPerHour));
        crossing = u"growing by %1 connections/hour reached the growth warning threshold %2/h"_s
                       .arg(v.slopePerHour, 0, 'f', 1)
                       .arg(number(th.growthWarningPerHour));
    }
    out.level = level;
    out.levelReason = reason;

    if (!allowEvents || level == d->reportedLevel[i])
        return;
    const ThresholdLevel before = d->reportedLevel[i];
    d->reportedLevel[i] = level;
    QString message = crossing;
    if (level < before) {
        const QString shown = isPresent(discrepancy) ? formatCount(discrepancy) : u"unknown"_s;
        message = before == ThresholdLevel::Critical
            ? u"discrepancy %1 is back below the critical threshold %2"_s.arg(shown, number(th.discrepancyCritical))
            : u"discrepancy %1 is back below the warning threshold %2"_s.arg(shown, number(th.discrepancyWarning));
        if (level == ThresholdLevel::Warning && !crossing.isEmpty())
            message += u" (still at warning: "_s + reason + u')';
    }
    const Event::Severity severity = level == ThresholdLevel::Critical
        ? Event::Severity::Critical
        : (level == ThresholdLevel::Warning ? Event::Severity::Warning : Event::Severity::Info);
    d->session->addEvent(
        Event { out.computedAtMs, severity, d->session->target(targetIndex).config.name, u"threshold"_s, message });
}

QList<RouteRate> Diagnosis::routeRates(int targetIndex, qint64 fromMs, qint64 toMs) const
{
    QList<RouteRate> rates;
    for (const auto& series : d->session->target(targetIndex).history.routes())
        rates.append(computeRouteRate(series.name, series.points(fromMs, toMs), fromMs, toMs));
    return rates;
}

} // namespace poolscope
