#include "BackendDetailPane.h"
#include "BackendGroupsView.h"
#include "BackendsPane.h"
#include "ExplainPane.h"
#include "ExplainPanel.h"
#include "MainWindow.h"
#include "Notifier.h"
#include "RouteChart.h"
#include "RoutesView.h"
#include "SyntheticWorkspace.h"
#include "TargetsPane.h"
#include "ThresholdsDialog.h"
#include "TimelineChart.h"
#include "VerdictBanner.h"
#include "VerdictPane.h"
#include "WindowActions.h"
#include "analysis/Diagnosis.h"
#include "models/BackendGroupsModel.h"
#include "models/BackendsModel.h"
#include "models/RoutesModel.h"
#include "models/SuspectsModel.h"
#include "models/TargetsModel.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QAbstractItemView>
#include <QAction>
#include <QChart>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QGuiApplication>
#include <QImage>
#include <QLegend>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kSecond = 1000;
constexpr qint64 kMinute = 60 * kSecond;
constexpr int kTicks = 150; // every 2 s: 5 minutes
constexpr int kHeld = 5; // idle web connections nobody tracks
constexpr int kWithheldPid = 9999;

Workspace makeWorkspace()
{
    return test::syntheticWorkspace({ u"web"_s, u"worker"_s }, u"http://127.0.0.1:8000/health"_s);
}

RouteStats route(const QString& name, double acquired, double released)
{
    RouteStats r;
    r.name = name;
    r.acquired = acquired;
    r.released = released;
    r.active = acquired - released;
    r.leaks = 0;
    return r;
}

// web: 8 checked out, 3 tracked (a stable discrepancy of 5); /orders leaks one connection per poll;
// /health's counters restart half way.
Sample webSample(qint64 t, int tick)
{
    Sample s;
    s.target = u"web"_s;
    s.timestampMs = t;
    s.latencyMs = 10;
    s.metrics.set(Metric::CheckedOut, 8);
    s.metrics.set(Metric::Tracked, 3);
    s.metrics.set(Metric::Discrepancy, 5);
    s.metrics.set(Metric::PoolSize, 10);
    s.metrics.set(Metric::PoolMax, 20);
    const int healthTick = tick < kTicks / 2 ? tick + 100 : tick - kTicks / 2;
    s.routes = { route(u"/orders"_s, 3.0 * tick, 2.0 * tick), route(u"/health"_s, 5.0 * healthTick, 5.0 * healthTick) };
    return s;
}

Sample workerSample(qint64 t)
{
    Sample s;
    s.target = u"worker"_s;
    s.timestampMs = t;
    s.metrics.set(Metric::CheckedOut, 2);
    s.metrics.set(Metric::Tracked, 2);
    s.metrics.set(Metric::Discrepancy, 0);
    return s;
}

Backend backend(int pid, const QString& app, const QString& state, qint64 backendStart, qint64 stateChange)
{
    Backend b;
    b.pid = pid;
    b.datname = u"app"_s;
    b.usename = u"app_user"_s;
    b.applicationName = app;
    b.clientAddr = u"10.0.3.%1"_s.arg(pid % 200);
    b.clientPort = 40000 + pid % 1000;
    b.backendType = u"client backend"_s;
    b.backendStartMs = backendStart;
    b.stateChangeMs = stateChange;
    b.queryStartMs = stateChange - 20;
    b.state = state;
    b.query = u"SELECT key, value\n  FROM settings\n WHERE key = 'feature.flags'"_s;
    return b;
}

ActivitySnapshot snapshotAt(qint64 now, qint64 start, int tick)
{
    ActivitySnapshot s;
    s.database = u"main"_s;
    s.timestampMs = now;
    s.serverTimeMs = now;
    for (int i = 0; i < kHeld; ++i)
        s.backends.append(backend(1000 + i, u"web"_s, u"idle"_s, start - 10 * kMinute, start - 5 * kMinute));
    for (int i = 0; i < 3; ++i) {
        Backend b
            = backend(1100 + i, u"web"_s, (tick + i) % 2 ? u"active"_s : u"idle"_s, start - 10 * kMinute, now - 50);
        b.query = u"SELECT id FROM orders WHERE id = %1"_s.arg(tick);
        s.backends.append(b);
    }
    for (int i = 0; i < 2; ++i)
        s.backends.append(backend(2000 + i, u"worker"_s, u"active"_s, start - 20 * kMinute, now - 1000));
    Backend hidden;
    hidden.pid = kWithheldPid;
    hidden.usename = u"postgres"_s;
    hidden.withheld = true;
    s.backends.append(hidden);
    return s;
}

