// Zooming a window over Prometheus out past its oldest point (issue 13): which span is fetched at which step,
// the older rows merged before the held ones (no row twice, no gap at the seam), what following added
// meanwhile kept, and the Session swapping the histories in.
#include "fleet/OlderHistory.h"
#include "fleet/PromQuery.h"
#include "fleet/ServiceHistory.h"
#include "store/Session.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;
using olderhistory::Span;

namespace {

constexpr qint64 kHour = 3600LL * 1000;
constexpr qint64 kDay = 24 * kHour;
constexpr qint64 kNow = 1'789'999'200'000; // a whole hour

PromSeries series(const QString& target, std::vector<qint64> times, std::vector<double> values)
{
    PromSeries s;
    s.labels = { { u"service"_s, u"svc"_s }, { u"target"_s, target }, { u"instance"_s, u"a:9478"_s } };
    s.timesMs = std::move(times);
    s.values = std::move(values);
    return s;
}

// What Prometheus answers for the older span: replicas r1 and r3 (r3 gone since) at `step` over [from, to].
ServiceHistory olderAnswer(qint64 fromMs, qint64 toMs, qint64 stepMs)
{
    ServiceRangeInput input;
    input.stepMs = stepMs;
    std::vector<qint64> times;
    std::vector<double> checkedOut, tracked, ones;
    for (qint64 t = fromMs; t <= toMs; t += stepMs) {
        times.push_back(t);
        checkedOut.push_back(static_cast<double>((t / stepMs) % 7));
        tracked.push_back(1);
        ones.push_back(1);
    }
    for (const QString& target : { u"r1"_s, u"r3"_s }) {
        input.up.push_back(series(target, times, ones));
        input.checkedOut.push_back(series(target, times, checkedOut));
        input.tracked.push_back(series(target, times, tracked));
    }
    return buildServiceHistory(u"svc"_s, input, Workspace {});
}

Workspace heldWorkspace()
{
    Workspace w;
    for (const QString& name : { summedTargetName(u"svc"_s), u"r1"_s, u"r2"_s }) {
        TargetConfig t;
        t.name = name;
        w.targets.append(t);
    }
    return w;
}

Sample sample(const QString& target, qint64 t, double checkedOut)
{
    Sample s;
    s.target = target;
    s.timestampMs = t;
    s.metrics.set(Metric::CheckedOut, checkedOut);
    s.metrics.set(Metric::Tracked, 1);
    return s;
}

// The session as opened: the last 24 h at 2 min for the sum and r1 (one failed row), r2 without a row.
void feedHeld(Session& session)
{
    for (qint64 t = kNow - kDay; t <= kNow; t += 120'000) {
        session.addSample(sample(summedTargetName(u"svc"_s), t, 3));
        Sample s = sample(u"r1"_s, t, 3);
        if (t == kNow - kDay + 240'000) {
            s.metrics = {};
            s.error = u"the agent could not poll this target"_s;
        }
        session.addSample(s);
    }
}

std::vector<TargetState> copyOf(const Session& session)
{
    std::vector<TargetState> held;
    for (int i = 0; i < session.targetCount(); ++i)
        held.push_back(session.target(i));
    return held;
}

} // namespace

Q_DECLARE_METATYPE(olderhistory::Span)

