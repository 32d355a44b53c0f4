// Every view follows the time cursor: the targets list, the details, the chart's title, the window title and
// the verdict banner show the moment the cursor is at (and say which), and come back to the newest data when
// it goes live; "backends at cursor" exports every database's backends at that moment.

#include "EvidenceActions.h"
#include "MainWindow.h"
#include "StatusPane.h"
#include "TargetsPane.h"
#include "TimelinePane.h"
#include "VerdictBanner.h"
#include "VerdictPane.h"
#include "analysis/Diagnosis.h"
#include "export/Exporter.h"
#include "format/Format.h"
#include "models/BackendsModel.h"
#include "models/TargetsModel.h"
#include "store/Session.h"
#include "store/SessionAtCursor.h"
#include "store/ViewState.h"

#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QImage>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kStep = 4000;
constexpr int kSamples = 120;
constexpr int kMoment = 42; // the past moment the tests put the cursor at
const qint64 kStart = QDateTime::fromString(u"2026-11-27T02:05:00Z"_s, Qt::ISODate).toMSecsSinceEpoch();

qint64 timeOf(int i)
{
    return kStart + i * kStep;
}

// web: a stable discrepancy of 6 for the first half, then one more connection every poll (growing).
double webCheckedOut(int i)
{
    return i < 60 ? 10 : 10 + (i - 59);
}
// worker: failing for five polls from 40 on (so at kMoment: 3 failures in a row), balanced otherwise.
bool workerFails(int i)
{
    return i >= 40 && i < 45;
}
// Backends per database at poll i: "main" holds web's, "reports" worker's; they grow at different paces.
int webBackends(int i)
{
    return 2 + i / 20;
}
int workerBackends(int i)
{
    return 1 + i / 30;
}

ActivitySnapshot snapshot(const QString& database, int i)
{
    ActivitySnapshot s;
    s.database = database;
    s.timestampMs = timeOf(i);
    s.serverTimeMs = timeOf(i);
    s.latencyMs = 2;
    const bool main = database == u"main"_s;
    const int n = main ? webBackends(i) : workerBackends(i);
    for (int k = 0; k < n; ++k) {
        Backend b;
        b.pid = (main ? 1000 : 2000) + k;
        b.applicationName = main ? u"web"_s : u"worker"_s;
        b.usename = u"app"_s;
        b.backendStartMs = kStart - 60'000;
        b.state = u"idle"_s;
        b.stateChangeMs = kStart - 30'000;
        b.query = u"=HYPERLINK(\"x\") -- from "_s + database; // formula-looking text: the CSV guard applies
        s.backends.append(b);
    }
    return s;
}

// An in-memory recording of both databases' snapshots.
class MemoryArchive : public SnapshotArchive
{
public:
    std::map<QString, std::map<qint64, ActivitySnapshot>> snapshots;

    ActivitySnapshot snapshotAt(const QString& database, qint64 tMs) const override
    {
        const auto db = snapshots.find(database);
        if (db != snapshots.end()) {
            const auto it = db->second.upper_bound(tMs);
            if (it != db->second.begin())
                return std::prev(it)->second;
        }
        ActivitySnapshot none;
        none.database = database;
        return none;
    }
    QList<RouteStats> routesAt(const QString&, qint64) const override { return {}; }
};

Workspace workspace()
{
    Workspace ws;
    for (const auto& [name, database] :
        { std::pair { u"web"_s, u"main"_s }, std::pair { u"worker"_s, u"reports"_s } }) {
        TargetConfig t;
        t.name = name;
        t.url = u"http://127.0.0.1:8000/"_s + name;
        t.applicationName = name;
        t.database = database;
        ws.targets.append(t);
        DatabaseConfig db;
        db.name = database;
        db.conninfo = u"dbname="_s + database;
        ws.databases.append(db);
    }
    return ws;
}

