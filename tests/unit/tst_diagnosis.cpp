// Diagnosis over a synthetic session: a stable baseline of 8 held connections, then a leak of 6 per
// minute; verdicts, suspects, route rates, threshold events and the cursor.
#include "analysis/Diagnosis.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

// The whole numbers an event message names ("… reached the critical threshold 25 …" → 25): the
// tests compare these facts, not the wording.
QList<int> numbersIn(const QString& message)
{
    QList<int> out;
    static const QRegularExpression number(QStringLiteral("(?<![\\d.])(\\d+)(?![\\d.])"));
    for (auto it = number.globalMatch(message); it.hasNext();)
        out.append(it.next().captured(1).toInt());
    return out;
}

constexpr qint64 kStart = 1'795'000'000'000;
constexpr qint64 kTick = 2000;

Workspace workspace()
{
    Workspace ws;
    DatabaseConfig db;
    db.name = u"main"_s;
    db.conninfo = u"dbname=app"_s;
    ws.databases.append(db);
    TargetConfig web;
    web.name = u"web"_s;
    web.url = u"http://localhost:8000/health"_s;
    web.applicationName = u"web"_s;
    web.database = u"main"_s;
    ws.targets.append(web);
    return ws;
}

Backend backend(int pid, qint64 stateChangeMs, const QString& state, const QString& query)
{
    Backend b;
    pid = pid > 0 ? pid : 1;
    b.pid = pid;
    b.datname = u"app"_s;
    b.applicationName = u"web"_s;
    b.backendType = u"client backend"_s;
    b.backendStartMs = kStart - 3'600'000;
    b.queryStartMs = stateChangeMs - 5;
    b.stateChangeMs = stateChangeMs;
    b.state = state;
    b.query = query;
    return b;
}

// Feeds one tick: `held` pids held since their start time, 4 pool connections reused every tick.
class Feed
{
public:
    explicit Feed(Session* session)
        : m_session(session)
    {
        for (int pid = 100; pid < 107; ++pid)
            m_held.append({ pid, kStart - 1'800'000 });
        m_inTransaction = 107;
        m_held.append({ 107, kStart - 1'800'000 });
    }

    void tick()
    {
        const qint64 now = kStart + m_tick * kTick;
        ++m_tick;
        if (m_leakEveryTicks > 0 && m_tick % m_leakEveryTicks == 0)
            m_held.append({ m_nextLeak++, now });

        const double discrepancy = static_cast<double>(m_held.size());
        Sample s;
        s.target = u"web"_s;
        s.timestampMs = now;
        s.metrics.set(Metric::CheckedOut, discrepancy + 2);
        s.metrics.set(Metric::Tracked, 2);
        s.metrics.set(Metric::Discrepancy, discrepancy);
        s.metrics.set(Metric::PoolMax, 60);
        s.metrics.set(Metric::PoolSize, discrepancy + 6);
        s.metrics.set(Metric::PoolIdle, 4);
        m_acquired += 3;
        s.routes.append(RouteStats { u"/api/bets"_s, m_acquired, m_acquired - 2, 2, 0 });
        m_session->addSample(s);

        ActivitySnapshot snap;
        snap.database = u"main"_s;
        snap.timestampMs = now;
        snap.serverTimeMs = now;
        for (const auto& [pid, since] : std::as_const(m_held)) {
            snap.backends.append(backend(pid, since, pid == m_inTransaction ? u"idle in transaction"_s : u"idle"_s,
                pid >= 300 ? u"SELECT * FROM report_rows WHERE id = 7"_s : u"SELECT key FROM settings WHERE id = 1"_s));
        }
        for (int pid = 200; pid < 204; ++pid)
            snap.backends.append(backend(pid, now - 1000, u"idle"_s, u"SELECT 1"_s));
        m_session->addSnapshot(snap);
    }