class TestFleetZoom : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void spanToFetch_data()
    {
        QTest::addColumn<qint64>("wantedFrom");
        QTest::addColumn<qint64>("wantedTo");
        QTest::addColumn<int>("pixels");
        QTest::addColumn<qint64>("coveredFrom");
        QTest::addColumn<qint64>("minStep");
        QTest::addColumn<Span>("expected");
        const qint64 day = kNow - kDay;
        // 7 days on 1000 columns: 605 s a column, rounded up to 15 min (not the 2 min of the 24 h backfill).
        QTest::addRow("7 days on 1000 px")
            << kNow - 7 * kDay << kNow << 1000 << day << qint64 { 120 } << Span { kNow - 7 * kDay, day, 900 };
        QTest::addRow("start aligned down to the step")
            << kNow - 7 * kDay + 123'456 << kNow << 1000 << day << qint64 { 120 } << Span { kNow - 7 * kDay, day, 900 };
        QTest::addRow("wider chart, finer step")
            << kNow - 2 * kDay << kNow << 2000 << day << qint64 { 60 } << Span { kNow - 2 * kDay, day, 120 };
        QTest::addRow("never finer than the follow step")
            << kNow - 2 * kDay << kNow << 20000 << day << qint64 { 120 } << Span { kNow - 2 * kDay, day, 120 };
        QTest::addRow("already covered") << kNow - kDay << kNow << 1000 << day << qint64 { 120 } << Span {};
        QTest::addRow("less than a step missing") << day - 100'000 << kNow << 1000 << day << qint64 { 120 } << Span {};
        QTest::addRow("two steps missing")
            << day - 240'000 << kNow << 1000 << day << qint64 { 120 } << Span { day - 240'000, day, 120 };
        QTest::addRow("nothing held") << kNow - 7 * kDay << kNow << 1000 << qint64 { 0 } << qint64 { 120 } << Span {};
        QTest::addRow("empty range") << kNow << kNow << 1000 << day << qint64 { 120 } << Span {};
    }
    void spanToFetch()
    {
        QFETCH(qint64, wantedFrom);
        QFETCH(qint64, wantedTo);
        QFETCH(int, pixels);
        QFETCH(qint64, coveredFrom);
        QFETCH(qint64, minStep);
        QFETCH(Span, expected);
        const Span span = olderhistory::spanToFetch(wantedFrom, wantedTo, pixels, coveredFrom, minStep);
        QCOMPARE(span.isEmpty(), expected.isEmpty());
        if (!expected.isEmpty()) {
            QCOMPARE(span.fromMs, expected.fromMs);
            QCOMPARE(span.toMs, expected.toMs);
            QCOMPARE(span.stepSeconds, expected.stepSeconds);
            QCOMPARE(span.stepSeconds, promquery::fitStepSeconds(wantedTo - wantedFrom, pixels, minStep));
        }
    }

    // The older rows come first, each target cut at its own oldest row: nothing twice, the held rows (their
    // failures and backend counts included) unchanged, and the seam no wider than the older step.
    void mergesOlderBeforeHeld()
    {
        Session session(heldWorkspace());
        feedHeld(session);
        std::vector<TargetState> held = copyOf(session);
        held[1].history.appendBackendCount(kNow - 60'000, 4);
        // The answer overlaps the held span by an hour (the grid reaches the range's end).
        const qint64 from = kNow - 7 * kDay;
        const ServiceHistory older = olderAnswer(from, kNow - kDay + kHour, 600'000);

        const std::vector<TargetHistory> merged = olderhistory::withOlder(held, older, kNow - kDay);
        QCOMPARE(merged.size(), held.size());
        for (std::size_t i = 0; i < merged.size(); ++i) {
            const auto times = merged[i].times();
            QVERIFY2(std::adjacent_find(times.begin(), times.end(), std::greater_equal<>()) == times.end(),
                qPrintable(held[i].config.name)); // strictly increasing: no row twice, in order
        }
        // The sum and r1: 6 days at 10 min (864 rows from 7 days ago), then the held rows as they were.
        for (std::size_t i : { std::size_t { 0 }, std::size_t { 1 } }) {
            const TargetHistory& h = merged[i];
            const std::size_t olderRows = h.size() - held[i].history.size();
            QCOMPARE(olderRows, std::size_t { 6 * 144 });
            QCOMPARE(h.times().front(), from);
            QCOMPARE(h.times()[olderRows - 1], kNow - kDay - 600'000);
            QVERIFY(h.times()[olderRows] - h.times()[olderRows - 1] <= 600'000); // no gap at the seam
            for (std::size_t row = 0; row < held[i].history.size(); ++row) {
                QCOMPARE(h.times()[olderRows + row], held[i].history.times()[row]);
                QCOMPARE(h.ok(olderRows + row), held[i].history.ok(row));
                QCOMPARE(h.error(olderRows + row), held[i].history.error(row));
                QCOMPARE(
                    h.column(Metric::CheckedOut)[olderRows + row], held[i].history.column(Metric::CheckedOut)[row]);
            }
        }
        // The older values are Prometheus's.
        const TargetHistory& r1 = merged[1];
        for (std::size_t row = 0; row < 10; ++row)
            QCOMPARE(r1.column(Metric::CheckedOut)[row], static_cast<double>((r1.times()[row] / 600'000) % 7));
        QCOMPARE(merged[1].backendCounts().size(), std::size_t { 1 });
        QCOMPARE(merged[1].backendCountTimes()[0], kNow - 60'000);
        // r2 holds nothing and Prometheus had nothing of it; r3 is not a target of the window.
        QVERIFY(merged[2].empty());
        // r3 (gone before the window opened) gets no row of its own, but counts in the sum's older rows.
        QCOMPARE(olderhistory::olderOnly(held, older), QStringList { u"r3"_s });
        const TargetHistory& sum = merged[0];
        for (std::size_t row = 0; row < 10; ++row)
            QCOMPARE(sum.column(Metric::CheckedOut)[row], 2.0 * static_cast<double>((sum.times()[row] / 600'000) % 7));
        std::vector<TargetState> withR3 = held;
        withR3.push_back(held[1]);
        withR3.back().config.name = u"r3"_s;
        QVERIFY(olderhistory::olderOnly(withR3, older).isEmpty());
    }

    // A target the window holds no row of gets the older rows before the span's end only.
    void targetWithoutRowsIsCutAtTheSpanEnd()
    {
        Workspace w;
        TargetConfig r1;
        r1.name = u"r1"_s;
        w.targets.append(r1);
        Session session(w);
        const ServiceHistory older = olderAnswer(kNow - 2 * kDay, kNow - kDay + kHour, 600'000);
        const std::vector<TargetHistory> merged = olderhistory::withOlder(copyOf(session), older, kNow - kDay);
        QCOMPARE(merged.at(0).size(), std::size_t { 144 });
        QVERIFY(merged.at(0).times().back() < kNow - kDay);
    }

    // What following appended while the merge ran is kept, once.
    void keepsWhatFollowingAdded()
    {
        Session session(heldWorkspace());
        feedHeld(session);
        const std::vector<TargetState> held = copyOf(session);
        const ServiceHistory older = olderAnswer(kNow - 2 * kDay, kNow - kDay, 600'000);
        std::vector<TargetHistory> merged = olderhistory::withOlder(held, older, kNow - kDay);
        // Following lands: two new rows of r1, one of r2 (which held none), a backend count.
        session.addSample(sample(u"r1"_s, kNow + 120'000, 5));
        session.addSample(sample(u"r1"_s, kNow + 240'000, 6));
        session.addSample(sample(u"r2"_s, kNow + 240'000, 2));
        olderhistory::appendNewer(merged, held, session);
        QCOMPARE(merged[1].size(), session.target(1).history.size() + 144);
        QCOMPARE(merged[1].times().back(), kNow + 240'000);
        QCOMPARE(merged[1].column(Metric::CheckedOut).back(), 6.0);
        QCOMPARE(merged[1].times()[merged[1].size() - 3], kNow);
        QCOMPARE(merged[2].size(), std::size_t { 1 });
        QCOMPARE(merged[0].size(), session.target(0).history.size() + 144);
    }

    void sessionSwapsTheHistoriesIn()
    {
        Session session(heldWorkspace());
        feedHeld(session);
        const Sample latest = session.target(1).latest;
        const qint64 last = session.lastTimestampMs();
        QCOMPARE(session.firstTimestampMs(), kNow - kDay);
        QSignalSpy replaced(&session, &Session::historyReplaced);
        QSignalSpy added(&session, &Session::sampleAdded);

        // The wrong shape: nothing changes.
        QVERIFY(!session.replaceTargetHistories(std::vector<TargetHistory>(2)));
        QCOMPARE(replaced.count(), 0);

        const ServiceHistory older = olderAnswer(kNow - 7 * kDay, kNow - kDay, 600'000);
        const std::size_t before = session.target(1).history.size();
        QVERIFY(session.replaceTargetHistories(olderhistory::withOlder(copyOf(session), older, kNow - kDay)));
        QCOMPARE(replaced.count(), 1);
        QCOMPARE(added.count(), 0);
        QCOMPARE(session.firstTimestampMs(), kNow - 7 * kDay);
        QCOMPARE(session.lastTimestampMs(), last);
        QCOMPARE(session.target(1).history.size(), before + 6 * 144);
        QCOMPARE(session.target(1).latest.timestampMs, latest.timestampMs);
        QCOMPARE(session.target(1).config.name, u"r1"_s);
    }
};

QTEST_GUILESS_MAIN(TestFleetZoom)
#include "tst_fleetzoom.moc"
