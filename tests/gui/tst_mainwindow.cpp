#include "BackendsPane.h"
#include "EventsPane.h"
#include "MainWindow.h"
#include "StatusPane.h"
#include "SyntheticWorkspace.h"
#include "TargetsPane.h"
#include "TimelineChart.h"
#include "TimelinePane.h"
#include "WindowActions.h"
#include "analysis/Diagnosis.h"
#include "models/BackendsModel.h"
#include "models/EventsModel.h"
#include "models/Format.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QAbstractItemView>
#include <QAction>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QImage>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMetaEnum>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

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
    ws.path = u"incidents/incident-2024-05.json"_s; // only named in the title, never opened
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

// A window over a session with ~200 polls every 2 s, the newest now: one failed poll of web,
// worker_settlement failing at the end, a pg_stat_activity read every fifth poll.
struct Fixture
{
    Session session { makeWorkspace() };
    ViewState view;
    Diagnosis diagnosis { &session, &view };
    MainWindow window { &session, &view, &diagnosis };
    qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 start = now - (kSamples - 1) * 2 * kSecond;

    TimelineChart* chart() const { return window.chart(); }
    QAbstractItemView* backends() const { return window.backendsPane()->view(); }
    qint64 timeOf(int i) const { return start + i * 2 * kSecond; }