void feed(Session& session, MemoryArchive& archive)
{
    for (int i = 0; i < kSamples; ++i) {
        Sample web;
        web.target = u"web"_s;
        web.timestampMs = timeOf(i);
        web.latencyMs = 10;
        web.metrics.set(Metric::CheckedOut, webCheckedOut(i));
        web.metrics.set(Metric::Tracked, 4);
        web.metrics.set(Metric::Discrepancy, webCheckedOut(i) - 4);
        web.metrics.set(Metric::PoolSize, 20 + i);
        web.metrics.set(Metric::PoolMax, 200);
        session.addSample(web);
        Sample worker;
        worker.target = u"worker"_s;
        worker.timestampMs = timeOf(i) + 1;
        worker.latencyMs = 7;
        if (workerFails(i)) {
            worker.error = u"connection refused"_s;
        } else {
            worker.metrics.set(Metric::CheckedOut, 3);
            worker.metrics.set(Metric::Tracked, 3);
            worker.metrics.set(Metric::Discrepancy, 0);
        }
        session.addSample(worker);
        for (const QString& database : { u"main"_s, u"reports"_s }) {
            const ActivitySnapshot s = snapshot(database, i);
            archive.snapshots[database][s.timestampMs] = s;
            session.addSnapshot(s);
        }
    }
}

QString cell(const TargetsModel* model, int row, int column, int role = Qt::DisplayRole)
{
    return model->index(row, column).data(role).toString();
}

QList<QStringList> readCsv(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QStringList> rows;
    for (const QByteArray& line : file.readAll().split('\n')) {
        if (!line.trimmed().isEmpty())
            rows.append(QString::fromUtf8(line.trimmed()).split(u','));
    }
    return rows;
}
} // namespace

class TestCursorUi : public QObject
{
    Q_OBJECT

    QTemporaryDir m_config;
    QTemporaryDir m_out;

    struct Fixture
    {
        MemoryArchive archive;
        Session session { workspace() };
        ViewState view;
        std::unique_ptr<Diagnosis> diagnosis;
        std::unique_ptr<MainWindow> window;
        explicit Fixture(bool review)
        {
            session.setArchive(&archive);
            feed(session, archive);
            session.setReview(review);
            diagnosis = std::make_unique<Diagnosis>(&session, &view);
            diagnosis->recompute();
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
        QCoreApplication::setApplicationName(u"tst_cursorui"_s);
        QSettings().clear();
    }

    // A recording opened at a moment (screenshot FILE --at T): the cursor is set before the recording's archive is
    // attached, so at first nothing can be read at it; once the archive is there, the backends are that moment's.
    void archiveAttachedAfterTheCursor()
    {
        Session session(workspace());
        MemoryArchive archive;
        feed(session, archive);
        session.setReview(true);
        ViewState view;
        view.setCursor(timeOf(kMoment));
        BackendsModel model(&session, &view);
        QCOMPARE(model.rowCount(), 0);
        session.setArchive(&archive);
        view.reloadAtCursor();
        QCOMPARE(model.rowCount(), webBackends(kMoment) + workerBackends(kMoment));
        QVERIFY(webBackends(kMoment) != webBackends(kSamples - 1)); // not the newest read
        const QSignalSpy moved(&view, &ViewState::cursorChanged);
        view.setCursor(ViewState::kLive);
        view.reloadAtCursor(); // live reads nothing from the archive: nobody is asked again
        QCOMPARE(moved.count(), 1);
    }

    void targetAtByHistory()
    {
        Session session(workspace());
        MemoryArchive archive;
        feed(session, archive);
        const TargetState worker = SessionAtCursor::targetAt(session.target(1), timeOf(kMoment) + 1);
        QCOMPARE(worker.latest.timestampMs, timeOf(kMoment) + 1);
        QCOMPARE(worker.latest.error, u"connection refused"_s);
        QCOMPARE(worker.consecutiveFailures, 3);
        QCOMPARE(worker.lastOk.timestampMs, timeOf(39) + 1);
        QCOMPARE(worker.lastOk.metrics[Metric::CheckedOut], 3.0);
        QCOMPARE(worker.backendCount, qint64(workerBackends(kMoment)));
        const TargetState web = SessionAtCursor::targetAt(session.target(0), timeOf(90) + 500);
        QCOMPARE(web.latest.timestampMs, timeOf(90));
        QCOMPARE(web.consecutiveFailures, 0);
        QCOMPARE(web.lastOk.metrics[Metric::CheckedOut], webCheckedOut(90));
        QCOMPARE(web.latest.latencyMs, qint64(10));
        QCOMPARE(web.backendCount, qint64(webBackends(90)));
        // Before the first poll: nothing yet.
        const TargetState before = SessionAtCursor::targetAt(session.target(0), kStart - 1);
        QVERIFY(!before.polled());
        QCOMPARE(before.backendCount, qint64(-1));
    }

