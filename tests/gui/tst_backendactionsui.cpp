// Guarded actions in the window (issue 12 part 4, offscreen) against a cluster of the test's own: Terminate
// connection refused without the workspace setting (the action disabled, and the core refusing too), done
// with it on a real backend the test opens (through the confirmation), then the backend is gone and the
// action is an event; PoolScope's own backend refused.
#include "BackendActionDialog.h"
#include "BackendsPane.h"
#include "LiveDatabase.h"
#include "MainWindow.h"
#include "PgCluster.h"
#include "WindowActions.h"
#include "sources/BackendActions.h"
#include "sources/Monitor.h"
#include "sources/PgActivitySource.h"
#include "store/Session.h"

#include <QAction>
#include <QMessageBox>
#include <QPushButton>
#include <QScopeGuard>
#include <QTest>

#include <libpq-fe.h>

#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope;
using poolscope::test::PgCluster;

namespace {

constexpr int kTimeoutMs = 30'000;

// A live window on the cluster's database "db", wired as the app does.
struct Live : poolscope::test::LiveDatabase
{
    Live(const QString& conninfo, Actions actions)
        : LiveDatabase(conninfo, actions)
        , window(std::make_unique<MainWindow>(session.get(), nullptr, nullptr))
    {
        window->setMonitor(monitor.get());
        window->show();
        monitor->start();
    }
    ~Live() { window.reset(); }

    QAction* terminate() const { return window->windowActions()->action(WindowActions::Id::TerminateBackend); }
    BackendsPane* pane() const { return window->backendsPane(); }
    // Selects the backend in the table once it is shown.
    bool select(int pid) const { return pane()->selectBackendPid(pid) && pane()->selectedPid() == pid; }

    std::unique_ptr<MainWindow> window;
};

// A connection of the test's own that ran a recognisable statement; its pid.
int openVictim(const PgCluster& cluster, const QString& application, PGconn** conn)
{
    QString error;
    *conn = cluster.connect(application, &error);
    if (!*conn) {
        qWarning("%s", qPrintable(error));
        return 0;
    }
    PQclear(PQexec(*conn, "SELECT 'the victim''s query'"));
    return PQbackendPID(*conn);
}

} // namespace