    bool showAndFeed()
    {
        window.show();
        if (!QTest::qWaitForWindowExposed(&window))
            return false;
        for (int i = 0; i < kSamples; ++i) {
            const qint64 t = timeOf(i);
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
        return true;
    }
    int snapshotRows() const { return static_cast<int>(snapshotAt(now, start, 0).backends.size()); }
    // Where "All" begins: the first sample, or earlier, the past reconstructed from the first snapshot's
    // held connections (issue 10 part 5), which the chart draws too.
    qint64 allFromMs() const
    {
        const Reconstruction& r = diagnosis.target(window.selectedTarget()).reconstruction;
        return r.isEmpty() ? session.firstTimestampMs() : std::min(session.firstTimestampMs(), r.held.first().sinceMs);
    }
};

// Screenshots go where POOLSCOPE_SCREENSHOT_DIR says (to look at them), else to a directory removed afterwards.
bool saveImage(const QImage& image, const QString& name)
{
    static QTemporaryDir temporary;
    const QString dir = qEnvironmentVariable("POOLSCOPE_SCREENSHOT_DIR", temporary.path());
    return QDir().mkpath(dir) && image.save(QDir(dir).filePath(name));
}
} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void titleNamesTheWorkspaceFile()
    {
        Fixture f;
        QCOMPARE(f.window.windowTitle(), u"PoolScope — incident-2024-05.json"_s);
    }

    void emptyStateNamesTheTarget()
    {
        Fixture f;
        f.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.window));
        QCOMPARE(f.window.selectedTarget(), 0);
        QCOMPARE(f.chart()->overlayText(), u"Waiting for the first poll of web…"_s);
        QCOMPARE(f.chart()->pointCount(), 0);
        QVERIFY(f.window.statusPane()->statusText().startsWith(u"No poll yet"_s));
    }

    void failedPollSplitsTheLines()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        TimelineChart* chart = f.chart();
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() > 0, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(chart->segmentCount(TimelineChart::Series::CheckedOut), 2, 5000);
        QCOMPARE(chart->segmentCount(TimelineChart::Series::Discrepancy), 2);
        QVERIFY(chart->segmentCount(TimelineChart::Series::Backends) >= 1);
        QCOMPARE(chart->overlayText(), QString());
    }

    void fiveMinutesDecimated()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        TimelineChart* chart = f.chart();
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() > 0, 5000);
        // 5 min window ending at the newest data; decimation keeps it to a few points per pixel.
        QCOMPARE(chart->visibleEndMs() - chart->visibleStartMs(), 5 * kMinute);
        QVERIFY(chart->pointCount() <= 4 * 12 * (chart->width() + 2));
    }

    void readoutOfASampleAndOfAFailedPoll()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        TimelineChart* chart = f.chart();
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() > 0, 5000);
        const QString readout = chart->readoutText(f.timeOf(kSamples - 1));
        QVERIFY2(readout.contains(u"Checked out: "_s) && readout.contains(u"Discrepancy: "_s), qPrintable(readout));
        const QString failed = chart->readoutText(f.timeOf(kFailedSample));
        QVERIFY2(failed.contains(u"poll failed"_s), qPrintable(failed));
    }

    void hoverShowsAndHidesTheReadout()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        TimelineChart* chart = f.chart();
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() > 0, 5000);
        const QRect plot = chart->plotRect();
        QVERIFY(plot.width() > 100 && plot.height() > 100);
        QWidget* viewport = chart->findChild<QChartView*>()->viewport();
        QTest::mouseMove(viewport, viewport->mapFrom(chart, plot.center() + QPoint(plot.width() / 4, 0)));
        QTRY_VERIFY_WITH_TIMEOUT(chart->hoverText().contains(u"Checked out: <b>"_s), 2000);
        QVERIFY(saveImage(f.window.renderToImage(), u"poolscope-mainwindow-hover.png"_s));
        QTest::mouseMove(viewport, viewport->mapFrom(chart, plot.topLeft() - QPoint(20, 20)));
        QTRY_COMPARE_WITH_TIMEOUT(chart->hoverText(), QString(), 2000);
    }

    void statusBarCountsAndNewestError()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        const StatusPane* status = f.window.statusPane();
        QTRY_VERIFY_WITH_TIMEOUT(status->statusText().contains(u"2 targets ok, 1 failing"_s), 2000);
        QVERIFY2(status->statusText().startsWith(u"Last poll "_s), qPrintable(status->statusText()));
        QVERIFY(status->statusText().contains(u"1 database ok"_s));
        QCOMPARE(status->errorText(), u"worker_settlement: connection refused"_s);
    }

    void titleAndDetailsOfTheSelectedTarget()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        f.window.renderToImage();
        const QString title = f.window.timelinePane()->titleText();
        QVERIFY2(title.contains(u"web"_s) && title.contains(u"checked out"_s), qPrintable(title));
        const QString details = f.window.targetsPane()->detailsText();
        QVERIFY2(details.contains(u"http://127.0.0.1:8000/health/detailed"_s), qPrintable(details));
        QVERIFY2(details.contains(u"<b>main</b>"_s), qPrintable(details));
    }

    // A database that cannot be read (a fleet window's replica whose agent does not answer) is said in the
    // backends pane, not left as an empty table.
    void backendsTableSaysUnavailable()
    {
        Workspace ws;
        ws.databases.append(DatabaseConfig { u"web-1 (agent)"_s, {}, 2000, 5000 });
        Session session(ws);
        ViewState view;
        Diagnosis diagnosis(&session, &view);
        MainWindow window(&session, &view, &diagnosis);
        ActivitySnapshot failed;
        failed.database = u"web-1 (agent)"_s;
        failed.timestampMs = QDateTime::currentMSecsSinceEpoch();
        failed.error = u"unavailable: the agent's snapshot http://h:9478/api/v1/snapshot: HTTP 401"_s;
        session.addSnapshot(failed);
        QCOMPARE(window.backendsPane()->countText(), u"web-1 (agent): "_s + failed.error);
        QCOMPARE(window.backendsPane()->view()->model()->rowCount(), 0);

        // Read, then failing again: the table keeps the last read and says the database fails now.
        ActivitySnapshot read;
        read.database = failed.database;
        read.timestampMs = failed.timestampMs + 15'000;
        Backend b;
        b.pid = 4242;
        b.applicationName = u"web"_s;
        b.state = u"idle"_s;
        read.backends = { b };
        session.addSnapshot(read);
        QTRY_COMPARE_WITH_TIMEOUT(window.backendsPane()->view()->model()->rowCount(), 1, 10'000);
        QCOMPARE(window.backendsPane()->countText(), u"1 backend"_s);
        failed.timestampMs = read.timestampMs + 15'000;
        session.addSnapshot(failed);
        QTRY_COMPARE_WITH_TIMEOUT(window.backendsPane()->countText(),
            u"1 backend as last read; now web-1 (agent): "_s + failed.error, 10'000);
        QCOMPARE(window.backendsPane()->view()->model()->rowCount(), 1);
    }

    void backendsTableShowsTheSnapshot()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        QAbstractItemModel* rows = f.backends()->model();
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), f.snapshotRows(), 2000);
        const int withheldRow = proxyRowOfPid(rows, kWithheldPid);
        QVERIFY(withheldRow >= 0);
        QCOMPARE(
            rows->index(withheldRow, BackendsModel::State).data().toString(), u"withheld (insufficient privilege)"_s);
        QCOMPARE(f.window.backendsPane()->countText(), u"%1 backends"_s.arg(f.snapshotRows()));
        QTabWidget* tabs = f.window.detailTabs();
        QCOMPARE(tabs->tabText(tabs->indexOf(f.window.backendsPane())), u"Backends (%1)"_s.arg(f.snapshotRows()));
    }

    void filterMatchesAnyColumn_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<int>("rows");
        QTest::addRow("application, any case") << u"WORKER_ODDS"_s << 4;
        QTest::addRow("state") << u"idle in trans"_s << 1;
    }

    void filterMatchesAnyColumn()
    {
        QFETCH(QString, filter);
        QFETCH(int, rows);
        Fixture f;
        QVERIFY(f.showAndFeed());
        QAbstractItemModel* model = f.backends()->model();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), f.snapshotRows(), 2000);
        f.window.backendsPane()->filterEdit()->setText(filter);
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), rows, 2000);
        QCOMPARE(f.window.backendsPane()->countText(), u"%1 of %2 backends"_s.arg(rows).arg(f.snapshotRows()));
        f.window.backendsPane()->filterEdit()->clear();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), f.snapshotRows(), 2000);
    }

    void onlyTheSelectedTargetsApplication()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        QAbstractItemModel* rows = f.backends()->model();
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), f.snapshotRows(), 2000);
        QCheckBox* only = f.window.backendsPane()->onlyApplicationBox();
        QVERIFY(only->text().contains(u"web"_s));
        only->setChecked(true);
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), 17, 2000);
        only->setChecked(false);
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), f.snapshotRows(), 2000);
    }

    void selectionSurvivesASnapshot()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        QAbstractItemView* view = f.backends();
        QAbstractItemModel* rows = view->model();
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), f.snapshotRows(), 2000);
        view->selectionModel()->setCurrentIndex(
            rows->index(proxyRowOfPid(rows, 3000), 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(currentPid(view), 3000);
        f.session.addSnapshot(snapshotAt(f.now + 2 * kSecond, f.start, 1000 + 1)); // other active pids
        QCOMPARE(currentPid(view), 3000);
        QCOMPARE(view->selectionModel()->selectedRows().size(), 1);
        QCOMPARE(view->selectionModel()->selectedRows().at(0).data(BackendsModel::PidRole).toInt(), 3000);
    }

    void pauseFreezesAndFollowResumes()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        TimelineChart* chart = f.chart();
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() > 0, 5000);
        QAction* pause = f.window.windowActions()->action(WindowActions::Id::Pause);
        QAction* follow = f.window.windowActions()->action(WindowActions::Id::Follow);
        QVERIFY(!follow->isEnabled());
        pause->trigger();
        QVERIFY(chart->isPaused());
        const qint64 frozenEnd = chart->visibleEndMs();
        for (int i = 1; i <= 5; ++i)
            f.session.addSample(sample(u"web"_s, f.now + i * 2 * kSecond, 18, 2));
        chart->refresh();
        QCOMPARE(chart->visibleEndMs(), frozenEnd);
        QVERIFY(follow->isEnabled());
        follow->trigger();
        QVERIFY(!chart->isPaused());
        QVERIFY(!pause->isChecked());
        QTRY_VERIFY_WITH_TIMEOUT(chart->visibleEndMs() > frozenEnd, 2000);
    }

    void panesShareTheViewState()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        TimelineChart* chart = f.chart();
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() > 0, 5000);
        // The chart publishes its visible range; the routes' rates cover it.
        QComboBox* range = f.window.timelinePane()->rangeBox();
        range->setCurrentText(u"All"_s);
        QCOMPARE(f.view.visibleFromMs(), chart->visibleStartMs());
        QCOMPARE(f.view.visibleToMs(), chart->visibleEndMs());
        QVERIFY(f.allFromMs() < f.session.firstTimestampMs()); // its held connections are older than that
        QCOMPARE(f.view.visibleFromMs(), f.allFromMs());
        // Pause is view state: setting it pauses the chart and checks the action.
        f.view.setPaused(true);
        QVERIFY(chart->isPaused());
        QVERIFY(f.window.windowActions()->action(WindowActions::Id::Pause)->isChecked());
        f.view.setPaused(false);
        QVERIFY(!f.window.windowActions()->action(WindowActions::Id::Follow)->isEnabled());
        // The cursor moves the panes to the moment: the chart marks it; without a recording to rebuild
        // it from, the backends table has nothing to show then; back to live, it shows the newest read.
        QAbstractItemModel* rows = f.backends()->model();
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), f.snapshotRows(), 2000);
        f.view.setCursor(f.timeOf(5) + 900);
        QCOMPARE(chart->cursorLabelText(), formatClock(f.timeOf(5) + 900));
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), 0, 2000);
        f.view.setCursor(ViewState::kLive);
        QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), f.snapshotRows(), 2000);
    }

    void rangeBoxSetsTheVisibleRange()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        TimelineChart* chart = f.chart();
        QComboBox* range = f.window.timelinePane()->rangeBox();
        range->setCurrentText(u"All"_s);
        QCOMPARE(chart->visibleStartMs(), f.allFromMs());
        range->setCurrentText(u"5 min"_s);
        QCOMPARE(chart->visibleEndMs() - chart->visibleStartMs(), 5 * kMinute);
    }

    void failingTargetShowsWhy()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        f.window.selectTarget(2);
        QCOMPARE(f.window.selectedTarget(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(
            f.chart()->overlayText().contains(u"worker_settlement is failing: connection refused"_s), 2000);
        QVERIFY(f.window.targetsPane()->detailsText().contains(u"in a row"_s));
        QVERIFY(saveImage(f.window.renderToImage(), u"poolscope-mainwindow-failing.png"_s));
        f.window.selectTarget(0);
        QTRY_COMPARE_WITH_TIMEOUT(f.chart()->overlayText(), QString(), 2000);
    }

    void rendersAt1400x900()
    {
        Fixture f;
        QVERIFY(f.showAndFeed());
        QTRY_VERIFY_WITH_TIMEOUT(f.chart()->pointCount() > 0, 5000);
        const QImage image = f.window.renderToImage();
        QCOMPARE(image.size(), QSize(1400, 900) * f.window.devicePixelRatio());
        QVERIFY(saveImage(image, u"poolscope-mainwindow.png"_s));
    }

    void eventsNewestFirstAndBounded()
    {
        Fixture f;
        QTreeView* view = f.window.eventsPane()->view();
        QTabWidget* tabs = f.window.detailTabs();
        const int tab = tabs->indexOf(f.window.eventsPane());
        QCOMPARE(tabs->tabText(tab), u"Events"_s);
        const int total = Session::kMaxEvents + 5;
        for (int i = 0; i < total; ++i)
            f.session.addEvent(Event { f.timeOf(0) + i, i % 2 ? Event::Severity::Critical : Event::Severity::Info,
                u"web"_s, u"failing"_s, u"event %1"_s.arg(i) });
        // The session and the view keep the newest 10,000; the rest are counted (and in the recording).
        QCOMPARE(f.session.events().size(), qsizetype(Session::kMaxEvents));
        QCOMPARE(f.session.droppedEvents(), qint64(5));
        QCOMPARE(view->model()->rowCount(), EventsModel::kDefaultMaxRows);
        QCOMPARE(view->model()->index(0, EventsModel::Message).data().toString(), u"event %1"_s.arg(total - 1));
        QCOMPARE(view->model()->index(Session::kMaxEvents - 1, EventsModel::Message).data().toString(), u"event 5"_s);
        QCOMPARE(view->model()->index(0, EventsModel::Severity).data().toString(), u"info"_s); // even: info
        QCOMPARE(view->model()->index(1, EventsModel::Severity).data().toString(), u"critical"_s);
        QCOMPARE(view->model()->index(0, EventsModel::Source).data().toString(), u"web"_s);
        QCOMPARE(tabs->tabText(tab), u"Events (%1)"_s.arg(Session::kMaxEvents));
    }

    void eventsModelDropsItsOldestRow()
    {
        Session session(makeWorkspace());
        EventsModel model(&session, nullptr, 3);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        for (int i = 0; i < 5; ++i)
            session.addEvent(Event { 1000 + i, Event::Severity::Warning, u"db"_s, u"reconnect"_s, u"e%1"_s.arg(i) });
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(removed.size(), 2);
        QCOMPARE(model.index(0, EventsModel::Message).data().toString(), u"e4"_s);
        QCOMPARE(model.index(2, EventsModel::Message).data().toString(), u"e2"_s);
        QCOMPARE(model.index(2, 0).data(EventsModel::TimestampRole).toLongLong(), 1002);
    }

    void everyActionHasItsObjectNameAndOneMenu()
    {
        Fixture f;
        const QMetaEnum ids = QMetaEnum::fromType<WindowActions::Id>();
        QCOMPARE(ids.keyCount(), WindowActions::kCount);
        for (int i = 0; i < ids.keyCount(); ++i) {
            const auto id = static_cast<WindowActions::Id>(ids.value(i));
            QAction* action = f.window.windowActions()->action(id);
            QVERIFY(action);
            QCOMPARE(action->objectName(), QString::fromLatin1(ids.key(i)));
            const auto found = f.window.findChildren<QAction*>(action->objectName());
            QCOMPARE(found.size(), 1);
            QCOMPARE(found.first(), action);
        }
        // The menu bar: File, Edit, View, Monitor, Help; Demo (before Help) only while the demo runs.
        const auto menus = [&f] {
            QStringList names;
            for (QAction* action : f.window.menuBar()->actions())
                names << action->menu()->objectName();
            return names;
        };
        QCOMPARE(
            menus(), (QStringList { u"FileMenu"_s, u"EditMenu"_s, u"ViewMenu"_s, u"MonitorMenu"_s, u"HelpMenu"_s }));
        f.window.windowActions()->setDemoMenuVisible(true);
        QCOMPARE(menus(),
            (QStringList {
                u"FileMenu"_s, u"EditMenu"_s, u"ViewMenu"_s, u"MonitorMenu"_s, u"DemoMenu"_s, u"HelpMenu"_s }));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
