// The first window and workspaces edited in the window, offscreen, against a real HTTP server: the welcome
// page (buttons, recent workspaces, a missing one shown and removed), a target added through the workspace
// editor (validated as the loader validates, tested once, then polled), thresholds saved into the file and
// read back, Save / Save As round trips, and the window's state remembered (QSettings in a temporary place).
#include "EvidenceActions.h"
#include "LiveWindow.h"
#include "MainWindow.h"
#include "PgCluster.h"
#include "TargetsPane.h"
#include "TestFiles.h"
#include "TestHttpServer.h"
#include "ThresholdsDialog.h"
#include "TimelinePane.h"
#include "WelcomePage.h"
#include "WindowActions.h"
#include "WorkspaceDialog.h"
#include "models/PayloadModel.h"
#include "sources/Monitor.h"
#include "store/Session.h"
#include "workspace/RecentWorkspaces.h"
#include "workspace/WorkspaceFile.h"

#include <QAction>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QHeaderView>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <libpq-fe.h>

#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope;
using poolscope::test::httpResponse;
using poolscope::test::LiveWindow;
using poolscope::test::readAll;
using poolscope::test::TestHttpServer;
using poolscope::test::writeFile;

namespace {

const QByteArray kHealth = R"({"pool": {"checked_out": 7, "pool_size": 10, "pool_max": 20}, "tracked": 5})";
const QByteArray kHealth2 = R"({"pool": {"checked_out": 3, "pool_size": 10, "pool_max": 20}, "tracked": 3})";

template <typename T> T* editorAs(WorkspaceDialog* dialog, const QString& field)
{
    return qobject_cast<T*>(dialog->editor(field));
}

} // namespace

