// Monitor ▸ Inspect payload… against a real HTTP server: the payload is shown with the metric each value
// feeds, and "Use as tracked" writes the pointer into the workspace file and re-polls with it.
#include "InspectorDialog.h"
#include "LiveWindow.h"
#include "MainWindow.h"
#include "TestFiles.h"
#include "TestHttpServer.h"
#include "WindowActions.h"
#include "models/PayloadModel.h"
#include "sources/Monitor.h"
#include "store/Session.h"
#include "workspace/WorkspaceFile.h"

#include <QAction>
#include <QComboBox>
#include <QCoreApplication>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope;
using poolscope::test::httpResponse;
using poolscope::test::LiveWindow;
using poolscope::test::readAll;
using poolscope::test::TestHttpServer;
using poolscope::test::writeFile;

namespace {

const QByteArray kHealth = R"({"pool": {"checked_out": 7, "pool_size": 10, "pool_max": 20}, )"
                           R"("app": {"sessions_open": 4, "version": "1.2"}})";

const QByteArray kMetrics = "# TYPE hikaricp_connections_active gauge\n"
                            "hikaricp_connections_active{pool=\"main\"} 6\n"
                            "hikaricp_connections_active{pool=\"aux\"} 1\n"
                            "app_sessions_open{pool=\"main\"} 5\n";

} // namespace

