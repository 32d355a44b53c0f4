// The guarded backend actions (issue 12 part 4) against a cluster of the test's own (tests/common/PgCluster):
// off unless the workspace enables them, never on PoolScope's own backend, cancel and terminate done on a
// real backend the test opens, a clear refusal when the role lacks the right; every action run is an event.
#include "LiveDatabase.h"
#include "PgCluster.h"
#include "record/Recorder.h"
#include "record/RecordingReader.h"
#include "sources/BackendActions.h"
#include "sources/Monitor.h"
#include "sources/PgActivitySource.h"
#include "sources/PgOneShot.h"
#include "store/Session.h"

#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <libpq-fe.h>

#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope;
using poolscope::test::PgCluster;

namespace {

constexpr int kTimeoutMs = 30'000;

// A live session with the backend actions wired as the app does.
struct Live : poolscope::test::LiveDatabase
{
    Live(const QString& conninfo, Actions actions)
        : LiveDatabase(conninfo, actions)
        , actionsRunner(std::make_unique<BackendActions>(session.get(), monitor.get()))
    {
        monitor->start();
    }
    ~Live() { actionsRunner.reset(); }

    std::unique_ptr<BackendActions> actionsRunner;
};

} // namespace

class TestBackendActions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<BackendActions::Outcome>();
        qRegisterMetaType<PgOneShot::Result>();
        QString error;
        QVERIFY2(m_cluster.create({}, &error), qPrintable(error));
        QVERIFY2(m_cluster.start(&error), qPrintable(error));
        m_cluster.query(u"CREATE ROLE plain_role LOGIN IN ROLE pg_monitor"_s, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    // The one-shot executor under the actions: a value, an error with its SQLSTATE, a failed connect; one at a
    // time.
    void oneShot_data()
    {
        QTest::addColumn<bool>("reachable");
        QTest::addColumn<QByteArray>("sql");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("sqlState");
        QTest::addRow("value") << true << QByteArray("SELECT $1::int + 1") << true << u"42"_s << QString();
        QTest::addRow("no row") << true << QByteArray("SELECT 1 WHERE $1::int < 0") << true << QString() << QString();
        QTest::addRow("error") << true << QByteArray("SELECT $1::int / 0") << false << QString() << u"22012"_s;
        QTest::addRow("refused") << false << QByteArray("SELECT $1::int") << false << QString() << QString();
    }

    void oneShot()
    {
        QFETCH(bool, reachable);
        QFETCH(QByteArray, sql);
        QFETCH(bool, ok);
        QFETCH(QString, value);
        QFETCH(QString, sqlState);
        DatabaseConfig config;
        config.name = u"db"_s;
        // Port 1: nothing listens there, the connect is refused.
        config.conninfo = reachable ? m_cluster.conninfo(u"postgres"_s) : u"host=127.0.0.1 port=1 dbname=x"_s;
        PgOneShot oneShot;
        QSignalSpy finished(&oneShot, &PgOneShot::finished);
        QVERIFY(oneShot.run(config, sql, { "41" }));
        QVERIFY(oneShot.isRunning());
        QVERIFY(!oneShot.run(config, sql, { "41" }));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QVERIFY(!oneShot.isRunning());
        const auto result = finished.at(0).at(0).value<PgOneShot::Result>();
        QCOMPARE(result.ok, ok);
        QCOMPARE(result.value, value);
        QCOMPARE(result.sqlState, sqlState);
        QCOMPARE(result.error.isEmpty(), ok);
        QCOMPARE(result.backendPid > 0, reachable);
        if (ok)
            QCOMPARE(result.rows, value.isEmpty() ? 0 : 1);
    }

    // Without the setting the core refuses, naming the setting; nothing is run, no event is added.
    void refusedWithoutTheSetting()
    {
        QString error;
        PGconn* victim = m_cluster.connect(u"victim"_s, &error);
        QVERIFY2(victim, qPrintable(error));
        auto cleanup = qScopeGuard([&] { PQfinish(victim); });
        Live live(m_cluster.conninfo(u"postgres"_s), Actions {});
        QTRY_VERIFY_WITH_TIMEOUT(live.pidOf(u"victim"_s) > 0, kTimeoutMs);
        const int pid = live.pidOf(u"victim"_s);
        QVERIFY(!live.actionsRunner->isEnabled(BackendActions::Kind::Terminate));
        QSignalSpy finished(live.actionsRunner.get(), &BackendActions::finished);
        const QString refusal = live.actionsRunner->run(BackendActions::Kind::Terminate, u"db"_s, pid);
        QVERIFY2(refusal.contains(u"\"actions.terminate\": true"_s), qPrintable(refusal));
        QVERIFY(live.actionsRunner->run(BackendActions::Kind::Cancel, u"db"_s, pid).contains(u"actions.cancel"_s));
        QVERIFY(!live.actionsRunner->isRunning());
        QCOMPARE(PQstatus(victim), CONNECTION_OK);
        QCOMPARE(m_cluster.query(u"SELECT count(*) FROM pg_stat_activity WHERE pid = %1"_s.arg(pid), &error), u"1"_s);
        QVERIFY(live.actionEvents().isEmpty());
        QCOMPARE(finished.count(), 0);
    }

    // Never PoolScope's own backend: the monitor's pid, nor another PoolScope's (application_name=poolscope).
    void ownBackendRefused()
    {
        QString error;
        PGconn* other = m_cluster.connect(u"poolscope"_s, &error);
        QVERIFY2(other, qPrintable(error));
        auto cleanup = qScopeGuard([&] { PQfinish(other); });
        Live live(m_cluster.conninfo(u"postgres"_s), Actions { true, true });
        QTRY_VERIFY_WITH_TIMEOUT(live.pidOf(u"poolscope"_s) > 0, kTimeoutMs);
        const int ownPid = live.monitor->databaseSource(u"db"_s)->backendPid();
        QVERIFY(ownPid > 0);
        const QString own = live.actionsRunner->run(BackendActions::Kind::Terminate, u"db"_s, ownPid);
        QVERIFY2(own.contains(u"PoolScope's own"_s), qPrintable(own));
        const QString named
            = live.actionsRunner->run(BackendActions::Kind::Terminate, u"db"_s, live.pidOf(u"poolscope"_s));
        QVERIFY2(named.contains(u"application_name=poolscope"_s), qPrintable(named));
        QVERIFY(!live.actionsRunner->run(BackendActions::Kind::Terminate, u"db"_s, 1).isEmpty()); // no backend
        // Nor the server's own processes.
        int checkpointer = 0;
        for (const Backend& backend : live.session->database(0).latest.backends) {
            if (backend.backendType == u"checkpointer"_s)
                checkpointer = backend.pid;
        }
        QVERIFY(checkpointer > 0);
        const QString server = live.actionsRunner->run(BackendActions::Kind::Terminate, u"db"_s, checkpointer);
        QVERIFY2(server.contains(u"not a client connection"_s), qPrintable(server));
        QCOMPARE(PQstatus(other), CONNECTION_OK);
        QCOMPARE(live.monitor->databaseSource(u"db"_s)->backendPid(), ownPid);
        QVERIFY(live.actionEvents().isEmpty());
    }

    // Terminate: the backend is gone, its client sees the connection closed, the event says it was done, and
    // the recording has it.
    void terminateDone()
    {
        QString error;
        PGconn* victim = m_cluster.connect(u"victim"_s, &error);
        QVERIFY2(victim, qPrintable(error));
        auto cleanup = qScopeGuard([&] { PQfinish(victim); });
        Live live(m_cluster.conninfo(u"postgres"_s), Actions { false, true });
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString recording = dir.filePath(u"session.psrec"_s);
        Recorder recorder(live.session.get());
        QVERIFY2(recorder.open(recording, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(live.pidOf(u"victim"_s) > 0, kTimeoutMs);
        const int pid = live.pidOf(u"victim"_s);
        QSignalSpy finished(live.actionsRunner.get(), &BackendActions::finished);
        QCOMPARE(live.actionsRunner->run(BackendActions::Kind::Terminate, u"db"_s, pid), QString());
        QVERIFY(live.actionsRunner->isRunning());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        const auto outcome = finished.at(0).at(0).value<BackendActions::Outcome>();
        QVERIFY2(outcome.done, qPrintable(outcome.message));
        QCOMPARE(outcome.pid, pid);
        QTRY_COMPARE_WITH_TIMEOUT(
            m_cluster.query(u"SELECT count(*) FROM pg_stat_activity WHERE pid = %1"_s.arg(pid), &error), u"0"_s,
            kTimeoutMs);
        PGresult* result = PQexec(victim, "SELECT 1");
        QCOMPARE(PQstatus(victim), CONNECTION_BAD);
        PQclear(result);
        const QList<Event> events = live.actionEvents();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.at(0).source, u"db"_s);
        QCOMPARE(events.at(0).severity, Event::Severity::Info);
        QVERIFY2(events.at(0).message.contains(u"Terminate connection on backend %1 (victim)"_s.arg(pid)),
            qPrintable(events.at(0).message));
        QVERIFY2(events.at(0).message.contains(u"connection terminated"_s), qPrintable(events.at(0).message));
        // The monitor's own connection is untouched.
        QCOMPARE(live.monitor->databaseSource(u"db"_s)->state() != PgActivitySource::State::Backoff, true);

        // The recording holds the event with its result, and the workspace with its setting.
        recorder.close();
        RecordingReader reader;
        QVERIFY2(reader.open(recording, &error), qPrintable(error));
        QCOMPARE(reader.workspace().actions, (Actions { false, true }));
        const std::unique_ptr<Session> replayed = reader.load();
        QVERIFY(replayed);
        bool recorded = false;
        for (const Event& event : replayed->events())
            recorded = recorded || (event.kind == u"action"_s && event.message == events.at(0).message);
        QVERIFY(recorded);
    }

    // Cancel: the running statement ends with "canceling statement due to user request"; the connection stays.
    void cancelDone()
    {
        QString error;
        PGconn* victim = m_cluster.connect(u"sleeper"_s, &error);
        QVERIFY2(victim, qPrintable(error));
        auto cleanup = qScopeGuard([&] { PQfinish(victim); });
        QVERIFY(PQsendQuery(victim, "SELECT pg_sleep(120)") == 1);
        Live live(m_cluster.conninfo(u"postgres"_s), Actions { true, false });
        QTRY_VERIFY_WITH_TIMEOUT(live.pidOf(u"sleeper"_s) > 0, kTimeoutMs);
        QVERIFY(live.actionsRunner->run(BackendActions::Kind::Terminate, u"db"_s, live.pidOf(u"sleeper"_s))
                    .contains(u"actions.terminate"_s));
        QSignalSpy finished(live.actionsRunner.get(), &BackendActions::finished);
        QCOMPARE(live.actionsRunner->run(BackendActions::Kind::Cancel, u"db"_s, live.pidOf(u"sleeper"_s)), QString());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QVERIFY(finished.at(0).at(0).value<BackendActions::Outcome>().done);
        QTRY_VERIFY_WITH_TIMEOUT(PQconsumeInput(victim) == 1 && PQisBusy(victim) == 0, kTimeoutMs);
        PGresult* result = PQgetResult(victim);
        QCOMPARE(QByteArray(PQresultErrorField(result, PG_DIAG_SQLSTATE)), QByteArray("57014"));
        PQclear(result);
        while ((result = PQgetResult(victim)))
            PQclear(result);
        QCOMPARE(PQstatus(victim), CONNECTION_OK);
        QCOMPARE(live.actionEvents().size(), 1);
        QVERIFY(live.actionEvents().at(0).message.contains(u"query cancelled"_s));
    }

    // A role that may not signal a superuser's backend: SQLSTATE 42501, told as such, and recorded.
    void lackingTheRight()
    {
        QString error;
        PGconn* victim = m_cluster.connect(u"victim"_s, &error);
        QVERIFY2(victim, qPrintable(error));
        auto cleanup = qScopeGuard([&] { PQfinish(victim); });
        Live live(m_cluster.conninfo(u"plain_role"_s), Actions { true, true });
        QTRY_VERIFY_WITH_TIMEOUT(live.pidOf(u"victim"_s) > 0, kTimeoutMs);
        const int pid = live.pidOf(u"victim"_s);
        QSignalSpy finished(live.actionsRunner.get(), &BackendActions::finished);
        QCOMPARE(live.actionsRunner->run(BackendActions::Kind::Terminate, u"db"_s, pid), QString());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        const auto outcome = finished.at(0).at(0).value<BackendActions::Outcome>();
        QVERIFY(!outcome.done);
        QVERIFY(outcome.lacksRight);
        QVERIFY2(outcome.message.contains(u"the role lacks the right"_s), qPrintable(outcome.message));
        QCOMPARE(PQstatus(victim), CONNECTION_OK);
        QCOMPARE(m_cluster.query(u"SELECT count(*) FROM pg_stat_activity WHERE pid = %1"_s.arg(pid), &error), u"1"_s);
        QCOMPARE(live.actionEvents().size(), 1);
        QCOMPARE(live.actionEvents().at(0).severity, Event::Severity::Warning);
    }

private:
    PgCluster m_cluster;
};

QTEST_GUILESS_MAIN(TestBackendActions)
#include "tst_backendactions.moc"
