#pragma once

#include "analysis/BackendTracker.h"
#include "analysis/Reconstruction.h"
#include "analysis/RouteRates.h"
#include "analysis/Suspects.h"
#include "analysis/Verdict.h"

#include <QObject>

#include <memory>
#include <vector>

namespace poolscope {

class Session;
class ViewState;

// Where a target stands against the workspace thresholds.
namespace DiagnosisEnums { // for moc: the enum's names (enumName())
Q_NAMESPACE
enum class ThresholdLevel { Ok, Warning, Critical };
Q_ENUM_NS(ThresholdLevel)
} // namespace DiagnosisEnums
using DiagnosisEnums::ThresholdLevel;

// Everything PoolScope concludes about one target, recomputed as data arrives.
struct TargetDiagnosis
{
    Verdict verdict; // over the analysis window
    Reconciliation reconciliation; // the target's numbers against its backends (at the cursor in review)
    QList<RouteRate> routes; // per-route rates over the analysis window
    // The held connections' past as the first snapshot (with a poll of the target) bounds it; the verdict's
    // rule 0. Built once, from the first snapshot of the session (or of the recording, in review).
    Reconstruction reconstruction;
    ThresholdLevel level = ThresholdLevel::Ok; // discrepancy level and growth against the thresholds
    QString levelReason; // "discrepancy 26 >= critical 25", "growing 6.1/h >= 1/h"; empty when Ok
    qint64 computedAtMs = 0;
    // The time cursor it was computed at: ViewState::kLive (0) at the newest data, else the moment (UTC ms) up to
    // which it used the data (the verdict, the server's limits and the backends are those at that moment).
    qint64 cursorMs = 0;
};

// The live analysis of a Session (IMPLEMENTED BY THE DIAGNOSIS HELPER — this header is the contract):
// feeds a BackendTracker per database from every snapshot, recomputes each target's verdict and
// reconciliation (throttled, at most about once a second per target) and its route rates (at most every 10 s
// live; at once on recompute(), setWindow() and a cursor move), adds an Event to
// the Session when a target crosses a threshold (and when it goes back), and emits updated(target).
// Works the same on a session rebuilt from a recording.
class Diagnosis : public QObject
{
    Q_OBJECT
public:
    // view: the cursor of the window it serves (null: always at the newest data). A cursor move recomputes
    // over the next event-loop turns: each target in a turn of its own (updated()), then its route rates
    // one route per turn (updated() again once they are all in).
    explicit Diagnosis(Session* session, ViewState* view = nullptr, QObject* parent = nullptr);
    ~Diagnosis() override;

    const TargetDiagnosis& target(int targetIndex) const;
    const BackendTracker& tracker(int databaseIndex) const;

    // The analysis window. Default (both 0): everything since the start, at most the last 12 h, ending
    // at the newest data, or at the ViewState's cursor when it is not live.
    void setWindow(qint64 fromMs, qint64 toMs);
    qint64 windowFromMs() const;
    qint64 windowToMs() const;

    // Per-route rates of one target over any range (the chart's visible range, say), computed now.
    QList<RouteRate> routeRates(int targetIndex, qint64 fromMs, qint64 toMs) const;

    // Recomputes every target now.
    void recompute();

Q_SIGNALS:
    void updated(int targetIndex);

private:
    struct Private;
    // Now: the route rates with the rest. Later: the rest now, the route rates one route per event-loop
    // turn after it (until then the previous ones stay), with another updated() when they are all in.
    // Keep: the previous route rates stay (live, between two of their throttled recomputations).
    enum class RouteRates { Now, Later, Keep };
    void schedule(int targetIndex);
    void runPending();
    void compute(int targetIndex, RouteRates routes);
    void computeNextStep();
    void evaluateLevel(int targetIndex, bool allowEvents);
    void reconstruct(int targetIndex); // once: the target's Reconstruction from the first snapshot
    bool isLive() const;

    std::unique_ptr<Private> d;
};

// "ok", "warning", "critical".
QString thresholdLevelKey(ThresholdLevel level);

} // namespace poolscope
