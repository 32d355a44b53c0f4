#include "BackendsPane.h"
#include "EvidenceActions.h"
#include "JobProgressWidget.h"
#include "MainWindow.h"
#include "RecordingStatusWidget.h"
#include "ScreenshotRenderer.h"
#include "TimelineChart.h"
#include "TimelinePane.h"
#include "WindowActions.h"
#include "analysis/Diagnosis.h"
#include "format/Format.h"
#include "jobs/JobTracker.h"
#include "models/BackendsModel.h"
#include "record/RecordingManager.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QChartView>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QSemaphore>
#include <QSettings>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QToolButton>

#include <map>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kStep = 4000; // 120 samples: 8 min, more than the 5 min range
constexpr int kSamples = 120;
const qint64 kStart = QDateTime::fromString(u"2026-11-27T02:05:00Z"_s, Qt::ISODate).toMSecsSinceEpoch();
const QString kSecretQuery = u"SELECT * FROM bets WHERE user_id = 42 AND status = 'open'"_s;
const QString kSecretAddress = u"10.1.23.4"_s;
const QStringList kLiterals = { u"user_id = 42"_s, u"'open'"_s, kSecretAddress };

qint64 timeOf(int i)
{
    return kStart + i * kStep;
}

// The "moment" pid: changes every 10 samples, so each moment has its own rows.
int momentPid(int i)
{
    return 5000 + i / 10;
}

ActivitySnapshot snapshot(int i)
{
    ActivitySnapshot s;
    s.database = u"main"_s;
    s.timestampMs = timeOf(i);
    s.serverTimeMs = timeOf(i);
    s.latencyMs = 3;
    Backend holder;
    holder.pid = 100;
    holder.applicationName = u"web"_s;
    holder.usename = u"app"_s;
    holder.clientAddr = kSecretAddress;
    holder.clientPort = 51234;
    holder.backendStartMs = kStart - 60'000;
    holder.state = u"idle in transaction"_s;
    holder.xactStartMs = kStart - 30'000;
    holder.stateChangeMs = kStart - 30'000;
    holder.query = kSecretQuery;
    s.backends.append(holder);
    Backend moment;
    moment.pid = momentPid(i);
    moment.applicationName = u"web"_s;
    moment.clientAddr = u"10.1.9.9"_s;
    moment.clientPort = 40000;
    moment.backendStartMs = timeOf(i / 10 * 10);
    moment.state = u"active"_s;
    moment.query = u"SELECT 1"_s;
    s.backends.append(moment);
    return s;
}

// An in-memory recording: every snapshot and route list, by time.
class MemoryArchive : public SnapshotArchive
{
public:
    std::map<qint64, ActivitySnapshot> snapshots;
    std::map<qint64, QList<RouteStats>> routes;

    ActivitySnapshot snapshotAt(const QString& database, qint64 tMs) const override
    {
        auto it = snapshots.upper_bound(tMs);
        if (it == snapshots.begin()) {
            ActivitySnapshot none;
            none.database = database;
            return none;
        }
        return std::prev(it)->second;
    }
    QList<RouteStats> routesAt(const QString&, qint64 tMs) const override
    {
        auto it = routes.upper_bound(tMs);
        return it == routes.begin() ? QList<RouteStats>() : std::prev(it)->second;
    }
};

Workspace workspace()
{
    Workspace ws;
    TargetConfig t;
    t.name = u"web"_s;
    t.url = u"http://127.0.0.1:8000/health"_s;
    t.applicationName = u"web"_s;
    t.database = u"main"_s;
    ws.targets.append(t);
    DatabaseConfig db;
    db.name = u"main"_s;
    db.conninfo = u"dbname=app"_s;
    ws.databases.append(db);
    return ws;
}

void feed(Session& session, MemoryArchive& archive)
{
    for (int i = 0; i < kSamples; ++i) {
        Sample s;
        s.target = u"web"_s;
        s.timestampMs = timeOf(i);
        s.latencyMs = 10;
        s.metrics.set(Metric::CheckedOut, 10 + i % 7);
        s.metrics.set(Metric::Tracked, 4);
        s.metrics.set(Metric::Discrepancy, 6 + i % 7);
        s.metrics.set(Metric::PoolMax, 30);
        RouteStats route;
        route.name = u"/bets"_s;
        route.acquired = i;
        route.released = i;
        s.routes.append(route);
        session.addSample(s);
        archive.routes[s.timestampMs] = s.routes;
        const ActivitySnapshot snap = snapshot(i);
        archive.snapshots[snap.timestampMs] = snap;
        session.addSnapshot(snap);
    }
    Event e;
    e.timestampMs = timeOf(50);
    e.severity = Event::Severity::Warning;
    e.source = u"web"_s;
    e.message = u"discrepancy above 10"_s;
    session.addEvent(e);
}