    // The verdict at a past moment knows only what was known then: the server's connection limit it runs into is
    // the one read at the cursor, not the newest.
    void verdictUsesTheServerLimitAtTheCursor()
    {
        Workspace ws;
        TargetConfig t;
        t.name = u"web"_s;
        t.applicationName = u"web"_s;
        t.database = u"main"_s;
        ws.targets.append(t);
        DatabaseConfig db;
        db.name = u"main"_s;
        ws.databases.append(db);
        Session session(ws);
        MemoryArchive archive;
        session.setArchive(&archive);
        for (int i = 0; i < kSamples; ++i) {
            Sample s;
            s.target = u"web"_s;
            s.timestampMs = timeOf(i);
            s.metrics.set(Metric::CheckedOut, 10 + i); // growing, no pool max: the server's limit is the one ahead
            s.metrics.set(Metric::Tracked, 4);
            session.addSample(s);
            ActivitySnapshot snap = snapshot(u"main"_s, i);
            snap.maxConnections = i < 80 ? 300 : 500; // raised at poll 80
            archive.snapshots[u"main"_s][snap.timestampMs] = snap;
            session.addSnapshot(snap);
        }
        ViewState view;
        Diagnosis diagnosis(&session, &view);
        diagnosis.recompute();
        QCOMPARE(diagnosis.target(0).verdict.kind, VerdictKind::Growing);
        QCOMPARE(diagnosis.target(0).verdict.serverMaxConnections, 500);
        view.setCursor(timeOf(60));
        QTRY_COMPARE(diagnosis.target(0).cursorMs, timeOf(60));
        QCOMPARE(diagnosis.target(0).verdict.kind, VerdictKind::Growing);
        QCOMPARE(diagnosis.target(0).verdict.serverMaxConnections, 300);
        QCOMPARE(diagnosis.target(0).verdict.toMs, timeOf(60));
    }

    void viewsFollowTheCursor_data()
    {
        QTest::addColumn<bool>("review");
        QTest::addRow("live") << false;
        QTest::addRow("review") << true;
    }