void feed(Session& session, qint64 start)
{
    for (int i = 0; i < kTicks; ++i) {
        const qint64 t = start + i * 2 * kSecond;
        session.addSample(webSample(t, i));
        session.addSample(workerSample(t + 100));
        session.addSnapshot(snapshotAt(t + 200, start, i));
    }
}

int rowOfPid(const QAbstractItemModel* model, int pid)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, 0).data(BackendsModel::PidRole).toInt() == pid)
            return row;
    }
    return -1;
}

void saveScreenshot(MainWindow& window, const QString& name)
{
    const QImage image = window.renderToImage();
    QCOMPARE(image.size(), QSize(1400, 900) * image.devicePixelRatio());
    const QString dir = qEnvironmentVariable("POOLSCOPE_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
        QDir().mkpath(dir);
        QVERIFY(image.save(dir + u'/' + name));
    }
}
} // namespace

class TestDiagnosisUi : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }
    void diagnosisPanels();
    void thresholdsDialog();
    void notifier();
    void bannerTone_data();
    void bannerTone();
    void firstPollReconstructed();
};

void TestDiagnosisUi::bannerTone_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("level");
    QTest::addColumn<int>("tone");
    using K = VerdictKind;
    using L = ThresholdLevel;
    using T = VerdictBanner::Tone;
    QTest::addRow("unknown") << int(K::Unknown) << int(L::Ok) << int(T::Neutral);
    QTest::addRow("none") << int(K::None) << int(L::Ok) << int(T::Calm);
    QTest::addRow("stable") << int(K::Stable) << int(L::Ok) << int(T::Calm);
    QTest::addRow("stable above warning") << int(K::Stable) << int(L::Warning) << int(T::Warning);
    QTest::addRow("growing") << int(K::Growing) << int(L::Warning) << int(T::Warning);
    QTest::addRow("growing critical") << int(K::Growing) << int(L::Critical) << int(T::Critical);
}

void TestDiagnosisUi::bannerTone()
{
    QFETCH(int, kind);
    QFETCH(int, level);
    QFETCH(int, tone);
    TargetDiagnosis diagnosis;
    diagnosis.verdict.target = u"web"_s;
    diagnosis.verdict.kind = static_cast<VerdictKind>(kind);
    diagnosis.verdict.neededSeconds = 40;
    diagnosis.level = static_cast<ThresholdLevel>(level);
    VerdictBanner banner;
    banner.setDiagnosis(&diagnosis);
    QCOMPARE(int(banner.tone()), tone);
    QVERIFY(banner.text().startsWith(u"web"_s));
    if (diagnosis.verdict.kind == VerdictKind::Unknown)
        QVERIFY2(banner.text().contains(u"need about 40 s more"_s), qPrintable(banner.text()));
    banner.setDiagnosis(nullptr);
    QVERIFY(banner.text().isEmpty());
    QVERIFY(!banner.copyButton()->isEnabled());
}

