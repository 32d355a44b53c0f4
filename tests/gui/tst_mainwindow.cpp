#include "MainWindow.h"
#include "SyntheticWorkspace.h"
#include "TimelineChart.h"
#include "models/BackendsModel.h"
#include "models/Format.h"
#include "store/Session.h"

#include <QAbstractItemView>
#include <QAction>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QImage>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QTest>

#include <cmath>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kSecond = 1000;
constexpr qint64 kMinute = 60 * kSecond;
constexpr int kSamples = 200;
constexpr int kFailedSample = 160; // inside the 5 min window: web's lines break in two
constexpr int kWithheldPid = 9999;

Workspace makeWorkspace()
{
    Workspace ws = test::syntheticWorkspace(
        { u"web"_s, u"worker_odds"_s, u"worker_settlement"_s }, u"http://127.0.0.1:8000/health/detailed"_s);
    ws.path = u"/tmp/incident-2024-05.json"_s;
    return ws;
}

Sample sample(const QString& target, qint64 t, double checkedOut, double tracked)
{
    Sample s;
    s.target = target;
    s.timestampMs = t;
    s.latencyMs = 12;
    s.metrics.set(Metric::CheckedOut, checkedOut);
    s.metrics.set(Metric::Tracked, tracked);
    s.metrics.set(Metric::Discrepancy, checkedOut - tracked);
    s.metrics.set(Metric::PoolSize, checkedOut + 4);
    s.metrics.set(Metric::PoolMax, 50);
    return s;
}

Sample failure(const QString& target, qint64 t, const QString& reason)
{
    Sample s;
    s.target = target;
    s.timestampMs = t;
    s.error = reason;
    return s;
}

Backend backend(int pid, const QString& app, const QString& state, qint64 now, qint64 backendStart, qint64 inStateAgo)
{
    Backend b;
    b.pid = pid;
    b.datname = u"app"_s;
    b.usename = u"app_user"_s;
    b.applicationName = app;
    b.clientAddr = u"10.0.3.%1"_s.arg(pid % 200);
    b.clientPort = 40000 + pid;
    b.backendType = u"client backend"_s;
    b.backendStartMs = backendStart;
    b.stateChangeMs = now - inStateAgo;
    b.queryStartMs = now - inStateAgo - 40;
    b.state = state;
    if (state.startsWith(u"idle in transaction"))
        b.xactStartMs = now - inStateAgo - 2 * kSecond;
    if (state == u"active")
        b.xactStartMs = b.queryStartMs;
    b.query = state == u"active" ? u"SELECT o.id, o.price\n  FROM odds o\n WHERE o.event_id = $1"_s : u"SELECT 1"_s;
    if (state == u"idle")
        b.waitEventType = u"Client"_s, b.waitEvent = u"ClientRead"_s;
    return b;
}

// A pg_stat_activity read at `now`: 15 idle "web" connections held since startup (the untracked ones),
// a few busy ones, the workers, one idle-in-transaction and one withheld row. `tick` varies a few rows.
ActivitySnapshot snapshotAt(qint64 now, qint64 start, int tick)
{
    ActivitySnapshot s;
    s.database = u"main"_s;
    s.timestampMs = now;
    s.serverTimeMs = now;
    s.latencyMs = 4;
    for (int i = 0; i < 15; ++i)
        s.backends.append(backend(1000 + i, u"web"_s, u"idle"_s, now, start - 3 * kMinute, now - start + kMinute));
    for (int i = 0; i < 2; ++i)
        s.backends.append(backend(1100 + i + (tick % 3) * 2, u"web"_s, u"active"_s, now, start + tick * kSecond, 300));
    for (int i = 0; i < 4; ++i)
        s.backends.append(backend(2000 + i, u"worker_odds"_s, i == 0 ? u"active"_s : u"idle"_s, now,
            start - 12 * kMinute, (i + 1) * 7 * kSecond));
    s.backends.append(backend(3000, u"worker_settlement"_s, u"idle in transaction"_s, now, start - 9 * kMinute,
        90 * kSecond + tick * kSecond));
    Backend hidden;
    hidden.pid = kWithheldPid;
    hidden.usename = u"postgres"_s;
    hidden.withheld = true;
    s.backends.append(hidden);
    return s;
}