    void viewsFollowTheCursor()
    {
        QFETCH(bool, review);
        Fixture f(review);
        MainWindow& w = *f.window;
        const TargetsModel* model = w.targetsPane()->model();
        const QString moment = formatClock(timeOf(kMoment) + 1);
        w.selectTarget(0);

        // Live: the newest numbers; web has been growing.
        const auto checkNewest = [&] {
            QCOMPARE(cell(model, 0, TargetsModel::CheckedOut), u"70"_s);
            QCOMPARE(cell(model, 0, TargetsModel::Discrepancy), u"66"_s);
            QCOMPARE(cell(model, 0, TargetsModel::Backends), QString::number(webBackends(kSamples - 1)));
            QCOMPARE(
                model->index(0, 0).data(TargetsModel::StateLevelRole).toInt(), int(TargetsModel::StateLevel::Critical));
            QCOMPARE(cell(model, 1, TargetsModel::State), u"ok"_s);
            QCOMPARE(cell(model, 1, TargetsModel::LastPoll), formatClock(timeOf(kSamples - 1) + 1));
            QVERIFY2(!w.windowTitle().contains(u" at "_s), qPrintable(w.windowTitle()));
            QVERIFY2(
                w.statusPane()->statusText().contains(u"2 targets ok"_s), qPrintable(w.statusPane()->statusText()));
            QVERIFY(w.statusPane()->errorText().isEmpty());
            QVERIFY2(w.timelinePane()->titleText().contains(u"<b>70</b>"_s), qPrintable(w.timelinePane()->titleText()));
            QVERIFY(!w.timelinePane()->titleText().contains(u"at "_s + moment));
            QVERIFY2(
                !w.targetsPane()->detailsText().contains(u"time cursor"_s), qPrintable(w.targetsPane()->detailsText()));
            QTRY_COMPARE(f.diagnosis->target(0).verdict.kind, VerdictKind::Growing);
            QCOMPARE(f.diagnosis->target(0).cursorMs, ViewState::kLive);
            QTRY_VERIFY2(
                w.verdictPane()->banner()->text().startsWith(u"web"_s), qPrintable(w.verdictPane()->banner()->text()));
        };
        if (review) // a review window opens at the recording's end, which is the newest data too
            f.view.setCursor(ViewState::kLive);
        checkNewest();

        // The cursor at a past moment: every view shows that moment, and says so.
        f.view.setCursor(timeOf(kMoment) + 1);
        QCOMPARE(cell(model, 0, TargetsModel::CheckedOut), u"10"_s);
        QCOMPARE(cell(model, 0, TargetsModel::Tracked), u"4"_s);
        QCOMPARE(cell(model, 0, TargetsModel::Discrepancy), u"6"_s);
        QCOMPARE(cell(model, 0, TargetsModel::Backends), QString::number(webBackends(kMoment)));
        QCOMPARE(cell(model, 0, TargetsModel::Pool), u"%1/200"_s.arg(20 + kMoment));
        QCOMPARE(model->index(0, 0).data(TargetsModel::StateLevelRole).toInt(), int(TargetsModel::StateLevel::Ok));
        QCOMPARE(cell(model, 1, TargetsModel::State), u"failing: connection refused"_s);
        QCOMPARE(model->index(1, 0).data(TargetsModel::StateLevelRole).toInt(), int(TargetsModel::StateLevel::Failing));
        QCOMPARE(cell(model, 1, TargetsModel::Backends), QString::number(workerBackends(kMoment)));
        QCOMPARE(cell(model, 1, TargetsModel::LastPoll), moment);
        QCOMPARE(cell(model, 1, TargetsModel::CheckedOut), u"3"_s); // its last successful poll's

        const QString title = w.timelinePane()->titleText();
        QVERIFY2(title.contains(u"<b>10</b>"_s) && title.contains(u"at "_s + moment), qPrintable(title));
        QVERIFY2(w.windowTitle().endsWith(u" — at "_s + moment), qPrintable(w.windowTitle()));
        QString details = w.targetsPane()->detailsText();
        QVERIFY2(details.contains(u"At %1 (time cursor)"_s.arg(moment)), qPrintable(details));
        QVERIFY2(
            details.contains(u"acquired"_s) && details.contains(u"size %1"_s.arg(20 + kMoment)), qPrintable(details));
        // Both databases as they were then.
        QVERIFY2(
            details.contains(u"%1 backends · read %2"_s.arg(webBackends(kMoment)).arg(formatClock(timeOf(kMoment)))),
            qPrintable(details));
        QVERIFY2(
            details.contains(u"%1 backends · read %2"_s.arg(workerBackends(kMoment)).arg(formatClock(timeOf(kMoment)))),
            qPrintable(details));

        // The status bar counts what the list shows then; its last poll stays the newest (the monitor lives on).
        QVERIFY2(w.statusPane()->statusText().contains(u"1 target ok, 1 failing"_s),
            qPrintable(w.statusPane()->statusText()));
        QCOMPARE(w.statusPane()->errorText(), u"worker: connection refused"_s);

        // The worker's details at that moment: failing, three in a row.
        w.selectTarget(1);
        details = w.targetsPane()->detailsText();
        QVERIFY2(details.contains(u"3 in a row"_s) && details.contains(u"connection refused"_s), qPrintable(details));
        w.selectTarget(0);

        // The verdict at the moment uses the data up to it: stable at 6, not the growth that came later.
        QTRY_COMPARE(f.diagnosis->target(0).cursorMs, timeOf(kMoment) + 1);
        const Verdict& verdict = f.diagnosis->target(0).verdict;
        QCOMPARE(verdict.kind, VerdictKind::Stable);
        QCOMPARE(verdict.toMs, timeOf(kMoment) + 1);
        QVERIFY(verdict.checkedOutNow == 10);
        QTRY_VERIFY2(w.verdictPane()->banner()->text().startsWith(u"At %1 (time cursor) — web"_s.arg(moment)),
            qPrintable(w.verdictPane()->banner()->text()));

        // New data while the cursor is in the past changes nothing shown (the moment is the moment).
        if (!review) {
            Sample late;
            late.target = u"web"_s;
            late.timestampMs = timeOf(kSamples);
            late.metrics.set(Metric::CheckedOut, 99);
            late.metrics.set(Metric::Tracked, 4);
            f.session.addSample(late);
            w.renderToImage();
            QCOMPARE(cell(model, 0, TargetsModel::CheckedOut), u"10"_s);
            QVERIFY(w.timelinePane()->titleText().contains(u"<b>10</b>"_s));
        }

        if (const QString shot = qEnvironmentVariable("POOLSCOPE_CURSOR_SHOT"); !shot.isEmpty())
            QVERIFY(w.renderToImage().save(shot + (review ? u"-review.png"_s : u"-live.png"_s)));

        // Back to live: the newest again everywhere.
        f.view.setCursor(ViewState::kLive);
        if (!review) {
            QCOMPARE(cell(model, 0, TargetsModel::CheckedOut), u"99"_s);
            return;
        }
        checkNewest();
    }

