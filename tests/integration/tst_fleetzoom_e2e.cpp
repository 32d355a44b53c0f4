// Issue 13, "any range on zoom-out": a real Prometheus (Debian's `prometheus`) on a store built with
// `promtool tsdb create-blocks-from openmetrics` (one service, three replicas, 8 days at 5 min). A window opened
// on the last 24 h and zoomed out to 7 days fetches the older span: the session's oldest point moves back to
// ~7 days ago with the values Prometheus holds, at the step fitted to the chart's pixels for the new range;
// what was held stays as it was; several zoom-outs in a row make one fetch; a failure says why and loses
// nothing. A third replica, gone 3 days ago, is not added to the window: its points count in the sum and an
// event names it.
#include "FleetChecks.h"
#include "MainWindow.h"
#include "PrometheusServer.h"
#include "TimelinePane.h"
#include "analysis/Diagnosis.h"
#include "fleet/HistoryZoom.h"
#include "fleet/PromQuery.h"
#include "fleet/PrometheusClient.h"
#include "fleet/ServiceLoader.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

namespace {

constexpr qint64 kStoreStepS = 300; // every step a fitted range query can take (600 s on) lands on samples
constexpr qint64 kFollowStepS = 600; // the step the window opens (and follows) at
constexpr qint64 kDayMs = 86'400'000;

double checkedOutAt(int replica, qint64 tS)
{
    return 10 + replica + static_cast<double>((tS / kStoreStepS) % 11);
}

// Replica 2 reported until 3 days ago only: it is not in the last 24 h the window opens on.
constexpr int kDeparted = 2;
constexpr qint64 kDepartedAtS(qint64 endS)
{
    return endS - 3 * 86'400;
}

QString replicaName(int replica)
{
    return u"svc-%1"_s.arg(replica);
}

bool writeStore(const QString& path, qint64 endS)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    QByteArray text;
    const char* families[]
        = { "poolscope_target_up", "poolscope_checked_out", "poolscope_tracked", "poolscope_pool_max" };
    for (const char* family : families) {
        text += "# TYPE "_ba + family + " gauge\n";
        for (int r = 0; r < 3; ++r) {
            const QByteArray labels = "{service=\"svc\",target=\"" + replicaName(r).toUtf8() + "\",instance=\"10.0.0."
                + QByteArray::number(r) + ":9478\",job=\"poolscope\"} ";
            const qint64 lastS = r == kDeparted ? kDepartedAtS(endS) : endS;
            for (qint64 t = endS - 8 * 86'400; t <= lastS; t += kStoreStepS) {
                double value = 20;
                if (qstrcmp(family, "poolscope_target_up") == 0)
                    value = 1;
                else if (qstrcmp(family, "poolscope_checked_out") == 0)
                    value = checkedOutAt(r, t);
                else if (qstrcmp(family, "poolscope_tracked") == 0)
                    value = 8 + r;
                text += family + labels + QByteArray::number(value) + ' ' + QByteArray::number(t) + '\n';
            }
        }
    }
    text += "# EOF\n";
    return file.write(text) == text.size();
}

} // namespace