int proxyRowOfPid(const QAbstractItemModel* model, int pid)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, 0).data(BackendsModel::PidRole).toInt() == pid)
            return row;
    }
    return -1;
}

int currentPid(QAbstractItemView* view)
{
    const QModelIndex current = view->selectionModel()->currentIndex();
    return current.isValid() ? current.data(BackendsModel::PidRole).toInt() : -1;
}
} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void window()
    {
        Session session(makeWorkspace());
        MainWindow window(&session);
        QCOMPARE(window.windowTitle(), u"PoolScope — incident-2024-05.json"_s);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        TimelineChart* chart = window.chart();
        QVERIFY(chart);

        // Before any data: the empty state names the target.
        QCOMPARE(window.selectedTarget(), 0);
        QCOMPARE(chart->overlayText(), u"Waiting for the first poll of web…"_s);
        QCOMPARE(chart->pointCount(), 0);

        // ~200 polls every 2 s, the newest now; one failed poll of web; worker_settlement failing at the end.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 start = now - (kSamples - 1) * 2 * kSecond;
        for (int i = 0; i < kSamples; ++i) {
            const qint64 t = start + i * 2 * kSecond;
            const double wave = std::sin(i / 9.0);
            if (i == kFailedSample)
                session.addSample(failure(u"web"_s, t, u"timeout after 2000 ms"_s));
            else
                session.addSample(sample(u"web"_s, t, std::round(16 + 2 * wave + (i > 120 ? 1 : 0)),
                    std::max(0.0, std::round(1 + 1.5 * wave))));
            session.addSample(sample(u"worker_odds"_s, t + 300, 4, 3));
            if (i < kSamples - 3)
                session.addSample(sample(u"worker_settlement"_s, t + 600, 2, 1));
            else
                session.addSample(failure(u"worker_settlement"_s, t + 600, u"connection refused"_s));
            if (i % 5 == 0)
                session.addSnapshot(snapshotAt(t + 900, start, i / 5));
        }

        // The chart: points, and the failed poll splits web's lines in two.
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() > 0, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(chart->segmentCount(TimelineChart::Series::CheckedOut), 2, 5000);
        QCOMPARE(chart->segmentCount(TimelineChart::Series::Discrepancy), 2);
        QVERIFY(chart->segmentCount(TimelineChart::Series::Backends) >= 1);
        QCOMPARE(chart->overlayText(), QString());
        // 5 min window ending at the newest data; decimation keeps it to a few points per pixel.
        QCOMPARE(chart->visibleEndMs() - chart->visibleStartMs(), 5 * kMinute);
        QVERIFY(chart->pointCount() <= 4 * 12 * (chart->width() + 2));

        // Hover read-out of the newest web sample.
        const QString readout = chart->readoutText(start + (kSamples - 1) * 2 * kSecond);
        QVERIFY2(readout.contains(u"Checked out: "_s) && readout.contains(u"Discrepancy: "_s), qPrintable(readout));
        QVERIFY2(chart->readoutText(start + kFailedSample * 2 * kSecond).contains(u"poll failed"_s),
            qPrintable(chart->readoutText(start + kFailedSample * 2 * kSecond)));

        // Hovering the plot shows the read-out; leaving hides it.
        const QRect plot = chart->plotRect();
        QVERIFY(plot.width() > 100 && plot.height() > 100);
        QWidget* viewport = chart->findChild<QChartView*>()->viewport();
        QTest::mouseMove(viewport, viewport->mapFrom(chart, plot.center() + QPoint(plot.width() / 4, 0)));
        QTRY_VERIFY_WITH_TIMEOUT(chart->hoverText().contains(u"Checked out: <b>"_s), 2000);
        const QImage hovered = window.renderToImage();
        QVERIFY(hovered.save(u"/tmp/poolscope-mainwindow-hover.png"_s));
        QTest::mouseMove(viewport, viewport->mapFrom(chart, plot.topLeft() - QPoint(20, 20)));
        QTRY_COMPARE_WITH_TIMEOUT(chart->hoverText(), QString(), 2000);

        // The status bar: last poll, counts, the newest error in red.
        QTRY_VERIFY_WITH_TIMEOUT(window.statusText().contains(u"2 targets ok, 1 failing"_s), 2000);
        QVERIFY2(window.statusText().startsWith(u"Last poll "_s), qPrintable(window.statusText()));
        QVERIFY(window.statusText().contains(u"1 database ok"_s));
        QCOMPARE(window.errorText(), u"worker_settlement: connection refused"_s);

        // The backends table.
        QAbstractItemView* view = window.backendsView();
        QAbstractItemModel* rows = view->model();
        const int total = snapshotAt(now, start, 0).backends.size();
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), total, 2000);
        const int withheldRow = proxyRowOfPid(rows, kWithheldPid);
        QVERIFY(withheldRow >= 0);
        QCOMPARE(
            rows->index(withheldRow, BackendsModel::State).data().toString(), u"withheld (insufficient privilege)"_s);

        // The filter box filters every column, case-insensitively.
        window.backendsFilter()->setText(u"WORKER_ODDS"_s);
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), 4, 2000);
        window.backendsFilter()->setText(u"idle in trans"_s);
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), 1, 2000);
        QCOMPARE(rows->index(0, 0).data(BackendsModel::PidRole).toInt(), 3000);
        window.backendsFilter()->clear();
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), total, 2000);

        // "Only web's application".
        QVERIFY(window.onlySelectedApplication()->text().contains(u"web"_s));
        window.onlySelectedApplication()->setChecked(true);
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), 17, 2000);
        window.onlySelectedApplication()->setChecked(false);
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), total, 2000);

        // A snapshot update keeps the selection on the same backend, though rows come and go.
        const int pickedRow = proxyRowOfPid(rows, 3000);
        view->selectionModel()->setCurrentIndex(
            rows->index(pickedRow, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(currentPid(view), 3000);
        const qint64 later = now + 2 * kSecond;
        session.addSnapshot(snapshotAt(later, start, 1000 + 1)); // other active pids than the last tick
        QCOMPARE(currentPid(view), 3000);
        QCOMPARE(view->selectionModel()->selectedRows().size(), 1);
        QCOMPARE(view->selectionModel()->selectedRows().at(0).data(BackendsModel::PidRole).toInt(), 3000);

        // Pause freezes the window while data keeps arriving; Follow resumes.
        window.pauseAction()->trigger();
        QVERIFY(chart->isPaused());
        const qint64 frozenEnd = chart->visibleEndMs();
        for (int i = 0; i < 5; ++i)
            session.addSample(sample(u"web"_s, later + i * 2 * kSecond, 18, 2));
        chart->refresh();
        QCOMPARE(chart->visibleEndMs(), frozenEnd);
        QVERIFY(window.followAction()->isEnabled());
        window.followAction()->trigger();
        QVERIFY(!chart->isPaused());
        QTRY_VERIFY_WITH_TIMEOUT(chart->visibleEndMs() > frozenEnd, 2000);

        // Ranges.
        window.rangeBox()->setCurrentText(u"All"_s);
        QCOMPARE(chart->visibleStartMs(), session.firstTimestampMs());
        window.rangeBox()->setCurrentText(u"5 min"_s);
        QCOMPARE(chart->visibleEndMs() - chart->visibleStartMs(), 5 * kMinute);

        // A failing target shows why.
        window.selectTarget(2);
        QTRY_VERIFY_WITH_TIMEOUT(
            chart->overlayText().contains(u"worker_settlement is failing: connection refused"_s), 2000);
        const QImage failing = window.renderToImage();
        QVERIFY(failing.save(u"/tmp/poolscope-mainwindow-failing.png"_s));

        window.selectTarget(0);
        QTRY_COMPARE_WITH_TIMEOUT(chart->overlayText(), QString(), 2000);
        view->clearSelection();
        view->scrollToTop();
        const QImage image = window.renderToImage();
        QCOMPARE(image.size(), QSize(1400, 900) * window.devicePixelRatio());
        QVERIFY(image.save(u"/tmp/poolscope-mainwindow.png"_s));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