    void backendsExportCoversEveryDatabase_data()
    {
        QTest::addColumn<bool>("review");
        QTest::addRow("live") << false;
        QTest::addRow("review") << true;
    }

    void backendsExportCoversEveryDatabase()
    {
        QFETCH(bool, review);
        Fixture f(review);
        MainWindow& w = *f.window;
        w.selectTarget(0); // the selection no longer decides the database: every one is exported
        const auto exportAt = [&](qint64 cursor, const QString& name) {
            f.view.setCursor(cursor);
            const QString path = m_out.filePath(name);
            QString error;
            if (!w.evidence()->exportCsv(EvidenceActions::ExportKind::Backends, path, false, &error))
                qWarning("%s", qPrintable(error));
            return readCsv(path);
        };
        const QList<QStringList> rows = exportAt(timeOf(kMoment) + 1, u"backends-at-%1.csv"_s.arg(review));
        QVERIFY(!rows.isEmpty());
        QCOMPARE(rows.first(), backendsColumns());
        QCOMPARE(rows.size() - 1, webBackends(kMoment) + workerBackends(kMoment));
        QMap<QString, int> perDatabase;
        for (qsizetype i = 1; i < rows.size(); ++i) {
            const QStringList& row = rows.at(i);
            QCOMPARE(row.at(0), isoTimestamp(timeOf(kMoment)));
            ++perDatabase[row.at(1)];
            QCOMPARE(row.at(3), row.at(1) == u"main"_s ? u"web"_s : u"worker"_s);
            QVERIFY2(row.last().contains(u"'=HYPERLINK"_s), qPrintable(row.last())); // the formula guard holds
        }
        QCOMPARE(perDatabase.value(u"main"_s), webBackends(kMoment));
        QCOMPARE(perDatabase.value(u"reports"_s), workerBackends(kMoment));

        // Live: the newest read of each.
        const QList<QStringList> newest = exportAt(ViewState::kLive, u"backends-live-%1.csv"_s.arg(review));
        QCOMPARE(newest.size() - 1, webBackends(kSamples - 1) + workerBackends(kSamples - 1));
        QCOMPARE(newest.at(1).at(0), isoTimestamp(timeOf(kSamples - 1)));
    }
};

QTEST_MAIN(TestCursorUi)
#include "tst_cursorui.moc"