class TestWorkspaceUi : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_settings.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settings.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
        QCoreApplication::setOrganizationName(u"PoolScopeTest"_s);
        QCoreApplication::setApplicationName(u"tst_workspaceui"_s);
        qunsetenv("POOLSCOPE_UI_TOKEN");
    }

    void init() { QSettings().clear(); }

    void welcomePage()
    {
        QTemporaryDir dir;
        const QString older = dir.filePath(u"older.json"_s);
        const QString gone = dir.filePath(u"gone.json"_s);
        const QString newest = dir.filePath(u"payments.json"_s);
        QVERIFY(writeFile(older, "{}"));
        QVERIFY(writeFile(newest, "{}"));
        RecentWorkspaces::add(older);
        RecentWorkspaces::add(gone);
        RecentWorkspaces::add(newest);

        WelcomePage page;
        page.show();
        QCOMPARE(page.recentPaths(), (QStringList { newest, gone, older }));
        QVERIFY(!page.isMissing(0));
        QVERIFY(page.isMissing(1));
        QVERIFY(page.recentList()->item(1)->text().contains(u"(missing)"_s));
        QVERIFY(!page.isMissing(2));

        QSignalSpy open(&page, &WelcomePage::openWorkspaceRequested);
        page.openRecent(1); // missing: says so, asks nothing
        QCOMPARE(open.count(), 0);
        QVERIFY2(page.message().contains(u"is not there any more"_s), qPrintable(page.message()));
        page.openRecent(0);
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.at(0).at(0).toString(), newest);

        QVERIFY(!page.removeButton()->isEnabled());
        page.recentList()->setCurrentRow(1);
        QVERIFY(page.removeButton()->isEnabled());
        page.removeButton()->click();
        QCOMPARE(page.recentPaths(), (QStringList { newest, older }));
        QCOMPARE(RecentWorkspaces::paths(), (QStringList { newest, older }));

        QSignalSpy created(&page, &WelcomePage::newWorkspaceRequested);
        QSignalSpy demo(&page, &WelcomePage::demoRequested);
        page.newButton()->click();
        page.demoButton()->click();
        QCOMPARE(created.count(), 1);
        QCOMPARE(demo.count(), 1);
        page.setDemoStarting(true);
        QVERIFY(!page.demoButton()->isEnabled());
        QVERIFY(page.message().startsWith(u"Starting the demo"_s));
        page.setDemoStarting(false);
        QVERIFY(page.demoButton()->isEnabled());
        QVERIFY(page.openButton()->isEnabled() && page.recordingButton()->isEnabled());

        const QString shot = qEnvironmentVariable("POOLSCOPE_WELCOME_SCREENSHOT");
        if (!shot.isEmpty()) {
            // The page as a person sees it on a first morning: a few workspaces, one of them gone.
            QSettings().clear();
            const QByteArray home = qgetenv("HOME");
            qputenv("HOME", dir.path().toLocal8Bit());
            QVERIFY(QDir(dir.path()).mkpath(u"workspaces"_s));
            for (const QString& name : { u"staging.json"_s, u"payments-prod.json"_s })
                QVERIFY(writeFile(dir.filePath(u"workspaces/"_s + name), "{}"));
            for (const QString& name : { u"billing-eu.json"_s, u"staging.json"_s, u"payments-prod.json"_s })
                RecentWorkspaces::add(dir.filePath(u"workspaces/"_s + name));
            page.refreshRecent();
            page.showMessage({});
            QCoreApplication::processEvents();
            const bool saved = page.grab().save(shot);
            qputenv("HOME", home);
            QVERIFY(saved);
        }
    }

    void emptyWelcomeListSaysWhatToDo()
    {
        WelcomePage page;
        QCOMPARE(page.recentPaths(), QStringList());
        QCOMPARE(page.recentList()->count(), 1);
        QVERIFY(page.recentList()->item(0)->text().contains(u"No workspace opened yet"_s));
        page.openRecent(0);
        QVERIFY(page.message().isEmpty());
    }

    void addTargetThroughTheDialogAndSeeItPolled()
    {
        TestHttpServer server;
        server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kHealth) });
        server.setRoute("/api/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kHealth2) });
        Workspace workspace;
        TargetConfig web;
        web.name = u"web"_s;
        web.url = server.url("/health");
        web.intervalMs = 200;
        web.fields.insert(u"tracked"_s, u"/tracked"_s);
        workspace.targets.append(web);
        QVERIFY(validateWorkspace(workspace).isEmpty());
        auto live = std::make_unique<LiveWindow>(workspace);

        QAction* edit = live->window->windowActions()->action(WindowActions::Id::EditWorkspace);
        QVERIFY(edit->isEnabled());
        edit->trigger();
        auto* dialog = live->window->findChild<WorkspaceDialog*>();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QCOMPARE(dialog->selectedKind(), WorkspaceDialog::Kind::Target);
        QPushButton* ok = dialog->buttons()->button(QDialogButtonBox::Ok);
        QVERIFY(ok->isEnabled());

        dialog->findChild<QPushButton*>(u"AddTarget"_s)->click();
        QCOMPARE(dialog->selectedIndex(), 1);
        auto* url = editorAs<QLineEdit>(dialog, u"url"_s);
        auto* name = editorAs<QLineEdit>(dialog, u"name"_s);
        QVERIFY(url && name);
        // As the loader says it, next to the field, naming it; OK stays off.
        QVERIFY2(dialog->fieldError(u"url"_s).startsWith(u"targets[1].url: \"\" is not an http:// or https:// URL"_s),
            qPrintable(dialog->fieldError(u"url"_s)));
        QVERIFY(!ok->isEnabled());
        url->setText(u"ftp://127.0.0.1/health"_s);
        QVERIFY(dialog->fieldError(u"url"_s).contains(u"\"ftp://127.0.0.1/health\" is not an http"_s));
        url->setText(server.url("/api/health"));
        QCOMPARE(dialog->fieldError(u"url"_s), QString());
        QVERIFY(ok->isEnabled());
        // holders_url: optional, validated like url, never with credentials; kept in the workspace as edited.
        auto* holdersUrl = editorAs<QLineEdit>(dialog, u"holders_url"_s);
        QVERIFY(holdersUrl);
        holdersUrl->setText(u"http://probe:pw@127.0.0.1/holders"_s);
        QCOMPARE(dialog->fieldError(u"holders_url"_s),
            u"targets[1].holders_url: must not hold user:password@; send credentials in headers with ${env:NAME}"_s);
        QVERIFY(!ok->isEnabled());
        holdersUrl->setText(server.url("/holders"));
        QCOMPARE(dialog->fieldError(u"holders_url"_s), QString());
        QCOMPARE(dialog->workspace().targets[1].holdersUrl, server.url("/holders"));
        holdersUrl->clear();
        QCOMPARE(dialog->workspace().targets[1].holdersUrl, QString());
        QVERIFY(ok->isEnabled());
        name->setText(u"web"_s);
        QCOMPARE(dialog->fieldError(u"name"_s), u"targets[1].name: \"web\" is used by another target"_s);
        QVERIFY(!ok->isEnabled());
        name->setText(u"api"_s);
        auto* timeout = editorAs<QDoubleSpinBox>(dialog, u"timeout"_s);
        auto* interval = editorAs<QDoubleSpinBox>(dialog, u"interval"_s);
        interval->setValue(0.2);
        timeout->setValue(3);
        QCOMPARE(dialog->fieldError(u"timeout"_s), u"targets[1].timeout: must not exceed ten intervals"_s);
        timeout->setValue(1);
        auto* headers = editorAs<QPlainTextEdit>(dialog, u"headers"_s);
        headers->setPlainText(u"Authorization: Bearer abc123"_s);
        QVERIFY2(
            dialog->fieldError(u"headers"_s).startsWith(u"targets[1].headers.Authorization: holds a literal secret"_s),
            qPrintable(dialog->fieldError(u"headers"_s)));
        QVERIFY(!ok->isEnabled());
        headers->setPlainText(u"Authorization: Bearer ${env:POOLSCOPE_UI_TOKEN}"_s);
        QCOMPARE(dialog->fieldError(u"headers"_s), QString());
        editorAs<QPlainTextEdit>(dialog, u"fields"_s)->setPlainText(u"tracked: /tracked"_s);
        QVERIFY2(dialog->problems().isEmpty(), qPrintable(dialog->problems().join(u'\n')));
        QVERIFY(ok->isEnabled());

        // Test: one poll, what the profile recognised, the payload as the inspector lays it out.
        QSignalSpy tested(dialog, &WorkspaceDialog::testFinished);
        dialog->findChild<QPushButton*>(u"TestEntry"_s)->click();
        QTRY_COMPARE_WITH_TIMEOUT(tested.count(), 1, 15'000);
        QVERIFY2(tested.at(0).at(0).toBool(), qPrintable(dialog->testSummary()));
        QVERIFY2(dialog->testSummary().contains(u"checked_out 3"_s), qPrintable(dialog->testSummary()));
        QVERIFY2(dialog->testSummary().contains(u"tracked 3"_s), qPrintable(dialog->testSummary()));
        QVERIFY(dialog->testSummary().contains(u"POOLSCOPE_UI_TOKEN"_s)); // unset: said so
        const QModelIndex checkedOut = dialog->testModel()->indexOfField(u"/pool/checked_out"_s);
        QVERIFY(checkedOut.isValid());
        QCOMPARE(checkedOut.siblingAtColumn(PayloadModel::Feeds).data().toString(), u"checked_out"_s);
        QVERIFY(server.requestCount("/api/health") >= 1);

        const QString shot = qEnvironmentVariable("POOLSCOPE_DIALOG_SCREENSHOT");
        if (!shot.isEmpty()) {
            QCoreApplication::processEvents();
            QVERIFY(dialog->grab().save(shot));
        }

        // A new target needs a new session: the window asks the app, which opens one (as app/Commands does).
        QSignalSpy reopen(live->window.get(), &MainWindow::reopenRequested);
        ok->click();
        QCOMPARE(reopen.count(), 1);
        const Workspace edited = reopen.at(0).at(0).value<Workspace>();
        QCOMPARE(edited.targets.size(), 2);
        QCOMPARE(edited.targets.at(1).name, u"api"_s);
        QCOMPARE(edited.targets.at(1).applicationName, u"api"_s); // the loader's default
        live = std::make_unique<LiveWindow>(edited);
        live->window->setWorkspaceModified(true);
        QVERIFY(live->window->windowTitle().endsWith(u" *"_s));
        const int api = live->session->targetIndex(u"api"_s);
        QCOMPARE(api, 1);
        QTRY_VERIFY_WITH_TIMEOUT(live->session->target(api).latest.ok() && live->session->target(api).polled(), 15'000);
        QCOMPARE(live->session->target(api).latest.metrics[Metric::CheckedOut], 3.0);
        QCOMPARE(live->session->target(api).latest.metrics[Metric::Tracked], 3.0);
    }

    void testReadsADatabase()
    {
        poolscope::test::PgCluster cluster;
        QString error;
        QVERIFY2(cluster.create({}, &error) && cluster.start(&error), qPrintable(error));
        PGconn* held = cluster.connect(u"checkout-svc"_s, &error);
        QVERIFY2(held, qPrintable(error));
        const auto finish = qScopeGuard([held] { PQfinish(held); });

        WorkspaceDialog dialog(Workspace {});
        dialog.show();
        QVERIFY(dialog.problems().join(u'\n').contains(
            u"a workspace needs at least one target, database or prometheus entry"_s));
        dialog.findChild<QPushButton*>(u"AddDatabase"_s)->click();
        QCOMPARE(dialog.selectedKind(), WorkspaceDialog::Kind::Database);
        auto* conninfo = editorAs<QLineEdit>(&dialog, u"conninfo"_s);
        conninfo->setText(cluster.conninfo(u"postgres"_s) + u" password=hunter2"_s);
        QVERIFY2(dialog.fieldError(u"conninfo"_s).startsWith(u"databases[0].conninfo: holds a password"_s),
            qPrintable(dialog.fieldError(u"conninfo"_s)));
        QVERIFY(!dialog.buttons()->button(QDialogButtonBox::Ok)->isEnabled());
        conninfo->setText(cluster.conninfo(u"postgres"_s));
        QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join(u'\n')));

        QSignalSpy tested(&dialog, &WorkspaceDialog::testFinished);
        dialog.testSelected();
        QTRY_COMPARE_WITH_TIMEOUT(tested.count(), 1, 30'000);
        QVERIFY2(tested.at(0).at(0).toBool(), qPrintable(dialog.testSummary()));
        QVERIFY2(dialog.testSummary().contains(u"checkout-svc"_s), qPrintable(dialog.testSummary()));

        // A server that is not there: a failure with libpq's reason, not a hang.
        QVERIFY2(cluster.stop(&error), qPrintable(error));
        dialog.testSelected();
        QTRY_COMPARE_WITH_TIMEOUT(tested.count(), 2, 30'000);
        QVERIFY(!tested.at(1).at(0).toBool());
        QVERIFY2(dialog.testSummary().startsWith(u"Failed: "_s), qPrintable(dialog.testSummary()));
    }

    void editingATargetReconfiguresTheMonitorInPlace()
    {
        TestHttpServer server;
        server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kHealth) });
        server.setRoute("/other", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kHealth2) });
        Workspace workspace;
        TargetConfig web;
        web.name = u"web"_s;
        web.url = server.url("/health");
        web.intervalMs = 200;
        workspace.targets.append(web);
        QVERIFY(validateWorkspace(workspace).isEmpty());
        LiveWindow live(workspace);
        QTRY_VERIFY_WITH_TIMEOUT(live.session->target(0).polled(), 15'000);
        QCOMPARE(live.session->target(0).latest.metrics[Metric::CheckedOut], 7.0);

        WorkspaceDialog* dialog = live.window->openWorkspaceDialog();
        QVERIFY(dialog);
        editorAs<QLineEdit>(dialog, u"url"_s)->setText(server.url("/other"));
        QSignalSpy reopen(live.window.get(), &MainWindow::reopenRequested);
        QVERIFY(dialog->apply());
        QCOMPARE(reopen.count(), 0);
        QCOMPARE(live.session->workspace().targets.at(0).url, server.url("/other"));
        QCOMPARE(live.monitor->targetConfig(u"web"_s)->url, server.url("/other"));
        QVERIFY(live.window->isWorkspaceModified());
        QTRY_COMPARE_WITH_TIMEOUT(live.session->target(0).latest.metrics[Metric::CheckedOut], 3.0, 15'000);
        QVERIFY(live.session->target(0).history.size() >= 2); // the history was kept

        // What the inspector's "Use as" reconfigures is in the session's workspace too: a later Save keeps it.
        TargetConfig withField = live.session->workspace().targets.at(0);
        withField.fields.insert(u"tracked"_s, u"/tracked"_s);
        QVERIFY(live.monitor->reconfigureTarget(withField));
        QCOMPARE(live.session->workspace().targets.at(0).fields.value(u"tracked"_s), u"/tracked"_s);
        QCOMPARE(live.session->target(0).config, withField);

        // Removing a target takes a new window.
        dialog->addTarget();
        editorAs<QLineEdit>(dialog, u"url"_s)->setText(server.url("/health"));
        dialog->select(WorkspaceDialog::Kind::Target, 0);
        dialog->removeSelected();
        QCOMPARE(dialog->workspace().targets.size(), 1);
        QVERIFY(dialog->apply());
        QCOMPARE(reopen.count(), 1);
    }

    void thresholdsSavedAndReloaded()
    {
        TestHttpServer server;
        server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kHealth) });
        QTemporaryDir dir;
        const QString path = dir.filePath(u"workspace.json"_s);
        QVERIFY(writeFile(path,
            uR"({"version": 1, "targets": [{"name": "web", "url": "%1",
                 "headers": {"Authorization": "Bearer ${env:POOLSCOPE_UI_TOKEN}"}}],
                 "thresholds": {"discrepancy_warning": 20, "discrepancy_critical": 25}})"_s.arg(server.url("/health"))
                .toUtf8()));
        const WorkspaceResult loaded = loadWorkspace(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.errors.join(u'\n')));
        LiveWindow live(*loaded.workspace);

        ThresholdsDialog* dialog = live.window->openThresholdsDialog();
        dialog->warningBox()->setValue(4);
        dialog->criticalBox()->setValue(9);
        dialog->growthBox()->setValue(2.5);
        QSignalSpy saved(live.window.get(), &MainWindow::thresholdsSaved);
        dialog->buttons()->button(QDialogButtonBox::Ok)->click();
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 10'000);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));

        const WorkspaceResult reloaded = loadWorkspace(path);
        QVERIFY2(reloaded.ok(), qPrintable(reloaded.errors.join(u'\n')));
        QCOMPARE(reloaded.workspace->thresholds.discrepancyWarning, 4.0);
        QCOMPARE(reloaded.workspace->thresholds.discrepancyCritical, 9.0);
        QCOMPARE(reloaded.workspace->thresholds.growthWarningPerHour, 2.5);
        Workspace expected = *loaded.workspace;
        expected.thresholds = reloaded.workspace->thresholds;
        QCOMPARE(*reloaded.workspace, expected);
        QVERIFY(readAll(path).contains("Bearer ${env:POOLSCOPE_UI_TOKEN}"));

        // A window opened on the file again starts with them.
        LiveWindow again(*reloaded.workspace);
        ThresholdsDialog* reopened = again.window->openThresholdsDialog();
        QCOMPARE(reopened->thresholds(), reloaded.workspace->thresholds);
        reopened->reject();
    }

    void saveAndSaveAsRoundTrip()
    {
        TestHttpServer server;
        server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kHealth) });
        QTemporaryDir dir;
        const QString path = dir.filePath(u"workspace.json"_s);
        QVERIFY(writeFile(path,
            uR"({"version": 1, "targets": [{"name": "web", "url": "%1", "interval": 0.5,
                 "headers": {"Authorization": "Bearer ${env:POOLSCOPE_UI_TOKEN}"}, "fields": {"tracked": "/tracked"}}],
                 "databases": [{"name": "main", "conninfo": "host=127.0.0.1 dbname=app user=${env:POOLSCOPE_UI_USER}"}]})"_s
                .arg(server.url("/health"))
                .toUtf8()));
        const WorkspaceResult loaded = loadWorkspace(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.errors.join(u'\n')));
        LiveWindow live(*loaded.workspace);
        QCOMPARE(live.window->windowTitle(), u"PoolScope — workspace.json"_s);

        // Save As: load → save → load is the same workspace, references as written.
        const QString copy = dir.filePath(u"copy.json"_s);
        QSignalSpy saved(live.window.get(), &MainWindow::workspaceSaved);
        QVERIFY(live.window->saveWorkspaceTo(copy));
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 10'000);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        const WorkspaceResult copied = loadWorkspace(copy);
        QVERIFY2(copied.ok(), qPrintable(copied.errors.join(u'\n')));
        QCOMPARE(*copied.workspace, *loaded.workspace);
        QVERIFY(readAll(copy).contains("Bearer ${env:POOLSCOPE_UI_TOKEN}"));
        QVERIFY(readAll(copy).contains("user=${env:POOLSCOPE_UI_USER}"));
        QCOMPARE(live.session->workspace().path, copy); // the window now works on the copy
        QCOMPARE(live.window->windowTitle(), u"PoolScope — copy.json"_s);
        QCOMPARE(RecentWorkspaces::last(), copy);

        // An edit, then Save: written to the workspace's own file.
        Workspace edited = live.session->workspace();
        edited.targets[0].intervalMs = 1500;
        live.window->applyWorkspace(edited);
        QVERIFY(live.window->windowTitle().endsWith(u" *"_s));
        live.window->windowActions()->action(WindowActions::Id::SaveWorkspace)->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 2, 10'000);
        QVERIFY2(saved.at(1).at(0).toBool(), qPrintable(saved.at(1).at(1).toString()));
        QCOMPARE(loadWorkspace(copy).workspace->targets.at(0).intervalMs, 1500);
        QCOMPARE(loadWorkspace(path).workspace->targets.at(0).intervalMs, 500); // the original untouched
        QVERIFY(!live.window->windowTitle().endsWith(u" *"_s));

        // Never over a file the window reads (a recording being reviewed).
        const QString recording = dir.filePath(u"session.sqlite"_s);
        QVERIFY(writeFile(recording, QByteArray("SQLite format 3\0", 16) + QByteArray(100, '\0')));
        live.window->evidence()->setReadFiles({ copy, recording });
        QVERIFY(!live.window->saveWorkspaceTo(recording));
        QCOMPARE(saved.count(), 3);
        QVERIFY(!saved.at(2).at(0).toBool());
        QVERIFY2(saved.at(2).at(1).toString().contains(u"the recording being read"_s),
            qPrintable(saved.at(2).at(1).toString()));
        QVERIFY(readAll(recording).startsWith("SQLite format 3"));

        // A literal secret is refused; the file keeps what it had.
        const QByteArray before = readAll(copy);
        Workspace secret = live.session->workspace();
        secret.targets[0].headers.insert(u"X-Api-Key"_s, u"abc123"_s);
        live.window->applyWorkspace(secret);
        QVERIFY(live.window->saveWorkspaceTo(copy));
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 4, 10'000);
        QVERIFY(!saved.at(3).at(0).toBool());
        QVERIFY2(saved.at(3).at(1).toString().contains(u"targets[0].headers.X-Api-Key: holds a literal secret"_s),
            qPrintable(saved.at(3).at(1).toString()));
        QCOMPARE(readAll(copy), before);
    }

    void windowStateIsRemembered()
    {
        Workspace workspace;
        TargetConfig web;
        web.name = u"web"_s;
        web.url = u"http://127.0.0.1:9/health"_s;
        workspace.targets.append(web);
        QVERIFY(validateWorkspace(workspace).isEmpty());
        int rangeIndex = -1;
        {
            Session session(workspace);
            MainWindow window(&session, nullptr, nullptr);
            window.restoreSettings(); // nothing stored yet: the defaults
            window.show();
            QComboBox* range = window.timelinePane()->rangeBox();
            rangeIndex = range->count() - 1;
            QVERIFY(range->currentIndex() != rangeIndex);
            range->setCurrentIndex(rangeIndex);
            window.targetsPane()->view()->header()->hideSection(1);
            window.resize(1111, 777);
        } // saved as it goes
        Session session(workspace);
        MainWindow window(&session, nullptr, nullptr);
        window.restoreSettings();
        window.show();
        QCOMPARE(window.timelinePane()->rangeBox()->currentIndex(), rangeIndex);
        QVERIFY(window.targetsPane()->view()->header()->isSectionHidden(1));
        QCOMPARE(window.size(), QSize(1111, 777));
        QVERIFY(QSettings().fileName().startsWith(m_settings.path()));
    }

private:
    QTemporaryDir m_settings;
};

QTEST_MAIN(TestWorkspaceUi)
#include "tst_workspaceui.moc"