class TestFleetZoomE2e : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_endS = (QDateTime::currentSecsSinceEpoch() - 60) / kStoreStepS * kStoreStepS;
        const QString text = m_dir.filePath(u"fleet.om"_s);
        QVERIFY(writeStore(text, m_endS));
        QProcess promtool;
        promtool.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        promtool.setStandardOutputFile(QProcess::nullDevice());
        promtool.start(
            u"promtool"_s, { u"tsdb"_s, u"create-blocks-from"_s, u"openmetrics"_s, text, m_dir.filePath(u"data"_s) });
        QVERIFY(promtool.waitForFinished(5 * 60'000));
        // Its stderr is above. It preallocates each chunk file (512 MiB), so it fails on a nearly full disk.
        QVERIFY2(promtool.exitStatus() == QProcess::NormalExit && promtool.exitCode() == 0,
            qPrintable(u"promtool tsdb create-blocks-from openmetrics exited with %1; %2 MiB free in %3"_s
                           .arg(promtool.exitCode())
                           .arg(QStorageInfo(m_dir.path()).bytesAvailable() / (1024 * 1024))
                           .arg(m_dir.path())));
        QString error;
        QVERIFY2(m_prometheus.start({}, &error, m_dir.filePath(u"data"_s), 5 * 60'000), qPrintable(error));
        PrometheusConfig config;
        config.url = m_prometheus.url();
        config.timeoutMs = 60'000;
        m_client = std::make_unique<PrometheusClient>(config);
    }

    void cleanupTestCase() { m_prometheus.stop(); }

    // A request reaching further back while a fetch is in flight supersedes it: that answer is dropped, the
    // newer span fetched, and the histories swapped once. A row following added meanwhile is kept, once.
    void aNewerRequestSupersedes()
    {
        const qint64 now = m_endS * 1000;
        std::unique_ptr<Session> session = openLast24h();
        QVERIFY(session);
        HistoryZoom zoom(m_client.get(), Workspace {}, session.get(), u"svc"_s, kFollowStepS);
        QSignalSpy replaced(session.get(), &Session::historyReplaced);
        // The 7-day request comes the moment the 3-day fetch starts: before its answer can land.
        connect(&zoom, &HistoryZoom::statusChanged, this, [&zoom, now](const QString& status) {
            if (status.startsWith(u"Fetching"_s) && zoom.fetchCount() == 1)
                zoom.request(now - 7 * kDayMs, now, 1000);
        });
        zoom.request(now - 3 * kDayMs, now, 1000);
        Sample followed;
        followed.target = replicaName(0);
        followed.timestampMs = now + kFollowStepS * 1000;
        followed.metrics.set(Metric::CheckedOut, 42);
        session->addSample(followed);
        QTRY_COMPARE_WITH_TIMEOUT(replaced.count(), 1, 120'000);
        QTRY_VERIFY_WITH_TIMEOUT(!zoom.isBusy(), 30'000);
        QCOMPARE(zoom.fetchCount(), 2);
        QCOMPARE(replaced.count(), 1);
        const qint64 step = promquery::fitStepSeconds(7 * kDayMs, 1000, kFollowStepS);
        const TargetHistory& h = session->target(session->targetIndex(replicaName(0))).history;
        QVERIFY(h.times().front() <= now - 7 * kDayMs + step * 1000);
        QCOMPARE(h.times().back(), followed.timestampMs);
        QCOMPARE(h.column(Metric::CheckedOut).back(), 42.0);
        QVERIFY(h.times()[h.size() - 2] < followed.timestampMs);
    }

    void zoomingOutToSevenDaysFetchesTheOlderSpan()
    {
        const qint64 now = m_endS * 1000;
        std::unique_ptr<Session> opened = openLast24h();
        QVERIFY(opened);
        Session& session = *opened;
        QCOMPARE(session.targetCount(), 3); // the sum, the two replicas of the last 24 h
        const int r1 = session.targetIndex(replicaName(1));
        QVERIFY(r1 > 0);
        const std::vector<qint64> heldTimes(
            session.target(r1).history.times().begin(), session.target(r1).history.times().end());
        const std::vector<double> heldValues(session.target(r1).history.column(Metric::CheckedOut).begin(),
            session.target(r1).history.column(Metric::CheckedOut).end());
        QVERIFY(heldTimes.size() > 100);
        QVERIFY(heldTimes.front() >= now - kDayMs - kFollowStepS * 1000); // the start aligned down to the step

        ViewState view;
        Diagnosis diagnosis(&session, &view);
        MainWindow window(&session, &view, &diagnosis);
        HistoryZoom zoom(m_client.get(), Workspace {}, &session, u"svc"_s, kFollowStepS);
        connect(&view, &ViewState::requestedRangeChanged, &zoom, &HistoryZoom::request);
        QSignalSpy replaced(&session, &Session::historyReplaced);
        QSignalSpy status(&zoom, &HistoryZoom::statusChanged);
        QSignalSpy analysed(&diagnosis, &Diagnosis::updated);
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // Several zoom-outs in a row: 3 days, 24 h, then 7 days, in one go; one fetch, for 7 days.
        view.setRequestedRange(now - 3 * kDayMs, now, 1000);
        QComboBox* range = window.timelinePane()->rangeBox();
        range->setCurrentIndex(range->findText(u"24 h"_s));
        range->setCurrentIndex(range->findText(u"7 days"_s));
        QCOMPARE(view.requestedToMs() - view.requestedFromMs(), 7 * kDayMs);
        QTRY_COMPARE_WITH_TIMEOUT(replaced.count(), 1, 120'000);
        const int pixels = view.requestedPixels(); // the chart's columns (its layout may have settled meanwhile)
        QVERIFY(pixels > 100);
        QVERIFY(!zoom.isBusy());
        QCOMPARE(zoom.fetchCount(), 1);
        QVERIFY(!status.isEmpty());
        QVERIFY(status.first().first().toString().startsWith(u"Fetching older history of svc"_s));
        QCOMPARE(status.last().at(1).toBool(), false);
        QVERIFY(zoom.status().isEmpty());

        // The oldest point is ~7 days ago, every older row one fitted step apart, with Prometheus's values.
        const qint64 step = promquery::fitStepSeconds(7 * kDayMs, pixels, kFollowStepS);
        QVERIFY(step > kFollowStepS); // coarser than the 24 h backfill: 7 days are not fetched at its step
        const TargetHistory& h = session.target(r1).history;
        QVERIFY(h.times().front() <= now - 7 * kDayMs + step * 1000);
        QVERIFY(h.times().front() >= now - 7 * kDayMs - step * 1000);
        QCOMPARE(session.firstTimestampMs(), std::min(h.times().front(), session.target(0).history.times().front()));
        const std::size_t olderRows = h.size() - heldTimes.size();
        QVERIFY2(olderRows >= std::size_t(6 * kDayMs / (step * 1000) - 1), qPrintable(QString::number(olderRows)));
        for (std::size_t row = 0; row < olderRows; ++row) {
            QVERIFY(h.ok(row));
            QCOMPARE(h.column(Metric::CheckedOut)[row], checkedOutAt(1, h.times()[row] / 1000));
            QCOMPARE(h.column(Metric::Tracked)[row], 9.0);
            if (row > 0)
                QCOMPARE(h.times()[row] - h.times()[row - 1], step * 1000);
        }
        // The seam: no point twice, no gap wider than the older step.
        QVERIFY(h.times()[olderRows - 1] < heldTimes.front());
        QVERIFY(heldTimes.front() - h.times()[olderRows - 1] <= step * 1000);
        // What was held is unchanged.
        for (std::size_t row = 0; row < heldTimes.size(); ++row) {
            QCOMPARE(h.times()[olderRows + row], heldTimes[row]);
            QCOMPARE(h.column(Metric::CheckedOut)[olderRows + row], heldValues[row]);
        }
        // The sum too (with the departed replica's points while it reported), and the analysis ran again on the
        // wider history.
        const TargetHistory& sum = session.target(0).history;
        QCOMPARE(sum.times().front(), h.times().front());
        QCOMPARE(sum.column(Metric::CheckedOut)[0],
            checkedOutAt(0, sum.times()[0] / 1000) + h.column(Metric::CheckedOut)[0]
                + checkedOutAt(kDeparted, sum.times()[0] / 1000));
        // The departed replica has no row of its own (the window's replicas are fixed when it opens): an event says
        // so, once.
        QCOMPARE(session.targetIndex(replicaName(kDeparted)), -1);
        QCOMPARE(session.targetCount(), 3);
        qsizetype told = 0;
        for (const Event& e : session.events()) {
            if (e.source == replicaName(kDeparted)) {
                ++told;
                QVERIFY2(e.message.startsWith(u"replica svc-2 of svc reported to Prometheus in the older span only"_s),
                    qPrintable(e.message));
                QVERIFY2(e.message.endsWith(u"its points count in svc (all replicas)"_s), qPrintable(e.message));
            }
        }
        QCOMPARE(told, 1);
        QTRY_VERIFY_WITH_TIMEOUT(analysed.count() > 0, 30'000);
        // The chart draws the 7 days (from its range's start: the oldest row is up to a step before it).
        QTRY_VERIFY_WITH_TIMEOUT(view.visibleFromMs() <= h.times().front() + step * 1000, 30'000);

        // A Prometheus that does not answer: the reason, as an event and the status; nothing shown is lost.
        PrometheusConfig deadConfig;
        deadConfig.url = u"http://127.0.0.1:%1"_s.arg(freeLoopbackPort());
        deadConfig.timeoutMs = 10'000;
        PrometheusClient dead(deadConfig);
        HistoryZoom failing(&dead, Workspace {}, &session, u"svc"_s, kFollowStepS);
        const std::size_t rows = h.size();
        const qsizetype events = session.events().size();
        QSignalSpy failingStatus(&failing, &HistoryZoom::statusChanged);
        failing.request(now - 8 * kDayMs, now, pixels);
        QTRY_VERIFY_WITH_TIMEOUT(failing.status().startsWith(u"cannot fetch older history: "_s), 60'000);
        QVERIFY(!failing.isBusy());
        QCOMPARE(failingStatus.last().at(1).toBool(), true); // a failure, not progress
        QCOMPARE(failingStatus.first().at(1).toBool(), false); // "Fetching…"
        QCOMPARE(session.events().size(), events + 1);
        QVERIFY(session.events().last().message.startsWith(u"cannot fetch older history: "_s));
        QCOMPARE(session.target(r1).history.size(), rows);
        QCOMPARE(replaced.count(), 1);
    }

private:
    // A service opened as FleetLauncher opens it: the last 24 h at the follow step.
    std::unique_ptr<Session> openLast24h()
    {
        const qint64 now = m_endS * 1000;
        const auto loaded
            = loadService(*m_client, u"svc"_s, now - ServiceLoader::kDefaultRangeMs, now, 0, kFollowStepS);
        if (!loaded || !loaded->first) {
            qWarning("cannot open svc: %s", loaded ? qPrintable(loaded->second) : "no answer");
            return nullptr;
        }
        auto session = std::make_unique<Session>(loaded->first->workspace);
        session->adopt(std::move(loaded->first->content));
        return session;
    }

    QTemporaryDir m_dir;
    PrometheusServer m_prometheus;
    std::unique_ptr<PrometheusClient> m_client;
    qint64 m_endS = 0;
};

QTEST_MAIN(TestFleetZoomE2e)
#include "tst_fleetzoom_e2e.moc"
