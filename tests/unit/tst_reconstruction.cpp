// The held connections' past as one snapshot bounds it (analysis/Reconstruction.h) and the verdict it allows
// from the first poll (rule 0 of computeVerdict): held since state_change, xact_start, acquired_at; never
// before backend_start; the pool's own idle connections left out; a skewed server clock; a leak's pace that
// forbids calling a young baseline stable; growth seen live that overrides it.
#include "analysis/Reconstruction.h"
#include "analysis/Verdict.h"
#include "store/TargetHistory.h"

#include <QTest>

#include <cmath>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kLocal = 1'700'000'000'000; // the first snapshot, on PoolScope's clock

// One backend of the snapshot, its times in seconds before the server's now (< 0: NULL).
struct Row
{
    int pid;
    QString state;
    double stateChangeAgo;
    double backendStartAgo = 48 * 3600;
    double xactStartAgo = -1;
    bool withheld = false;
};

QList<Backend> backendsOf(const QList<Row>& rows, qint64 serverNow)
{
    auto at = [serverNow](double ago) {
        return ago < 0 ? kNoTime : serverNow - static_cast<qint64>(std::llround(ago * 1000.0));
    };
    QList<Backend> backends;
    for (const Row& r : rows) {
        Backend b;
        b.pid = r.pid;
        b.applicationName = u"web"_s;
        b.backendType = u"client backend"_s;
        b.state = r.state;
        b.stateChangeMs = at(r.stateChangeAgo);
        b.backendStartMs = at(r.backendStartAgo);
        b.xactStartMs = at(r.xactStartAgo);
        b.withheld = r.withheld;
        backends.append(b);
    }
    return backends;
}

// Expected: pid, held since (seconds before the snapshot), evidence.
struct Held
{
    int pid;
    double ago;
    HeldEvidence evidence;
};

// `count` connections idle since `ago` seconds (pids from 100), on a server whose clock is skewSeconds ahead.
Reconstruction heldFor(const QList<double>& agos, double skewSeconds = 0)
{
    QList<Row> rows;
    int pid = 100;
    for (double ago : agos)
        rows.append({ pid++, u"idle"_s, ago });
    ReconstructionInput input;
    input.target = u"web"_s;
    input.localMs = kLocal;
    input.serverNowMs = kLocal + static_cast<qint64>(skewSeconds * 1000);
    input.backends = backendsOf(rows, input.serverNowMs);
    return reconstructHistory(input);
}

QList<double> repeated(int count, double ago)
{
    return QList<double>(count, ago);
}

// Live polls every second from kLocal for `seconds`: discrepancy `level`, plus one more from `riseAt` on.
TargetHistory livePolls(double seconds, double level, double riseAt = -1, double leakPerMinute = 0)
{
    TargetHistory history;
    for (int i = 0; i <= static_cast<int>(seconds); ++i) {
        Sample sample;
        sample.target = u"web"_s;
        sample.timestampMs = kLocal + i * 1000LL;
        double d = level + (riseAt >= 0 && i >= riseAt ? 1 : 0) + std::floor(leakPerMinute * i / 60.0);
        sample.metrics.set(Metric::Tracked, 3);
        sample.metrics.set(Metric::CheckedOut, 3 + d);
        sample.metrics.set(Metric::Discrepancy, d);
        sample.metrics.set(Metric::PoolMax, 40);
        history.append(sample);
    }
    return history;
}

} // namespace

Q_DECLARE_METATYPE(Row)
Q_DECLARE_METATYPE(Held)
Q_DECLARE_METATYPE(HeldSince)
Q_DECLARE_METATYPE(VerdictKind)
Q_DECLARE_METATYPE(VerdictBasis)