QSet<int> pids(const BackendsModel* model)
{
    QSet<int> result;
    for (int row = 0; row < model->rowCount(); ++row)
        result.insert(model->index(row, 0).data(BackendsModel::PidRole).toInt());
    return result;
}

QByteArray readBytes(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString readAll(const QString& path)
{
    return QString::fromUtf8(readBytes(path));
}
} // namespace

class TestEvidenceUi : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_config;
    QTemporaryDir m_out;

    struct Fixture
    {
        MemoryArchive archive;
        Session session { workspace() };
        ViewState view;
        std::unique_ptr<Diagnosis> diagnosis;
        std::unique_ptr<MainWindow> window;
        explicit Fixture(bool review = false)
        {
            session.setArchive(&archive);
            feed(session, archive);
            session.setReview(review);
            diagnosis = std::make_unique<Diagnosis>(&session, &view);
            window = std::make_unique<MainWindow>(&session, &view, diagnosis.get());
            window->resize(1400, 900);
            QComboBox* range = window->timelinePane()->rangeBox();
            range->setCurrentIndex(range->findText(u"All"_s));
            window->renderToImage();
        }
    };

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_config.isValid() && m_out.isValid());
        qputenv("XDG_CONFIG_HOME", m_config.path().toLocal8Bit());
        QCoreApplication::setOrganizationName(u"PoolScopeTest"_s);
        QCoreApplication::setApplicationName(u"tst_evidenceui"_s);
        QSettings().clear();
    }

    void init() { QSettings().clear(); }

    void clickSetsCursorAndLiveReturns()
    {
        Fixture f;
        MainWindow& w = *f.window;
        TimelineChart* chart = w.chart();
        QCOMPARE(chart->visibleEndMs(), timeOf(kSamples - 1));
        QVERIFY(f.view.isLive());
        QVERIFY(pids(w.backendsPane()->model()).contains(momentPid(kSamples - 1)));
        QVERIFY(w.evidence()->cursorText().contains(u"Live"_s));

        QWidget* viewport = chart->findChild<QChartView*>()->viewport();
        const QPoint at = viewport->mapFrom(chart, chart->positionOf(timeOf(33)));
        QTest::mouseClick(viewport, Qt::LeftButton, {}, at);
        QCOMPARE(f.view.cursor(), timeOf(33));
        QTRY_VERIFY(pids(w.backendsPane()->model()).contains(momentPid(33)));
        QVERIFY(!pids(w.backendsPane()->model()).contains(momentPid(kSamples - 1)));
        QCOMPARE(pids(w.backendsPane()->model()).size(), 2);
        QVERIFY2(w.evidence()->cursorText().startsWith(u"Showing "_s), qPrintable(w.evidence()->cursorText()));
        QVERIFY(!chart->cursorLabelText().isEmpty());
        QVERIFY(w.windowActions()->action(WindowActions::Id::Live)->isEnabled());

        // Left/Right step one sample.
        QTest::keyClick(chart, Qt::Key_Left);
        QCOMPARE(f.view.cursor(), timeOf(32));
        QTest::keyClick(chart, Qt::Key_Right);
        QTest::keyClick(chart, Qt::Key_Right);
        QCOMPARE(f.view.cursor(), timeOf(34));
        QTest::keyClick(chart, Qt::Key_Left);
        QTest::keyClick(chart, Qt::Key_Left);
        QTest::keyClick(chart, Qt::Key_Left);
        QTest::keyClick(chart, Qt::Key_Left);
        QCOMPARE(f.view.cursor(), timeOf(30));
        QVERIFY(pids(w.backendsPane()->model()).contains(momentPid(30)));
        QVERIFY(!pids(w.backendsPane()->model()).contains(momentPid(29)));
        QTest::keyClick(chart, Qt::Key_Left);
        QVERIFY(pids(w.backendsPane()->model()).contains(momentPid(29)));

        // Selection of a surviving row is kept across cursor moves (diffed, not reset).
        const int holderRow = [&] {
            for (int r = 0; r < w.backendsPane()->view()->model()->rowCount(); ++r)
                if (w.backendsPane()->view()->model()->index(r, 0).data(BackendsModel::PidRole).toInt() == 100)
                    return r;
            return -1;
        }();
        QVERIFY(holderRow >= 0);
        w.backendsPane()->view()->setCurrentIndex(w.backendsPane()->view()->model()->index(holderRow, 0));
        f.view.setCursor(timeOf(70));
        QCOMPARE(w.backendsPane()->view()->currentIndex().data(BackendsModel::PidRole).toInt(), 100);

        w.windowActions()->action(WindowActions::Id::Live)->trigger();
        QVERIFY(f.view.isLive());
        QVERIFY(pids(w.backendsPane()->model()).contains(momentPid(kSamples - 1)));
        QVERIFY(chart->cursorLabelText().isEmpty());
        QVERIFY(w.evidence()->cursorText().contains(u"Live"_s));
        QVERIFY(!w.windowActions()->action(WindowActions::Id::Live)->isEnabled());
    }

    void reviewStartsAtTheEnd()
    {
        Fixture f(true);
        QCOMPARE(f.view.cursor(), timeOf(kSamples - 1));
        QVERIFY(!f.window->evidence()->cursorText().contains(u"live"_s, Qt::CaseInsensitive));
        QVERIFY(!f.window->windowActions()
                     ->action(WindowActions::Id::Live)
                     ->text()
                     .contains(u"live"_s, Qt::CaseInsensitive));
        const QString caption = ScreenshotRenderer::captionFor(f.window.get()).lines().join(u'\n');
        QVERIFY2(!caption.contains(u"live"_s, Qt::CaseInsensitive), qPrintable(caption));
        if (const QByteArray dir = qgetenv("POOLSCOPE_SCREENSHOT_DIR"); !dir.isEmpty())
            renderWindowWithCaption(f.window.get()).save(QString::fromLocal8Bit(dir) + u"/evidence-review.png"_s);
        f.view.setCursor(timeOf(10));
        QVERIFY(pids(f.window->backendsPane()->model()).contains(momentPid(10)));
        f.window->windowActions()->action(WindowActions::Id::Live)->trigger(); // "Go to end"
        QCOMPARE(f.view.cursor(), timeOf(kSamples - 1));
    }

    void redactionHidesLiterals()
    {
        Fixture f;
        MainWindow& w = *f.window;
        const BackendsModel* model = w.backendsPane()->model();
        const auto cellsContain = [model](const QString& needle) {
            for (int r = 0; r < model->rowCount(); ++r)
                for (int c = 0; c < model->columnCount(); ++c)
                    for (const int role : { int(Qt::DisplayRole), int(Qt::ToolTipRole), int(BackendsModel::SortRole) })
                        if (model->index(r, c).data(role).toString().contains(needle))
                            return true;
            return false;
        };
        QVERIFY(cellsContain(u"user_id = 42"_s)); // shown while not redacted
        QVERIFY(cellsContain(kSecretAddress));

        QSignalSpy changed(&f.view, &ViewState::redactedChanged);
        w.windowActions()->action(WindowActions::Id::Redact)->trigger();
        QVERIFY(f.view.isRedacted());
        QCOMPARE(changed.count(), 1);
        QVERIFY(QSettings().value(u"view/redact"_s).toBool());
        for (const QString& literal : kLiterals)
            QVERIFY2(!cellsContain(literal), qPrintable(literal));
        QVERIFY(cellsContain(u"user_id = ?"_s));
        QVERIFY(cellsContain(u"10.1.x.x"_s));
        f.view.setCursor(timeOf(20)); // the moment's rows are redacted too
        for (const QString& literal : kLiterals)
            QVERIFY2(!cellsContain(literal), qPrintable(literal));

        const QString caption = ScreenshotRenderer::captionFor(&w).lines().join(u'\n');
        QVERIFY(caption.contains(u"redacted"_s));
        for (const QString& literal : kLiterals)
            QVERIFY(!caption.contains(literal));

        const QString path = m_out.filePath(u"backends-redacted.csv"_s);
        QString error;
        QVERIFY2(w.evidence()->exportCsv(EvidenceActions::ExportKind::Backends, path, true, &error), qPrintable(error));
        const QString csv = readAll(path);
        QVERIFY(csv.contains(u"user_id = ?"_s));
        for (const QString& literal : kLiterals)
            QVERIFY2(!csv.contains(literal), qPrintable(literal));

        // Remembered: a new window on a fresh session starts redacted.
        Fixture again;
        QVERIFY(again.view.isRedacted());
        QVERIFY(again.window->windowActions()->action(WindowActions::Id::Redact)->isChecked());
        again.window->windowActions()->action(WindowActions::Id::Redact)->trigger();
        QVERIFY(!again.view.isRedacted());
    }

    void exportsWriteCsv_data()
    {
        QTest::addColumn<EvidenceActions::ExportKind>("kind");
        QTest::addColumn<bool>("everything");
        QTest::addColumn<QString>("header");
        QTest::addRow("timeline visible") << EvidenceActions::ExportKind::Timeline << false << u"timestamp,target,ok"_s;
        QTest::addRow("timeline all") << EvidenceActions::ExportKind::Timeline << true << u"timestamp,target,ok"_s;
        QTest::addRow("routes") << EvidenceActions::ExportKind::Routes << true << u"timestamp,target,route"_s;
        QTest::addRow("backends") << EvidenceActions::ExportKind::Backends << false << u"timestamp,database,pid"_s;
        QTest::addRow("events") << EvidenceActions::ExportKind::Events << true << u"timestamp,severity"_s;
    }

    void exportsWriteCsv()
    {
        QFETCH(EvidenceActions::ExportKind, kind);
        QFETCH(bool, everything);
        QFETCH(QString, header);
        Fixture f;
        w(f).timelinePane()->rangeBox()->setCurrentIndex(0); // 5 min visible: fewer rows than everything
        f.window->renderToImage();
        f.view.setCursor(timeOf(40));
        const QString path
            = m_out.filePath(QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-') + u".csv"_s);
        QString error;
        QVERIFY2(f.window->evidence()->exportCsv(kind, path, everything, &error), qPrintable(error));
        const QString csv = readAll(path);
        QVERIFY2(csv.startsWith(header), qPrintable(csv.left(80)));
        const auto rows = csv.count(u"\r\n"_s) - 1;
        QVERIFY(rows >= 1);
        if (kind == EvidenceActions::ExportKind::Timeline)
            QCOMPARE(rows, everything ? kSamples : 5 * 60 * 1000 / kStep + 1);
        if (kind == EvidenceActions::ExportKind::Backends)
            QVERIFY(csv.contains(QString::number(momentPid(40)))); // the snapshot at the cursor
    }

    // File ▸ Export ▸ Holders and Poolers: the CLI's `export --what holders|poolers`, as jobs, read back.
    void exportsHoldersAndPoolers_data()
    {
        QTest::addColumn<EvidenceActions::ExportKind>("kind");
        QTest::addColumn<WindowActions::Id>("action");
        QTest::addColumn<QStringList>("lines");
        const QString last = isoTimestamp(timeOf(kSamples)); // the poll that reports holders
        QTest::addRow("holders")
            << EvidenceActions::ExportKind::Holders << WindowActions::Id::ExportHolders
            << QStringList { u"timestamp,target,backend_pid,acquired_at,tracked,route,location,stack"_s,
                   last + u",web,100,,0,refresh_odds,jobs.py:88 in refresh_odds(),jobs.py:88:refresh_odds"_s,
                   last + u",web,4242,,1,,,"_s };
        QStringList poolers {
            u"timestamp,pooler,database,user,pool_mode,cl_active,cl_waiting,sv_active,sv_idle,sv_used,maxwait"_s
        };
        for (int i = 0; i < 3; ++i)
            poolers.append(isoTimestamp(timeOf(i)) + u",pgb,app,web,transaction,%1,1,3,2,0,0.25"_s.arg(10 + i));
        QTest::addRow("poolers") << EvidenceActions::ExportKind::Poolers << WindowActions::Id::ExportPoolers << poolers;
    }

    void exportsHoldersAndPoolers()
    {
        QFETCH(EvidenceActions::ExportKind, kind);
        QFETCH(WindowActions::Id, action);
        QFETCH(const QStringList, lines);
        Workspace ws = workspace();
        PoolerConfig pooler;
        pooler.name = u"pgb"_s;
        pooler.conninfo = u"dbname=pgbouncer"_s;
        pooler.database = u"main"_s;
        ws.poolers.append(pooler);
        Session session(ws);
        MemoryArchive archive;
        session.setArchive(&archive);
        feed(session, archive);
        for (int i = 0; i < 3; ++i) {
            PoolerSnapshot snapshot;
            snapshot.pooler = u"pgb"_s;
            snapshot.database = u"main"_s;
            snapshot.timestampMs = timeOf(i);
            PoolerPool pool;
            pool.database = u"app"_s;
            pool.user = u"web"_s;
            pool.poolMode = u"transaction"_s;
            pool.clActive = 10 + i;
            pool.clWaiting = 1;
            pool.svActive = 3;
            pool.svIdle = 2;
            pool.maxwaitUs = 250'000;
            snapshot.pools.append(pool);
            session.addPoolerSnapshot(snapshot);
        }
        Sample withHolders = session.target(0).latest;
        withHolders.timestampMs = timeOf(kSamples); // the newest poll
        Holder leaked;
        leaked.backendPid = 100;
        leaked.route = u"refresh_odds"_s;
        leaked.stack = QStringList { u"jobs.py:88:refresh_odds"_s };
        Holder tracked;
        tracked.backendPid = 4242;
        tracked.tracked = true;
        withHolders.holdersReported = true;
        withHolders.holders = { leaked, tracked };
        session.addSample(withHolders);

        ViewState view;
        Diagnosis diagnosis(&session, &view);
        MainWindow window(&session, &view, &diagnosis);
        window.renderToImage();

        // The menu action is wired: it asks for the range (cancelled here, so nothing is written).
        QAction* menuAction = window.windowActions()->action(action);
        QVERIFY(menuAction);
        QVERIFY(!menuAction->shortcut().isEmpty());
        QString asked;
        QTimer::singleShot(0, this, [&asked] {
            if (auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget())) {
                asked = dialog->windowTitle();
                dialog->reject();
            }
        });
        menuAction->trigger();
        QCOMPARE(asked, u"Export "_s + QString::fromLatin1(QTest::currentDataTag()));

        const QString path = m_out.filePath(u"menu-"_s + QString::fromLatin1(QTest::currentDataTag()) + u".csv"_s);
        QSignalSpy done(window.evidence(), &EvidenceActions::exportFinished);
        QVERIFY(window.evidence()->startExport(kind, path, true) > 0);
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
        QVERIFY2(done.at(0).at(1).toBool(), qPrintable(done.at(0).at(2).toString()));
        QStringList read = readAll(path).split(u"\r\n"_s);
        QCOMPARE(read.takeLast(), QString()); // the last row ends with CRLF too
        QCOMPARE(read, lines);
    }

    void exportsAsAJob()
    {
        // The same file as the direct export, written by a job; the window hears when it is done.
        Fixture f;
        f.window->renderToImage();
        const QString direct = m_out.filePath(u"direct-timeline.csv"_s);
        const QString job = m_out.filePath(u"job-timeline.csv"_s);
        QVERIFY(f.window->evidence()->exportCsv(EvidenceActions::ExportKind::Timeline, direct, true));
        QSignalSpy done(f.window->evidence(), &EvidenceActions::exportFinished);
        const quint64 id = f.window->evidence()->startExport(EvidenceActions::ExportKind::Timeline, job, true);
        QVERIFY(id > 0);
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
        QCOMPARE(done.at(0).at(0).toString(), job);
        QVERIFY2(done.at(0).at(1).toBool(), qPrintable(done.at(0).at(2).toString()));
        QCOMPARE(readAll(job), readAll(direct));

        QSignalSpy failed(f.window->evidence(), &EvidenceActions::exportFinished);
        const QString bad = u"/nonexistent-dir/x.csv"_s;
        f.window->evidence()->startExport(EvidenceActions::ExportKind::Events, bad, true);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 30000);
        QCOMPARE(failed.at(0).at(1).toBool(), false);
        QVERIFY2(failed.at(0).at(2).toString().contains(bad), qPrintable(failed.at(0).at(2).toString()));
    }

    // The window never writes an export or a screenshot over a file it reads, nor over a recording, even
    // though its save dialog asked before replacing: the file is left as it was and the reason is given.
    void neverOverwritesWhatItReads()
    {
        Fixture f;
        const QString reviewed = m_out.filePath(u"reviewed.sqlite"_s);
        {
            QFile file(reviewed);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray("SQLite format 3\0", 16) + QByteArray(4080, '\0'));
        }
        const QByteArray before = readBytes(reviewed);
        f.window->evidence()->setReadFiles({ reviewed });

        QString error;
        QVERIFY(!f.window->evidence()->exportCsv(EvidenceActions::ExportKind::Timeline, reviewed, true, &error));
        QVERIFY2(error.contains(u"recording"_s) && error.contains(reviewed), qPrintable(error));

        QSignalSpy exported(f.window->evidence(), &EvidenceActions::exportFinished);
        QCOMPARE(f.window->evidence()->startExport(EvidenceActions::ExportKind::Events, reviewed, true), quint64(0));
        QTRY_COMPARE_WITH_TIMEOUT(exported.size(), 1, 30000);
        QCOMPARE(exported.at(0).at(1).toBool(), false);

        QSignalSpy saved(f.window->evidence(), &EvidenceActions::screenshotFinished);
        QCOMPARE(
            f.window->evidence()->startScreenshot(EvidenceActions::ScreenshotKind::WindowPng, reviewed), quint64(0));
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 30000);
        QCOMPARE(saved.at(0).at(1).toBool(), false);
        QVERIFY2(saved.at(0).at(2).toString().contains(reviewed), qPrintable(saved.at(0).at(2).toString()));
        QCOMPARE(readBytes(reviewed), before);
    }

    void screenshotsAsJobs()
    {
        Fixture f;
        QSignalSpy done(f.window->evidence(), &EvidenceActions::screenshotFinished);
        const QString png = m_out.filePath(u"job-window.png"_s);
        const QString svg = m_out.filePath(u"job-chart.svg"_s);
        f.window->evidence()->startScreenshot(EvidenceActions::ScreenshotKind::WindowPng, png);
        f.window->evidence()->startScreenshot(EvidenceActions::ScreenshotKind::ChartSvg, svg);
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, 30000);
        for (const auto& args : std::as_const(done))
            QVERIFY2(args.at(1).toBool(), qPrintable(args.at(2).toString()));
        QCOMPARE(QImage(png).height(), renderWindowWithCaption(f.window.get()).height());
        QVERIFY(QSvgRenderer(svg).isValid());
    }

    void longJobsShowProgressAndCancel()
    {
        Fixture f;
        JobTracker* jobs = f.window->evidence()->jobs();
        JobProgressWidget* strip = f.window->evidence()->jobProgress();
        QVERIFY(strip->isHidden());
        auto halfway = std::make_shared<QSemaphore>();
        bool delivered = false;
        QSignalSpy finished(jobs, &JobTracker::jobFinished);
        const quint64 id = jobs->run(
            u"test"_s, u"Waiting for Cancel"_s, f.window.get(),
            [halfway](JobControl& control) {
                control.setProgress(0.5);
                halfway->release();
                while (!control.isCanceled())
                    QThread::msleep(2);
                return 1;
            },
            [&delivered](int) { delivered = true; });
        QVERIFY(halfway->tryAcquire(1, 10000));
        // Shown once it has run for 200 ms, with its progress.
        QTRY_COMPARE_WITH_TIMEOUT(strip->shownJob(), id, 10000);
        QVERIFY(strip->isVisibleTo(f.window.get()));
        strip->cancelButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.at(0).at(1).toBool(), true);
        QVERIFY(!delivered);
        QTRY_VERIFY_WITH_TIMEOUT(strip->isHidden(), 10000);
        QCOMPARE(strip->shownJob(), quint64(0));
    }

    void exportToBadPathFails()
    {
        Fixture f;
        QString error;
        const QString path = u"/nonexistent-dir/x.csv"_s;
        QVERIFY(!f.window->evidence()->exportCsv(EvidenceActions::ExportKind::Events, path, true, &error));
        QVERIFY2(error.contains(path), qPrintable(error));
    }

    void screenshots()
    {
        Fixture f;
        MainWindow& w = *f.window;
        f.view.setCursor(timeOf(90));
        const QString svgPath = m_out.filePath(u"chart.svg"_s);
        QString error;
        QVERIFY2(w.evidence()->saveScreenshot(EvidenceActions::ScreenshotKind::ChartSvg, svgPath, &error),
            qPrintable(error));
        const QString svg = readAll(svgPath);
        QVERIFY(svg.size() > 1000);
        QVERIFY(svg.contains(u"<svg"_s));
        QVERIFY(svg.contains(u"PoolScope " POOLSCOPE_VERSION ""_s));
        QSvgRenderer renderer(svgPath);
        QVERIFY(renderer.isValid());
        QCOMPARE(renderer.viewBox().width(), w.chart()->width());
        QVERIFY(renderer.viewBox().height() > w.chart()->height()); // the caption strip

        const QImage plain = w.grab().toImage();
        const QImage captioned = renderWindowWithCaption(&w);
        QCOMPARE(captioned.width(), plain.width());
        QVERIFY(captioned.height() > plain.height());
        const QString pngPath = m_out.filePath(u"window.png"_s);
        QVERIFY2(w.evidence()->saveScreenshot(EvidenceActions::ScreenshotKind::WindowPng, pngPath, &error),
            qPrintable(error));
        QImage read(pngPath);
        QCOMPARE(read.height(), captioned.height());
        const QString chartPath = m_out.filePath(u"chart.png"_s);
        QVERIFY(w.evidence()->saveScreenshot(EvidenceActions::ScreenshotKind::ChartPng, chartPath, &error));
        QVERIFY(QImage(chartPath).height() > w.chart()->height());

        if (const QByteArray dir = qgetenv("POOLSCOPE_SCREENSHOT_DIR"); !dir.isEmpty()) {
            const QString d = QString::fromLocal8Bit(dir);
            captioned.save(d + u"/evidence-window.png"_s);
            QFile::copy(chartPath, d + u"/evidence-chart.png"_s);
            QFile::copy(svgPath, d + u"/evidence-chart.svg"_s);
            QImage svgImage(renderer.defaultSize(), QImage::Format_ARGB32);
            svgImage.fill(Qt::white);
            QPainter painter(&svgImage);
            renderer.render(&painter);
            painter.end();
            svgImage.save(d + u"/evidence-chart-svg-rendered.png"_s);
            w.windowActions()->action(WindowActions::Id::Redact)->trigger();
            renderWindowWithCaption(&w).save(d + u"/evidence-window-redacted.png"_s);
        }
    }

    void copyScreenshotToClipboard()
    {
        Fixture f;
        const int plainHeight = f.window->grab().toImage().height();
        f.window->windowActions()->action(WindowActions::Id::CopyScreenshot)->trigger();
        const QImage copied = QApplication::clipboard()->image();
        QVERIFY(!copied.isNull());
        QVERIFY(copied.height() > plainHeight);
    }

    void recordingStatus()
    {
        Fixture f;
        RecordingStatusWidget* status = f.window->evidence()->recordingStatus();
        QVERIFY(!status->recordButton()->isEnabled()); // no manager wired yet
        RecordingManager manager;
        manager.setFolder(m_out.filePath(u"recordings"_s));
        f.window->evidence()->setRecordingManager(&manager);
        QVERIFY(status->recordButton()->isEnabled());
        f.window->show(); // as in the app: the status bar hides its normal widgets under a message
        QVERIFY(QTest::qWaitForWindowExposed(f.window.get()));
        QTest::mouseClick(status->recordButton(), Qt::LeftButton);
        QVERIFY2(manager.isRecording(), qPrintable(manager.lastError()));
        QVERIFY(status->pathText().contains(QFileInfo(manager.path()).fileName()));
        QVERIFY(status->sizeText().endsWith(u"B"_s));
        QVERIFY(status->recordButton()->isChecked());
        if (const QByteArray dir = qgetenv("POOLSCOPE_SCREENSHOT_DIR"); !dir.isEmpty()) {
            renderWindowWithCaption(f.window.get()).save(QString::fromLocal8Bit(dir) + u"/evidence-recording.png"_s);
        }
        const QString path = manager.path();
        QTest::mouseClick(status->recordButton(), Qt::LeftButton);
        QVERIFY(!manager.isRecording());
        QVERIFY(QFileInfo(path).size() > 0);
        QVERIFY(!status->recordButton()->isChecked());
        QVERIFY(status->pathText().isEmpty());
    }

    void recordingSizeFormat()
    {
        QCOMPARE(RecordingStatusWidget::formatSize(12), u"12 B"_s);
        QCOMPARE(RecordingStatusWidget::formatSize(640 * 1024), u"640 KB"_s);
        QCOMPARE(RecordingStatusWidget::formatSize(qint64(1258291)), u"1.2 MB"_s);
    }

private:
    static MainWindow& w(Fixture& f) { return *f.window; }
};

QTEST_MAIN(TestEvidenceUi)
#include "tst_evidenceui.moc"