class TestBackendActionsUi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_cluster.create({}, &error), qPrintable(error));
        QVERIFY2(m_cluster.start(&error), qPrintable(error));
    }

    void terminateRefusedWithoutTheSetting()
    {
        PGconn* victim = nullptr;
        const int pid = openVictim(m_cluster, u"victim"_s, &victim);
        QVERIFY(pid > 0);
        auto cleanup = qScopeGuard([&] { PQfinish(victim); });
        Live live(m_cluster.conninfo(u"postgres"_s), Actions {});
        QTRY_VERIFY_WITH_TIMEOUT(live.select(pid), kTimeoutMs);

        // The action is disabled and says which setting would enable it.
        QVERIFY(!live.terminate()->isEnabled());
        QVERIFY2(live.terminate()->toolTip().contains(u"\"actions.terminate\": true"_s),
            qPrintable(live.terminate()->toolTip()));
        live.terminate()->trigger(); // a disabled action does nothing
        QVERIFY(!live.window->findChild<BackendActionDialog*>());
        // Asked anyway, the pane and the core refuse.
        QCOMPARE(live.pane()->requestAction(BackendActions::Kind::Terminate), nullptr);
        QVERIFY2(
            live.pane()->actionMessage().contains(u"actions.terminate"_s), qPrintable(live.pane()->actionMessage()));
        QVERIFY(live.window->backendActions());
        const QString refusal = live.window->backendActions()->run(BackendActions::Kind::Terminate, u"db"_s, pid);
        QVERIFY2(refusal.contains(u"actions.terminate"_s), qPrintable(refusal));

        QString error;
        QCOMPARE(m_cluster.query(u"SELECT count(*) FROM pg_stat_activity WHERE pid = %1"_s.arg(pid), &error), u"1"_s);
        QCOMPARE(PQstatus(victim), CONNECTION_OK);
        QVERIFY(live.actionEvents().isEmpty());
    }

    void terminateDoneWithTheSetting()
    {
        PGconn* victim = nullptr;
        const int pid = openVictim(m_cluster, u"victim"_s, &victim);
        QVERIFY(pid > 0);
        auto cleanup = qScopeGuard([&] { PQfinish(victim); });
        Live live(m_cluster.conninfo(u"postgres"_s), Actions { false, true });
        QTRY_VERIFY_WITH_TIMEOUT(live.select(pid), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(live.terminate()->isEnabled(), kTimeoutMs);
        // Cancel stays off: each action has its own setting.
        QVERIFY(!live.window->windowActions()->action(WindowActions::Id::CancelQuery)->isEnabled());

        // The confirmation shows pid, application, state, ages and query; leaving it does nothing.
        live.terminate()->trigger();
        auto* dialog = live.window->findChild<BackendActionDialog*>();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        const QString summary = dialog->summary();
        for (const QString& expected : { u"PID: %1"_s.arg(pid), u"Application: victim"_s, u"State: idle"_s,
                 u"Connection age: "_s, u"In this state for: "_s, u"Query: SELECT 'the victim''s query'"_s })
            QVERIFY2(summary.contains(expected), qPrintable(expected + u" not in:\n"_s + summary));
        dialog->reject();
        QTRY_VERIFY(!live.window->findChild<BackendActionDialog*>());
        QCOMPARE(PQstatus(victim), CONNECTION_OK);
        QVERIFY(live.actionEvents().isEmpty());

        live.terminate()->trigger();
        dialog = live.window->findChild<BackendActionDialog*>();
        QVERIFY(dialog);
        dialog->confirmButton()->click();

        // The backend is gone; the action is an event with its result, and the pane says so.
        QString error;
        QTRY_COMPARE_WITH_TIMEOUT(
            m_cluster.query(u"SELECT count(*) FROM pg_stat_activity WHERE pid = %1"_s.arg(pid), &error), u"0"_s,
            kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(live.actionEvents().size(), 1, kTimeoutMs);
        const Event event = live.actionEvents().at(0);
        QCOMPARE(event.source, u"db"_s);
        QVERIFY2(event.message.contains(u"backend %1 (victim): connection terminated"_s.arg(pid)),
            qPrintable(event.message));
        QVERIFY2(live.pane()->actionMessage().contains(u"connection terminated"_s),
            qPrintable(live.pane()->actionMessage()));
        PQclear(PQexec(victim, "SELECT 1"));
        QCOMPARE(PQstatus(victim), CONNECTION_BAD);
        // Once the snapshot no longer has it, nothing is selected and the action is off again.
        QTRY_VERIFY_WITH_TIMEOUT(!live.terminate()->isEnabled(), kTimeoutMs);
        QVERIFY(!live.window->findChild<QMessageBox*>()); // done: no warning
    }

    // Another PoolScope's backend (application_name=poolscope) is refused in the window; the monitor's own
    // connection is never in the table, and the core refuses its pid.
    void ownBackendRefused()
    {
        PGconn* other = nullptr;
        const int pid = openVictim(m_cluster, u"poolscope"_s, &other);
        QVERIFY(pid > 0);
        auto cleanup = qScopeGuard([&] { PQfinish(other); });
        Live live(m_cluster.conninfo(u"postgres"_s), Actions { true, true });
        QTRY_VERIFY_WITH_TIMEOUT(live.select(pid), kTimeoutMs);
        QVERIFY(!live.terminate()->isEnabled());
        QVERIFY2(live.terminate()->toolTip().contains(u"PoolScope's own"_s), qPrintable(live.terminate()->toolTip()));
        QCOMPARE(live.pane()->requestAction(BackendActions::Kind::Terminate), nullptr);

        const int ownPid = live.monitor->databaseSource(u"db"_s)->backendPid();
        QVERIFY(ownPid > 0);
        QVERIFY(!live.select(ownPid));
        QVERIFY(live.window->backendActions()
                    ->run(BackendActions::Kind::Terminate, u"db"_s, ownPid)
                    .contains(u"PoolScope's own"_s));
        QCOMPARE(PQstatus(other), CONNECTION_OK);
        QCOMPARE(live.monitor->databaseSource(u"db"_s)->backendPid(), ownPid);
        QVERIFY(live.actionEvents().isEmpty());
    }

private:
    PgCluster m_cluster;
};

QTEST_MAIN(TestBackendActionsUi)
#include "tst_backendactionsui.moc"