void TestDiagnosisUi::diagnosisPanels()
{
    Session session(makeWorkspace());
    ViewState view;
    Diagnosis diagnosis(&session, &view);
    MainWindow window(&session, &view, &diagnosis);
    QCOMPARE(window.diagnosis(), &diagnosis);
    QCOMPARE(window.viewState(), &view);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.size(), QSize(1400, 900));

    // Before data: no verdict yet.
    VerdictBanner* banner = window.verdictPane()->banner();
    QVERIFY(banner->isVisible());
    QCOMPARE(banner->tone(), VerdictBanner::Tone::Neutral);

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 start = now - (kTicks - 1) * 2 * kSecond;
    feed(session, start);
    window.diagnosis()->recompute();

    // Verdict banner: the stable baseline of 5, calm, and Copy puts the sentence on the clipboard.
    QTRY_VERIFY_WITH_TIMEOUT(banner->text().startsWith(u"web: stable"_s), 5000);
    QVERIFY2(banner->text().contains(u'5'), qPrintable(banner->text()));
    QCOMPARE(banner->tone(), VerdictBanner::Tone::Calm);
    QTest::mouseClick(banner->copyButton(), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), banner->text());

    // Routes tab: both routes, /orders marked rising, sortable by the raw active count.
    RoutesView* routes = window.routesPane();
    QTabWidget* tabs = window.detailTabs();
    QCOMPARE(tabs->indexOf(routes), 1);
    QTRY_COMPARE_WITH_TIMEOUT(routes->model()->rowCount(), 2, 5000);
    const int orders = routes->model()->rowOf(u"/orders"_s);
    QVERIFY(orders >= 0);
    QVERIFY(routes->model()->index(orders, 0).data(RoutesModel::RisingRole).toBool());
    QVERIFY(!routes->model()->index(routes->model()->rowOf(u"/health"_s), 0).data(RoutesModel::RisingRole).toBool());
    QCOMPARE(routes->model()->index(orders, RoutesModel::Active).data().toString(), QString::number(kTicks - 1));
    QVERIFY(tabs->tabText(1).contains(u"1 rising"_s));
    routes->table()->sortByColumn(RoutesModel::Active, Qt::DescendingOrder);
    QCOMPARE(routes->table()->model()->index(0, 0).data(RoutesModel::NameRole).toString(), u"/orders"_s);
    routes->filter()->setText(u"heal"_s);
    QCOMPARE(routes->table()->model()->rowCount(), 1);
    routes->filter()->clear();
    // Selecting a route draws its chart; /health's restart never draws a negative rate.
    tabs->setCurrentWidget(routes);
    routes->selectRoute(u"/health"_s);
    QCOMPARE(routes->chart()->routeName(), u"/health"_s);
    QVERIFY(routes->chart()->ratePointCount() > 0);
    QVERIFY(routes->chart()->minimumRate() >= 0);
    routes->selectRoute(u"/orders"_s);
    QCOMPARE(routes->chart()->routeName(), u"/orders"_s);
    QVERIFY(routes->chart()->activePointCount() > 0);
    saveScreenshot(window, u"diagnosis-routes.png"_s);

    // Backend detail pane: every column, the full query and PoolScope's own history.
    tabs->setCurrentIndex(0);
    QAbstractItemView* backends = window.backendsPane()->view();
    QTRY_VERIFY_WITH_TIMEOUT(rowOfPid(backends->model(), 1000) >= 0, 5000);
    backends->selectionModel()->setCurrentIndex(backends->model()->index(rowOfPid(backends->model(), 1000), 0),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    BackendDetailPane* detail = window.backendsPane()->detailPane();
    QCOMPARE(detail->pid(), 1000);
    const QString text = detail->plainText();
    QVERIFY2(text.contains(u"pid 1000"_s), qPrintable(text));
    QVERIFY2(text.contains(u"WHERE key = 'feature.flags'"_s), qPrintable(text));
    QVERIFY(text.contains(u"application_name"_s) && text.contains(u"backend_start"_s));
    QVERIFY(text.contains(u"History seen by PoolScope"_s));
    QVERIFY2(text.contains(u"key = ?"_s), qPrintable(text)); // the history's fingerprint
    QVERIFY2(text.contains(u"over %1 polls"_s.arg(kTicks)), qPrintable(text));
    // A withheld row says so, with the pg_monitor hint.
    backends->selectionModel()->setCurrentIndex(backends->model()->index(rowOfPid(backends->model(), kWithheldPid), 0),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QVERIFY2(detail->plainText().contains(u"pg_monitor"_s), qPrintable(detail->plainText()));
    saveScreenshot(window, u"diagnosis-backends.png"_s);

    // Group by application: web 8, worker 2, the withheld row on its own; a group expands to its rows.
    BackendGroupsView* groups = window.backendsPane()->groupsView();
    QVERIFY(!groups->isVisible());
    groups->groupByBox()->setCurrentIndex(1);
    QVERIFY(groups->isVisible());
    QVERIFY(!backends->isVisible());
    QTreeView* tree = groups->tree();
    QCOMPARE(tree->model()->rowCount(), 3);
    QCOMPARE(tree->model()->index(0, BackendGroupsModel::Key).data().toString(), u"web"_s);
    QCOMPARE(tree->model()->index(0, BackendGroupsModel::Count).data().toString(), u"8"_s);
    QCOMPARE(tree->model()->rowCount(tree->model()->index(0, 0)), 8);
    QVERIFY(groups->selectPid(1001));
    QVERIFY(tree->isExpanded(tree->model()->index(0, 0)));
    QCOMPARE(detail->pid(), 1001);
    saveScreenshot(window, u"diagnosis-groups.png"_s);
    // By state: the held connections and the idle busy ones form the idle group.
    groups->groupByBox()->setCurrentIndex(3);
    int idleCount = 0;
    for (int row = 0; row < tree->model()->rowCount(); ++row) {
        if (tree->model()->index(row, 0).data().toString() == u"idle"_s)
            idleCount = tree->model()->index(row, BackendGroupsModel::Count).data().toInt();
    }
    QVERIFY2(idleCount >= kHeld && idleCount <= kHeld + 3, qPrintable(QString::number(idleCount)));
    groups->groupByBox()->setCurrentIndex(0);
    QVERIFY(backends->isVisible());

    // Explain: the summary, the confidence and the five held connections as suspects; selecting one
    // selects its backend.
    ExplainPanel* explain = window.explainPane()->panel();
    tabs->setCurrentWidget(window.explainPane());
    QTRY_COMPARE_WITH_TIMEOUT(explain->model()->rowCount(), kHeld, 5000);
    QVERIFY2(explain->summaryText().contains(u"5 of 5 explained"_s), qPrintable(explain->summaryText()));
    QVERIFY(explain->confidenceText().contains(u"Confidence"_s));
    QVERIFY2(explain->countsText().contains(u"8 backends"_s), qPrintable(explain->countsText()));
    for (int row = 0; row < kHeld; ++row) {
        const int pid = explain->model()->pidAt(row);
        QVERIFY2(pid >= 1000 && pid < 1000 + kHeld, qPrintable(QString::number(pid)));
    }
    saveScreenshot(window, u"diagnosis-explain.png"_s);
    explain->selectSuspect(2);
    const int suspectPid = explain->model()->pidAt(2);
    const QModelIndex current = backends->selectionModel()->currentIndex();
    QVERIFY(current.isValid());
    QCOMPARE(current.data(BackendsModel::PidRole).toInt(), suspectPid);
    QCOMPARE(detail->pid(), suspectPid);
}

void TestDiagnosisUi::thresholdsDialog()
{
    Session session(makeWorkspace());
    ViewState view;
    Diagnosis diagnosis(&session, &view);
    MainWindow window(&session, &view, &diagnosis);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    feed(session, now - (kTicks - 1) * 2 * kSecond);
    QAbstractItemView* targets = window.targetsPane()->view();
    const auto webLevel = [targets] {
        return static_cast<TargetsModel::StateLevel>(
            targets->model()->index(0, 0).data(TargetsModel::StateLevelRole).toInt());
    };
    QCOMPARE(webLevel(), TargetsModel::StateLevel::Ok);

    // Monitor ▸ Thresholds… in the menu bar.
    QAction* thresholds = window.windowActions()->action(WindowActions::Id::Thresholds);
    QVERIFY(thresholds && thresholds->isEnabled());
    auto* monitor = window.menuBar()->findChild<QMenu*>(u"MonitorMenu"_s);
    QVERIFY(monitor);
    QVERIFY(window.menuBar()->actions().contains(monitor->menuAction()));
    QVERIFY(monitor->actions().contains(thresholds));
    thresholds->trigger();
    auto* dialog = window.findChild<ThresholdsDialog*>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QCOMPARE(dialog->thresholds(), session.workspace().thresholds);
    QPushButton* ok = dialog->buttons()->button(QDialogButtonBox::Ok);
    // Critical below warning: refused, with the reason.
    dialog->warningBox()->setValue(10);
    dialog->criticalBox()->setValue(4);
    QVERIFY(!ok->isEnabled());
    QVERIFY(dialog->validationError().contains(u"discrepancyCritical"_s));
    QVERIFY(!dialog->apply());
    QCOMPARE(session.workspace().thresholds, Thresholds {});

    QSignalSpy changed(&session, &Session::thresholdsChanged);
    QSignalSpy rowsChanged(targets->model(), &QAbstractItemModel::dataChanged);
    dialog->warningBox()->setValue(3);
    dialog->criticalBox()->setValue(4);
    dialog->growthBox()->setValue(2.5);
    QVERIFY(ok->isEnabled());
    QTest::mouseClick(ok, Qt::LeftButton);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(session.workspace().thresholds.discrepancyWarning, 3.0);
    QCOMPARE(session.workspace().thresholds.discrepancyCritical, 4.0);
    QCOMPARE(session.workspace().thresholds.growthWarningPerHour, 2.5);
    // The targets list recolours at once: web's discrepancy of 5 is now critical.
    QVERIFY(rowsChanged.size() >= 1);
    QCOMPARE(webLevel(), TargetsModel::StateLevel::Critical);
}

void TestDiagnosisUi::notifier()
{
    Session session(makeWorkspace());
    MainWindow window(&session, nullptr, nullptr);
    Notifier* notifier = window.notifier();
    QVERIFY(notifier);
    QSignalSpy notified(notifier, &Notifier::notified);
    session.addEvent(Event { 1, Event::Severity::Info, u"web"_s, u"recovered"_s, u"web recovered"_s });
    QCOMPARE(notified.size(), 0);
    session.addEvent(Event { 2, Event::Severity::Critical, u"web"_s, u"threshold"_s,
        u"web: discrepancy 26 reached the critical threshold 25"_s });
    QCOMPARE(notified.size(), 1);
    QCOMPARE(notifier->lastTitle(), u"PoolScope: web"_s);
    QVERIFY(notifier->lastMessage().contains(u"critical threshold"_s));
    session.addEvent(Event { 3, Event::Severity::Warning, u"worker"_s, u"failing"_s, u"worker: timeout"_s });
    QCOMPARE(notified.size(), 2);
    // Offscreen there is no tray: asked for, nothing breaks.
    QCOMPARE(notifier->channel() == Notifier::Channel::Tray, QSystemTrayIcon::isSystemTrayAvailable());
}

// Issue 10 part 5: three polls in, the 5 connections held idle since 5 min before the first one make a
// stable baseline already; the banner says it is reconstructed, and the chart draws that past dashed, with a
// legend entry of its own, the visible window reaching back into it.
void TestDiagnosisUi::firstPollReconstructed()
{
    Session session(makeWorkspace());
    ViewState view;
    Diagnosis diagnosis(&session, &view);
    MainWindow window(&session, &view, &diagnosis);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.selectTarget(0);

    const qint64 start = QDateTime::currentMSecsSinceEpoch() - 4 * kSecond;
    for (int i = 0; i < 3; ++i) {
        const qint64 t = start + i * 2 * kSecond;
        session.addSample(webSample(t, i));
        session.addSample(workerSample(t + 100));
        session.addSnapshot(snapshotAt(t + 200, start, i));
    }
    diagnosis.recompute();

    VerdictBanner* banner = window.verdictPane()->banner();
    QTRY_VERIFY_WITH_TIMEOUT(
        banner->text().startsWith(u"web: 5 connections held unchanged for at least 5 min"_s), 5000);
    QVERIFY2(
        banner->text().contains(u"a stable baseline (reconstructed from state_change"_s), qPrintable(banner->text()));
    QCOMPARE(banner->tone(), VerdictBanner::Tone::Calm);

    TimelineChart* chart = window.chart();
    chart->refresh();
    const QList<QPointF> points = chart->reconstructedPoints();
    QVERIFY(points.size() >= 2);
    // The window (5 min) reaches back before the first poll, into the reconstructed past...
    QVERIFY(chart->visibleStartMs() < start);
    QCOMPARE(points.first().x(), double(chart->visibleStartMs()));
    // ...where the 5 were already held, up to the first snapshot.
    for (const QPointF& p : points)
        QCOMPARE(p.y(), 5.0);
    QCOMPARE(points.last().x(), double(start + 200));

    // The legend says what the verdict says the same connections were reconstructed from.
    QCOMPARE(diagnosis.target(0).verdict.baselineEvidence, u"state_change"_s);
    QCOMPARE(chart->reconstructedName(), u"Reconstructed from state_change"_s);
    QCOMPARE(
        chart->reconstructedName(), TimelineChart::reconstructedLegend(diagnosis.target(0).verdict.baselineEvidence));
    QLineSeries* series = nullptr;
    for (QAbstractSeries* s : chart->chart()->series()) {
        if (s->name() == chart->reconstructedName())
            series = qobject_cast<QLineSeries*>(s);
    }
    QVERIFY(series);
    QCOMPARE(series->pen().style(), Qt::DashLine);
    QVERIFY(chart->chart()->legend()->markers(series).value(0)->isVisible());
    saveScreenshot(window, u"firstpoll.png"_s);
}

QTEST_MAIN(TestDiagnosisUi)
#include "tst_diagnosisui.moc"