class TestInspectorUi : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void useAsTrackedWritesTheWorkspace()
    {
        TestHttpServer server;
        server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kHealth) });
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"workspace.json"_s);
        const QByteArray workspaceText = uR"({"version": 1, "targets": [{"name": "web", "url": "%1", "interval": 0.2,
            "headers": {"Authorization": "Bearer ${env:POOLSCOPE_INSPECTOR_TOKEN}"}}]})"_s.arg(server.url("/health"))
                                             .toUtf8();
        QVERIFY(writeFile(path, workspaceText));
        WorkspaceResult loaded = loadWorkspace(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.errors.join(u'\n')));
        LiveWindow live(*loaded.workspace);

        QAction* inspect = live.window->windowActions()->action(WindowActions::Id::InspectPayload);
        QCOMPARE(inspect->objectName(), u"InspectPayload"_s);
        QVERIFY(inspect->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!live.monitor->lastPayload(u"web"_s).isEmpty(), 10'000);
        inspect->trigger();
        auto* dialog = live.window->findChild<InspectorDialog*>();
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->model()->rowCount() > 0, 10'000);
        QCOMPARE(dialog->target(), u"web"_s);

        PayloadModel* model = dialog->model();
        const QModelIndex checkedOut = model->indexOfField(u"/pool/checked_out"_s);
        QVERIFY(checkedOut.isValid());
        QCOMPARE(checkedOut.siblingAtColumn(PayloadModel::Feeds).data().toString(), u"checked_out"_s);
        const QModelIndex sessions = model->indexOfField(u"/app/sessions_open"_s);
        QVERIFY(sessions.isValid());
        QVERIFY(sessions.siblingAtColumn(PayloadModel::Feeds).data().toString().isEmpty());
        QVERIFY(dialog->view()->isExpanded(sessions.parent()));

        // Select the value, choose "tracked", Use as.
        dialog->view()->setCurrentIndex(sessions);
        auto* key = dialog->findChild<QComboBox*>(u"InspectorFieldKey"_s);
        auto* use = dialog->findChild<QPushButton*>(u"InspectorUse"_s);
        QVERIFY(key && use);
        QVERIFY(use->isEnabled());
        key->setCurrentText(u"tracked"_s);
        QCOMPARE(key->currentText(), u"tracked"_s);
        QSignalSpy written(dialog, &InspectorDialog::fieldWritten);
        use->click();
        QTRY_COMPARE_WITH_TIMEOUT(written.count(), 1, 10'000);
        QVERIFY2(written.at(0).at(0).toBool(), qPrintable(written.at(0).at(1).toString()));
        QVERIFY(dialog->message().startsWith(u"Saved to "_s));

        // On disk: the same workspace but the field, the ${env:} reference as written.
        const WorkspaceResult after = loadWorkspace(path);
        QVERIFY2(after.ok(), qPrintable(after.errors.join(u'\n')));
        QCOMPARE(after.workspace->targets.at(0).fields.value(u"tracked"_s), u"/app/sessions_open"_s);
        Workspace expected = *loaded.workspace;
        expected.targets[0].fields.insert(u"tracked"_s, u"/app/sessions_open"_s);
        QCOMPARE(*after.workspace, expected);
        QVERIFY(readAll(path).contains("${env:POOLSCOPE_INSPECTOR_TOKEN}"));

        // The running monitor polls with it: the next payload marks the value as feeding tracked.
        QCOMPARE(live.monitor->targetConfig(u"web"_s)->fields.value(u"tracked"_s), u"/app/sessions_open"_s);
        const int index = live.session->targetIndex(u"web"_s);
        QTRY_COMPARE_WITH_TIMEOUT(live.session->target(index).latest.metrics[Metric::Tracked], 4.0, 10'000);
        QSignalSpy ready(dialog, &InspectorDialog::inspectionReady);
        QTRY_VERIFY_WITH_TIMEOUT(!live.monitor->lastPayload(u"web"_s).isEmpty(), 10'000);
        dialog->refresh();
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 10'000);
        const QModelIndex tracked = model->indexOfField(u"/app/sessions_open"_s);
        QCOMPARE(tracked.siblingAtColumn(PayloadModel::Feeds).data().toString(), u"tracked"_s);
        QCOMPARE(dialog->view()->currentIndex().data(PayloadModel::FieldRole).toString(), u"/app/sessions_open"_s);

        const QString shot = qEnvironmentVariable("POOLSCOPE_INSPECTOR_SCREENSHOT");
        if (!shot.isEmpty()) {
            QCoreApplication::processEvents(); // the columns are sized once the tree is laid out
            QVERIFY(dialog->grab().save(shot));
        }
    }

    void prometheusSeriesAreSelectors()
    {
        TestHttpServer server;
        server.setRoute("/metrics",
            { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kMetrics, "text/plain; version=0.0.4") });
        QTemporaryDir dir;
        const QString path = dir.filePath(u"workspace.json"_s);
        QVERIFY(writeFile(path,
            uR"({"version": 1, "targets": [{"name": "svc", "url": "%1", "pool": "main"}]})"_s
                .arg(server.url("/metrics"))
                .toUtf8()));
        WorkspaceResult loaded = loadWorkspace(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.errors.join(u'\n')));
        LiveWindow live(*loaded.workspace);
        QTRY_VERIFY_WITH_TIMEOUT(!live.monitor->lastPayload(u"svc"_s).isEmpty(), 10'000);
        InspectorDialog* dialog = live.window->openInspector();
        QVERIFY(dialog);
        QTRY_COMPARE_WITH_TIMEOUT(dialog->model()->rowCount(), 3, 10'000);
        QCOMPARE(dialog->model()->headerData(PayloadModel::Key, Qt::Horizontal).toString(), u"Series"_s);
        const QString series = uR"(app_sessions_open{pool="main"})"_s;
        const QModelIndex index = dialog->model()->indexOfField(series);
        QVERIFY(index.isValid());
        QCOMPARE(dialog->model()
                     ->indexOfField(uR"(hikaricp_connections_active{pool="main"})"_s)
                     .siblingAtColumn(PayloadModel::Feeds)
                     .data()
                     .toString(),
            u"checked_out"_s);

        dialog->view()->setCurrentIndex(index);
        QSignalSpy written(dialog, &InspectorDialog::fieldWritten);
        QVERIFY(dialog->useSelectedAs(u"tracked"_s));
        QTRY_COMPARE_WITH_TIMEOUT(written.count(), 1, 10'000);
        QVERIFY2(written.at(0).at(0).toBool(), qPrintable(written.at(0).at(1).toString()));
        const WorkspaceResult after = loadWorkspace(path);
        QVERIFY(after.ok());
        QCOMPARE(after.workspace->targets.at(0).fields.value(u"tracked"_s), series);

        const QString shot = qEnvironmentVariable("POOLSCOPE_INSPECTOR_SCREENSHOT");
        if (!shot.isEmpty()) {
            QCoreApplication::processEvents();
            QVERIFY(dialog->grab().save(QString(shot).replace(u".png"_s, u"-prometheus.png"_s)));
        }
    }

    void adHocTargetsAreNotSaved()
    {
        TestHttpServer server;
        server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kHealth) });
        Workspace workspace; // as from --target flags: no path
        TargetConfig target;
        target.name = u"web"_s;
        target.url = server.url("/health");
        workspace.targets.append(target);
        QVERIFY(validateWorkspace(workspace).isEmpty());
        LiveWindow live(workspace);
        QTRY_VERIFY_WITH_TIMEOUT(!live.monitor->lastPayload(u"web"_s).isEmpty(), 10'000);
        InspectorDialog* dialog = live.window->openInspector();
        QTRY_VERIFY_WITH_TIMEOUT(dialog->model()->rowCount() > 0, 10'000);
        dialog->view()->setCurrentIndex(dialog->model()->indexOfField(u"/app/sessions_open"_s));
        QSignalSpy written(dialog, &InspectorDialog::fieldWritten);
        QVERIFY(!dialog->useSelectedAs(u"tracked"_s));
        QCOMPARE(written.count(), 1);
        QVERIFY(!written.at(0).at(0).toBool());
        QVERIFY2(dialog->message().contains(u"command-line flags"_s), qPrintable(dialog->message()));
        QVERIFY(dialog->message().contains(uR"("fields": {"tracked": "/app/sessions_open"})"_s));
        QVERIFY(live.monitor->targetConfig(u"web"_s)->fields.isEmpty());
    }

    void nothingSelectedNothingWritten()
    {
        TestHttpServer server;
        server.setRoute("/health", { TestHttpServer::Mode::Respond, httpResponse(200, "OK", kHealth) });
        QTemporaryDir dir;
        const QString path = dir.filePath(u"workspace.json"_s);
        const QByteArray text
            = uR"({"version": 1, "targets": [{"name": "web", "url": "%1"}]})"_s.arg(server.url("/health")).toUtf8();
        QVERIFY(writeFile(path, text));
        WorkspaceResult loaded = loadWorkspace(path);
        QVERIFY(loaded.ok());
        LiveWindow live(*loaded.workspace);
        InspectorDialog* dialog = live.window->openInspector();
        QVERIFY(!dialog->findChild<QPushButton*>(u"InspectorUse"_s)->isEnabled());
        QVERIFY(!dialog->useSelectedAs(u"tracked"_s));
        QCOMPARE(dialog->message(), u"Select a value first."_s);
        QCOMPARE(readAll(path), text);
    }
};

QTEST_MAIN(TestInspectorUi)
#include "tst_inspectorui.moc"