class TestReconstruction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The keys written to JSON, CSV and the explain text: pinned here, so that renaming an enumerator (the keys
    // come from its name, enumKey) fails a test instead of changing a file format.
    void keysArePinned()
    {
        QCOMPARE(heldEvidenceKey(HeldEvidence::StateChange), u"state_change"_s);
        QCOMPARE(heldEvidenceKey(HeldEvidence::XactStart), u"xact_start"_s);
        QCOMPARE(heldEvidenceKey(HeldEvidence::AcquiredAt), u"acquired_at"_s);
        QCOMPARE(verdictBasisKey(VerdictBasis::Live), u"live"_s);
        QCOMPARE(verdictBasisKey(VerdictBasis::Reconstructed), u"reconstructed"_s);
        QCOMPARE(verdictBasisKey(VerdictBasis::LiveAndReconstructed), u"live_and_reconstructed"_s);
        QCOMPARE(verdictBasisKey(static_cast<VerdictBasis>(99)), QString());
    }

    // What the verdict says its baseline rests on and the chart's legend for the same staircase: the evidence
    // of the n oldest held connections, each key once, in order of first appearance.
    void evidenceOfTheOldest()
    {
        Reconstruction r;
        auto held = [](int pid, qint64 sinceMs, HeldEvidence evidence) {
            HeldConnection h;
            h.pid = pid;
            h.sinceMs = sinceMs;
            h.evidence = evidence;
            return h;
        };
        QCOMPARE(r.evidence(), QString());
        r.held = { held(1, 100, HeldEvidence::AcquiredAt), held(2, 200, HeldEvidence::StateChange),
            held(3, 300, HeldEvidence::AcquiredAt), held(4, 400, HeldEvidence::XactStart) };
        QCOMPARE(r.evidence(1), u"acquired_at"_s);
        QCOMPARE(r.evidence(3), u"acquired_at/state_change"_s);
        QCOMPARE(r.evidence(), u"acquired_at/state_change/xact_start"_s);
        QCOMPARE(r.evidence(99), u"acquired_at/state_change/xact_start"_s);
        QCOMPARE(r.evidence(0), QString());
    }

    void reconstruct_data()
    {
        QTest::addColumn<QList<Row>>("rows");
        QTest::addColumn<double>("poolIdle");
        QTest::addColumn<QList<HeldSince>>("holders"); // sinceMs here: seconds before the server's now
        QTest::addColumn<double>("skewSeconds"); // server clock − PoolScope's clock
        QTest::addColumn<bool>("serverTimeKnown");
        QTest::addColumn<QList<Held>>("expected"); // oldest first

        const double nan = qQNaN();
        const auto idle = u"idle"_s;
        const auto inTx = u"idle in transaction"_s;
        const auto aborted = u"idle in transaction (aborted)"_s;
        const auto active = u"active"_s;
        const auto sc = HeldEvidence::StateChange;

        QTest::addRow("idle since hours, oldest first")
            << QList<Row> { { 3, idle, 3600 }, { 1, idle, 3 * 3600 }, { 2, idle, 3 * 3600 } } << nan
            << QList<HeldSince> {} << 0.0 << true
            << QList<Held> { { 1, 3 * 3600, sc }, { 2, 3 * 3600, sc }, { 3, 3600, sc } };
        QTest::addRow("idle in transaction: since xact_start")
            << QList<Row> { { 7, inTx, 600, 7200, 5400 }, { 8, aborted, 60, 7200, 90 } } << nan << QList<HeldSince> {}
            << 0.0 << true << QList<Held> { { 7, 5400, HeldEvidence::XactStart }, { 8, 90, HeldEvidence::XactStart } };
        QTest::addRow("in transaction without xact_start: state_change")
            << QList<Row> { { 7, inTx, 600, 7200, -1 } } << nan << QList<HeldSince> {} << 0.0 << true
            << QList<Held> { { 7, 600, sc } };
        QTest::addRow("not held: active, withheld, no state_change, too young") << QList<Row> {
            { 1, active, 3600 }, { 2, idle, 3600, 7200, -1, true }, { 3, idle, -1 }, { 4, idle, 5 }, { 5, idle, 11 }
        } << nan << QList<HeldSince> {} << 0.0 << true << QList<Held> { { 5, 11, sc } };
        QTest::addRow("the pool's own idle ones are the youngest plain idle")
            << QList<Row> { { 1, idle, 3600 }, { 2, idle, 40 }, { 3, idle, 50 }, { 4, inTx, 20, 7200, 30 },
                   { 5, idle, 3600 } }
            << 2.0 << QList<HeldSince> {} << 0.0 << true
            << QList<Held> { { 1, 3600, sc }, { 5, 3600, sc }, { 4, 30, HeldEvidence::XactStart } };
        QTest::addRow("holders: acquired_at, whatever the state, never before backend_start")
            << QList<Row> { { 1, active, 2 }, { 2, idle, 3600, 1800 }, { 3, idle, 3600 } } << 1.0
            << QList<HeldSince> { { 1, 7200 }, { 2, 9000 } } << 0.0 << true
            << QList<Held> { { 1, 7200, HeldEvidence::AcquiredAt }, { 2, 1800, HeldEvidence::AcquiredAt } };
        QTest::addRow("server clock 1 h ahead: shifted onto ours")
            << QList<Row> { { 1, idle, 600 } } << nan << QList<HeldSince> {} << 3600.0 << true
            << QList<Held> { { 1, 600, sc } };
        QTest::addRow("server clock 10 min behind: shifted onto ours")
            << QList<Row> { { 1, idle, 600 }, { 2, inTx, 30, 900, 120 } } << nan << QList<HeldSince> {} << -600.0
            << true << QList<Held> { { 1, 600, sc }, { 2, 120, HeldEvidence::XactStart } };
        QTest::addRow("no server time: our clock") << QList<Row> { { 1, idle, 600 } } << nan << QList<HeldSince> {}
                                                   << 0.0 << false << QList<Held> { { 1, 600, sc } };
    }

    void reconstruct()
    {
        QFETCH(QList<Row>, rows);
        QFETCH(double, poolIdle);
        QFETCH(QList<HeldSince>, holders);
        QFETCH(double, skewSeconds);
        QFETCH(bool, serverTimeKnown);
        QFETCH(QList<Held>, expected);

        ReconstructionInput input;
        input.target = u"web"_s;
        input.localMs = kLocal;
        const qint64 serverNow = kLocal + static_cast<qint64>(std::llround(skewSeconds * 1000.0));
        input.serverNowMs = serverTimeKnown ? serverNow : kNoTime;
        input.backends = backendsOf(rows, serverNow);
        input.poolIdle = poolIdle;
        for (HeldSince h : holders) {
            h.sinceMs = serverNow - h.sinceMs * 1000;
            input.holders.append(h);
        }
        const Reconstruction r = reconstructHistory(input);

        QCOMPARE(r.atMs, kLocal);
        QCOMPARE(r.clockOffsetMs, serverTimeKnown ? -static_cast<qint64>(skewSeconds * 1000) : 0);
        QCOMPARE(r.held.size(), expected.size());
        for (qsizetype i = 0; i < expected.size(); ++i) {
            const HeldConnection& h = r.held[i];
            QCOMPARE(h.pid, expected[i].pid);
            QCOMPARE(h.sinceMs, kLocal - static_cast<qint64>(std::llround(expected[i].ago * 1000.0)));
            QCOMPARE(h.heldSeconds, expected[i].ago);
            QCOMPARE(h.evidence, expected[i].evidence);
        }
    }

    void staircase()
    {
        const Reconstruction r = heldFor({ 3600, 3600, 60 });
        QCOMPARE(r.countAt(kLocal - 7200'000), 0);
        QCOMPARE(r.countAt(kLocal - 3600'000), 2);
        QCOMPARE(r.countAt(kLocal - 61'000), 2);
        QCOMPARE(r.countAt(kLocal), 3);
        QCOMPARE(r.heldSinceMs(2), kLocal - 3600'000);
        QCOMPARE(r.heldSinceMs(3), kLocal - 60'000);
        QCOMPARE(r.heldSinceMs(4), 0);
        using Corners = std::vector<std::pair<qint64, int>>;
        QCOMPARE(r.staircase(),
            (Corners { { kLocal - 3600'000, 0 }, { kLocal - 3600'000, 2 }, { kLocal - 60'000, 2 },
                { kLocal - 60'000, 3 }, { kLocal, 3 } }));
        QCOMPARE(r.staircase(2), (Corners { { kLocal - 3600'000, 0 }, { kLocal - 3600'000, 2 }, { kLocal, 2 } }));
        QVERIFY(Reconstruction {}.staircase().empty());
    }

    void firstPollVerdict_data()
    {
        QTest::addColumn<QList<double>>("heldAgo"); // seconds before the first snapshot
        QTest::addColumn<double>("skewSeconds");
        QTest::addColumn<double>("liveSeconds");
        QTest::addColumn<double>("level");
        QTest::addColumn<double>("riseAt"); // one more from this poll on (-1: never)
        QTest::addColumn<double>("leakPerMinute");
        QTest::addColumn<VerdictKind>("kind");
        QTest::addColumn<VerdictBasis>("basis");
        QTest::addColumn<double>("baselineAge"); // at the newest poll; NaN: none

        const double nan = qQNaN();
        const QList<double> seed = repeated(15, 3 * 3600 + 12 * 60);
        QTest::addRow("the seed: 15 held 3 h 12 m, 5 s watched")
            << seed << 0.0 << 5.0 << 15.0 << -1.0 << 0.0 << VerdictKind::Stable << VerdictBasis::Reconstructed
            << 3 * 3600 + 12 * 60 + 5.0;
        QTest::addRow("first poll alone") << seed << 0.0 << 0.0 << 15.0 << -1.0 << 0.0 << VerdictKind::Stable
                                          << VerdictBasis::Reconstructed << 3 * 3600 + 12 * 60.0;
        QTest::addRow("server clock 2 h behind") << seed << -7200.0 << 5.0 << 15.0 << -1.0 << 0.0 << VerdictKind::Stable
                                                 << VerdictBasis::Reconstructed << 3 * 3600 + 12 * 60 + 5.0;
        QTest::addRow("held 25 s: young but older than the watch")
            << repeated(4, 25) << 0.0 << 5.0 << 4.0 << -1.0 << 0.0 << VerdictKind::Stable << VerdictBasis::Reconstructed
            << 30.0;
        QTest::addRow("held 12 s: too young to tell")
            << repeated(4, 12) << 0.0 << 5.0 << 4.0 << -1.0 << 0.0 << VerdictKind::Unknown << VerdictBasis::Live << nan;
        QTest::addRow("fewer held than the discrepancy") << repeated(10, 3600) << 0.0 << 5.0 << 15.0 << -1.0 << 0.0
                                                         << VerdictKind::Unknown << VerdictBasis::Live << nan;
        QTest::addRow("extra held ones beyond the discrepancy: the oldest")
            << (repeated(3, 3600) + repeated(2, 30)) << 0.0 << 5.0 << 3.0 << -1.0 << 0.0 << VerdictKind::Stable
            << VerdictBasis::Reconstructed << 3605.0;
        QTest::addRow("a leak's pace: one a minute, the last 40 s ago")
            << QList<double> { 580, 520, 460, 400, 340, 280, 220, 160, 100, 40 } << 0.0 << 5.0 << 10.0 << -1.0 << 0.0
            << VerdictKind::Unknown << VerdictBasis::Live << nan;
        QTest::addRow("a leak that stopped 20 min ago")
            << QList<double> { 1740, 1680, 1620, 1560, 1500, 1440, 1380, 1320, 1260, 1200 } << 0.0 << 5.0 << 10.0
            << -1.0 << 0.0 << VerdictKind::Stable << VerdictBasis::Reconstructed << 1205.0;
        QTest::addRow("too slow to be a leak: one every 3 h")
            << QList<double> { 4 * 10800, 3 * 10800, 2 * 10800, 10800 } << 0.0 << 5.0 << 4.0 << -1.0 << 0.0
            << VerdictKind::Stable << VerdictBasis::Reconstructed << 10805.0;
        QTest::addRow("growth after the start: one more held while watching")
            << seed << 0.0 << 8.0 << 15.0 << 3.0 << 0.0 << VerdictKind::Unknown << VerdictBasis::Live << nan;
        QTest::addRow("no discrepancy") << seed << 0.0 << 5.0 << 0.0 << -1.0 << 0.0 << VerdictKind::Unknown
                                        << VerdictBasis::Live << nan;
        QTest::addRow("growth watched live overrides the reconstruction")
            << seed << 0.0 << 300.0 << 15.0 << -1.0 << 2.0 << VerdictKind::Growing << VerdictBasis::Live << nan;
        QTest::addRow("flat watched live: the baseline's age goes back further")
            << seed << 0.0 << 300.0 << 15.0 << -1.0 << 0.0 << VerdictKind::Stable << VerdictBasis::LiveAndReconstructed
            << 3 * 3600 + 12 * 60 + 300.0;
    }

    void firstPollVerdict()
    {
        QFETCH(QList<double>, heldAgo);
        QFETCH(double, skewSeconds);
        QFETCH(double, liveSeconds);
        QFETCH(double, level);
        QFETCH(double, riseAt);
        QFETCH(double, leakPerMinute);
        QFETCH(VerdictKind, kind);
        QFETCH(VerdictBasis, basis);
        QFETCH(double, baselineAge);

        const Reconstruction r = heldFor(heldAgo, skewSeconds);
        const TargetHistory history = livePolls(liveSeconds, level, riseAt, leakPerMinute);
        VerdictOptions options;
        options.targetName = u"web"_s;
        options.reconstruction = &r;
        const Verdict v = computeVerdict(history, kLocal, kLocal + static_cast<qint64>(liveSeconds * 1000), options);
        QVERIFY2(v.kind == kind, qPrintable(v.text()));
        QCOMPARE(v.basis, basis);
        QCOMPARE(v.reconstructed(), basis != VerdictBasis::Live);
        if (std::isnan(baselineAge)) {
            QVERIFY(std::isnan(v.baselineAgeSeconds));
            QCOMPARE(v.baselineSinceMs, 0);
            return;
        }
        QCOMPARE(v.baselineAgeSeconds, baselineAge);
        QCOMPARE(v.baselineCount, static_cast<int>(level));
        QCOMPARE(v.baselineEvidence, u"state_change"_s);
        QVERIFY2(v.text().contains(u"%1 connections held unchanged for at least "_s.arg(level)), qPrintable(v.text()));
        QVERIFY2(v.text().contains(u"reconstructed from state_change"_s), qPrintable(v.text()));
    }

    void firstPollText()
    {
        const Reconstruction r = heldFor(repeated(15, 3 * 3600 + 12 * 60));
        VerdictOptions options;
        options.targetName = u"web"_s;
        options.reconstruction = &r;
        const Verdict v = computeVerdict(livePolls(5, 15), kLocal, kLocal + 5000, options);
        QCOMPARE(v.text(),
            u"web: 15 connections held unchanged for at least 3 h 12 m: a stable baseline (reconstructed from "
            "state_change at the first poll; watched 5 s, 6 polls, no growth seen); not a leak."_s);
        QCOMPARE(verdictBasisKey(v.basis), u"reconstructed"_s);
    }
};

QTEST_GUILESS_MAIN(TestReconstruction)
#include "tst_reconstruction.moc"