    qint64 now() const { return kStart + (m_tick - 1) * kTick; }
    void startLeak(int everyTicks) { m_leakEveryTicks = everyTicks; }
    QSet<int> leakedPids() const
    {
        QSet<int> pids;
        for (const auto& held : m_held)
            if (held.first >= 300)
                pids.insert(held.first);
        return pids;
    }

private:
    Session* m_session;
    QList<std::pair<int, qint64>> m_held;
    int m_inTransaction = 0;
    int m_tick = 0;
    int m_leakEveryTicks = 0;
    int m_nextLeak = 300;
    double m_acquired = 0;
};

QSet<int> suspectPids(const TargetDiagnosis& d)
{
    QSet<int> pids;
    for (const auto& s : d.reconciliation.suspects)
        pids.insert(s.pid);
    return pids;
}

QList<Event> eventsOfKind(const Session& session, const QString& kind)
{
    QList<Event> out;
    for (const auto& e : session.events())
        if (e.kind == kind)
            out.append(e);
    return out;
}

} // namespace

class TestDiagnosis : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stableBaseline()
    {
        Session session(workspace());
        Diagnosis diagnosis(&session);
        QSignalSpy updated(&diagnosis, &Diagnosis::updated);
        Feed feed(&session);
        for (int i = 0; i < 200; ++i)
            feed.tick();
        QVERIFY(updated.count() >= 1); // the first sample is analysed at once, the rest throttled
        diagnosis.recompute();
        const TargetDiagnosis& d = diagnosis.target(0);
        QCOMPARE(d.verdict.kind, VerdictKind::Stable);
        QCOMPARE(d.verdict.level, 8.0);
        QCOMPARE(d.verdict.toMs, feed.now());
        QCOMPARE(diagnosis.windowToMs(), feed.now());
        QCOMPARE(suspectPids(d), (QSet<int> { 100, 101, 102, 103, 104, 105, 106, 107 }));
        QCOMPARE(d.reconciliation.expected, 8);
        QCOMPARE(d.level, ThresholdLevel::Ok);
        QVERIFY(d.levelReason.isEmpty());
        QVERIFY(eventsOfKind(session, u"threshold"_s).isEmpty());
        QVERIFY(eventsOfKind(session, u"growing"_s).isEmpty());
        QCOMPARE(d.routes.size(), 1);
        QCOMPARE(d.routes.first().name, u"/api/bets"_s);
        QCOMPARE(d.routes.first().acquiresPerMinute, 90.0); // 3 per 2 s tick
        // Any range on demand (the chart's visible one): the last minute holds 30 ticks of 3 acquires.
        const QList<RouteRate> lastMinute = diagnosis.routeRates(0, feed.now() - 60'000, feed.now());
        QCOMPARE(lastMinute.size(), 1);
        QCOMPARE(lastMinute.first().acquired, 90.0);
        QCOMPARE(lastMinute.first().acquiresPerMinute, 90.0);
        QCOMPARE(diagnosis.tracker(0).size(), 12);
        QCOMPARE(d.computedAtMs, feed.now());
    }

    // A database that could not be read (a fleet window's replica whose agent did not answer): the explanation
    // says the backends are unavailable and why, not that none of the application's were seen.
    void unavailableBackendsAreSaid()
    {
        Session session(workspace());
        Diagnosis diagnosis(&session);
        Sample s;
        s.target = u"web"_s;
        s.timestampMs = kStart;
        s.metrics.set(Metric::CheckedOut, 10);
        s.metrics.set(Metric::Tracked, 2);
        s.metrics.set(Metric::Discrepancy, 8);
        session.addSample(s);
        ActivitySnapshot failed;
        failed.database = u"main"_s;
        failed.timestampMs = kStart;
        failed.error = u"unavailable: the agent's snapshot http://h:9187/api/v1/snapshot: HTTP 401"_s;
        session.addSnapshot(failed);
        diagnosis.recompute();
        const Reconciliation& r = diagnosis.target(0).reconciliation;
        QCOMPARE(r.confidence, ReconcileConfidence::Low);
        QCOMPARE(r.confidenceReason, u"Backends "_s + failed.error);
        QVERIFY(r.suspects.isEmpty());
    }

    void leakCrossesThresholdsAndGoesBack()
    {
        Session session(workspace());
        ViewState view;
        Diagnosis diagnosis(&session, &view);
        Feed feed(&session);
        for (int i = 0; i < 200; ++i)
            feed.tick();
        diagnosis.recompute();
        const qint64 stableEnd = feed.now();

        feed.startLeak(5); // one more every 10 s: 6 per minute, 360 per hour
        for (int i = 0; i < 150; ++i) {
            feed.tick();
            if (i % 5 == 0)
                diagnosis.recompute();
        }
        diagnosis.recompute();
        const TargetDiagnosis& d = diagnosis.target(0);
        QCOMPARE(d.verdict.kind, VerdictKind::Growing);
        QVERIFY2(d.verdict.slopePerHour > 360 * 0.7 && d.verdict.slopePerHour < 360 * 1.3,
            qPrintable(QString::number(d.verdict.slopePerHour)));
        QVERIFY(d.verdict.exhaustionEtaSeconds > 0);
        QCOMPARE(d.level, ThresholdLevel::Critical);
        QVERIFY2(d.levelReason.startsWith(u"discrepancy "_s), qPrintable(d.levelReason));

        // The leaked connections that have been held a while are suspects next to the baseline's.
        const QSet<int> suspects = suspectPids(d);
        QVERIFY(suspects.contains(100));
        QVERIFY(suspects.contains(107));
        QVERIFY(suspects.contains(300));
        QVERIFY(suspects.contains(305));
        QVERIFY(feed.leakedPids().contains(305));

        const QList<Event> thresholds = eventsOfKind(session, u"threshold"_s);
        QVERIFY(thresholds.size() >= 2);
        // Growth alone makes it a warning first, then the discrepancy crosses 20 and 25.
        QCOMPARE(thresholds.first().severity, Event::Severity::Warning);
        QCOMPARE(thresholds.last().severity, Event::Severity::Critical);
        QVERIFY2(numbersIn(thresholds.last().message).contains(25), qPrintable(thresholds.last().message));
        QCOMPARE(thresholds.last().source, u"web"_s);
        const QList<Event> growing = eventsOfKind(session, u"growing"_s);
        QCOMPARE(growing.size(), 1);
        QCOMPARE(growing.first().severity, Event::Severity::Warning);
        QVERIFY2(numbersIn(growing.first().message).contains(60), qPrintable(growing.first().message)); // pool max

        // Raising the thresholds re-evaluates at once and notes the way back.
        const qsizetype before = session.events().size();
        Thresholds relaxed;
        relaxed.discrepancyWarning = 100;
        relaxed.discrepancyCritical = 200;
        relaxed.growthWarningPerHour = 10000;
        session.setThresholds(relaxed);
        QCOMPARE(diagnosis.target(0).level, ThresholdLevel::Ok);
        QCOMPARE(session.events().size(), before + 1);
        QCOMPARE(session.events().last().kind, u"threshold"_s);
        QCOMPARE(session.events().last().severity, Event::Severity::Info);
        QVERIFY2(numbersIn(session.events().last().message).contains(200), qPrintable(session.events().last().message));
        // Same thresholds again: nothing new.
        session.setThresholds(relaxed);
        QCOMPARE(session.events().size(), before + 1);

        // Lowering them crosses again.
        Thresholds strict;
        strict.discrepancyWarning = 20;
        strict.discrepancyCritical = 25;
        session.setThresholds(strict);
        QCOMPARE(diagnosis.target(0).level, ThresholdLevel::Critical);
        QCOMPARE(session.events().last().severity, Event::Severity::Critical);

        // The cursor in the past ends the window there: the baseline was stable then, and the past
        // does not add events.
        const qsizetype eventsBefore = session.events().size();
        // A cursor move is analysed over the next event-loop turns (it never holds the window).
        view.setCursor(stableEnd);
        QCOMPARE(diagnosis.windowToMs(), stableEnd);
        QTRY_COMPARE(diagnosis.target(0).verdict.toMs, stableEnd);
        QCOMPARE(diagnosis.target(0).verdict.kind, VerdictKind::Stable);
        QCOMPARE(diagnosis.target(0).verdict.level, 8.0);
        QCOMPARE(diagnosis.target(0).level, ThresholdLevel::Ok);
        QCOMPARE(session.events().size(), eventsBefore);
        view.setCursor(ViewState::kLive);
        QTRY_COMPARE(diagnosis.target(0).verdict.kind, VerdictKind::Growing);

        // An explicit window.
        diagnosis.setWindow(kStart, stableEnd);
        QCOMPARE(diagnosis.windowFromMs(), kStart);
        QCOMPARE(diagnosis.target(0).verdict.kind, VerdictKind::Stable);
    }

    // A cursor move does not compute in the turn that moved it: the targets follow over the next turns, then
    // the route rates, each announced; the result is the one recompute() gives at that cursor.
    void cursorMoveIsAnalysedOverLaterTurns()
    {
        Session session(workspace());
        ViewState view;
        Diagnosis diagnosis(&session, &view);
        Feed feed(&session);
        for (int i = 0; i < 100; ++i)
            feed.tick();
        const qint64 middle = kStart + 49 * kTick;
        diagnosis.recompute();
        QCOMPARE(diagnosis.target(0).routes.first().points, 100);

        QSignalSpy updated(&diagnosis, &Diagnosis::updated);
        view.setCursor(middle);
        QCOMPARE(updated.count(), 0); // nothing yet: the window that moved it paints first
        QCOMPARE(diagnosis.target(0).verdict.toMs, feed.now());
        QTRY_COMPARE(diagnosis.target(0).verdict.toMs, middle);
        QTRY_COMPARE(diagnosis.target(0).routes.first().points, 50); // the routes follow the verdict
        QCOMPARE(updated.count(), 2); // the target, then its route rates

        const TargetDiagnosis deferred = diagnosis.target(0);
        diagnosis.recompute();
        QCOMPARE(diagnosis.target(0).verdict.kind, deferred.verdict.kind);
        QCOMPARE(diagnosis.target(0).verdict.level, deferred.verdict.level);
        QCOMPARE(diagnosis.target(0).routes.first().acquired, deferred.routes.first().acquired);
        QCOMPARE(diagnosis.target(0).routes.first().points, deferred.routes.first().points);
    }

    void throttledUpdatesArrive()
    {
        Session session(workspace());
        Diagnosis diagnosis(&session);
        QSignalSpy updated(&diagnosis, &Diagnosis::updated);
        Feed feed(&session);
        for (int i = 0; i < 5; ++i)
            feed.tick();
        QCOMPARE(updated.count(), 1); // the rest waits for the throttle
        QTRY_COMPARE_WITH_TIMEOUT(updated.count(), 2, 3000);
        // Five polls are too few to watch a trend, but the 8 connections held since 30 min before the first
        // poll make a stable baseline already (reconstructed from their state_change and xact_start).
        const Verdict& verdict = diagnosis.target(0).verdict;
        QCOMPARE(verdict.samplesUsed, 5);
        QCOMPARE(verdict.kind, VerdictKind::Stable);
        QCOMPARE(verdict.basis, VerdictBasis::Reconstructed);
        QCOMPARE(verdict.baselineCount, 8);
        QCOMPARE(verdict.baselineSinceMs, kStart - 1'800'000);
        QCOMPARE(verdict.baselineAgeSeconds, (1'800'000 + 4 * kTick) / 1000.0);
        QCOMPARE(verdict.baselineEvidence, u"state_change"_s);
        QCOMPARE(diagnosis.target(0).reconstruction.held.size(), 8);
    }
};

QTEST_GUILESS_MAIN(TestDiagnosis)
#include "tst_diagnosis.moc"
