// `poolscope status` end to end: the real binary against the demo fixture (a real PostgreSQL and real
// psycopg_pool services over HTTP).
#include "DemoState.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope::test;

class TestStatusCli : public QObject
{
    Q_OBJECT

    QJsonObject m_state;

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        m_state = demoState(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void reportsTheDemoFromItsWorkspace()
    {
        const PoolscopeRun run = runPoolscope({ u"status"_s, m_state.value(u"workspace"_s).toString(), u"--json"_s });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonObject status = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(status.value(u"status"_s).toString(), u"OK"_s);
        const QJsonArray targets = status.value(u"targets"_s).toArray();
        QCOMPARE(targets.size(), 4);

        QString error;
        const QJsonObject web = byName(targets, u"web"_s);
        const QJsonObject admin
            = fetchJson(demoService(m_state, u"web"_s).value(u"admin_url"_s).toString() + u"/state"_s, &error).object();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QJsonArray untracked = admin.value(u"untracked_pids"_s).toArray();
        QVERIFY(!untracked.isEmpty());

        QVERIFY(web.value(u"ok"_s).toBool());
        QVERIFY(web.value(u"error"_s).isNull());
        const double checkedOut = web.value(u"checked_out"_s).toDouble();
        const double tracked = web.value(u"tracked"_s).toDouble();
        const double discrepancy = web.value(u"discrepancy"_s).toDouble();
        // The service's own tracking_discrepancy, as reported, and at least the connections it took untracked.
        QCOMPARE(discrepancy, checkedOut - tracked);
        QVERIFY2(discrepancy >= untracked.size(), qPrintable(QString::number(discrepancy)));
        QCOMPARE(web.value(u"pool_max"_s).toDouble(), 20.0);
        QVERIFY(web.value(u"pool_size"_s).toDouble() >= checkedOut);
        QVERIFY(web.value(u"acquired_total"_s).toDouble() >= web.value(u"released_total"_s).toDouble());
        const QJsonArray routes = web.value(u"routes"_s).toArray();
        QVERIFY(!byName(routes, u"/api/bets"_s).isEmpty());
        for (const auto& r : routes) {
            const QJsonObject route = r.toObject();
            QCOMPARE(route.value(u"active"_s).toDouble(),
                route.value(u"acquired"_s).toDouble() - route.value(u"released"_s).toDouble());
        }

        // Counters only grow: what the service says now is at least what status saw.
        const QJsonObject later = fetchJson(demoService(m_state, u"web"_s).value(u"url"_s).toString(), &error).object();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QJsonObject tracking = later.value(u"database"_s).toObject().value(u"tracking"_s).toObject();
        QVERIFY(tracking.value(u"total_acquired"_s).toDouble() >= web.value(u"acquired_total"_s).toDouble());

        // The database shows the untracked connections as backends of the web process.
        const QJsonObject db = status.value(u"databases"_s).toArray().first().toObject();
        QVERIFY(db.value(u"ok"_s).toBool());
        QSet<int> webPids;
        for (const auto& b : db.value(u"backends"_s).toArray()) {
            const QJsonObject backend = b.toObject();
            if (backend.value(u"application_name"_s).toString() == u"web"_s)
                webPids.insert(backend.value(u"pid"_s).toInt());
        }
        for (const auto& pid : untracked)
            QVERIFY2(webPids.contains(pid.toInt()), qPrintable(u"untracked pid %1 not listed"_s.arg(pid.toInt())));
    }

    // The demo's fourth service serves Prometheus text with OpenTelemetry names; its tracked gauge is mapped
    // with a selector. Its discrepancy is at least the connections it holds untracked, as for the JSON ones.
    void readsThePrometheusDemoService()
    {
        const PoolscopeRun run = runPoolscope({ u"status"_s, m_state.value(u"workspace"_s).toString(), u"--json"_s });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonObject reports
            = byName(QJsonDocument::fromJson(run.out).object().value(u"targets"_s).toArray(), u"reports"_s);
        QVERIFY2(reports.value(u"ok"_s).toBool(), qPrintable(reports.value(u"error"_s).toString()));
        QString error;
        const QJsonObject admin
            = fetchJson(demoService(m_state, u"reports"_s).value(u"admin_url"_s).toString() + u"/state"_s, &error)
                  .object();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const double checkedOut = reports.value(u"checked_out"_s).toDouble();
        const double tracked = reports.value(u"tracked"_s).toDouble();
        QCOMPARE(reports.value(u"discrepancy"_s).toDouble(), checkedOut - tracked);
        QVERIFY(checkedOut - tracked >= admin.value(u"untracked_pids"_s).toArray().size());
        QCOMPARE(reports.value(u"pool_max"_s).toDouble(), 8.0);
    }

    void adHocFlagsAndProfiles()
    {
        const QJsonObject web = demoService(m_state, u"web"_s);
        QString stats = web.value(u"url"_s).toString();
        stats.replace(u"/health/detailed"_s, u"/pool/stats"_s);
        const PoolscopeRun run = runPoolscope({ u"status"_s, u"--health"_s, web.value(u"url"_s).toString(), u"--name"_s,
            u"web"_s, u"--health"_s, stats, u"--name"_s, u"raw"_s, u"--profile"_s, u"psycopg_pool"_s, u"--app"_s,
            u"web"_s, u"--pg"_s, m_state.value(u"conninfo"_s).toString(), u"--json"_s });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonObject status = QJsonDocument::fromJson(run.out).object();
        const QJsonObject raw = byName(status.value(u"targets"_s).toArray(), u"raw"_s);
        QVERIFY2(raw.value(u"ok"_s).toBool(), qPrintable(raw.value(u"error"_s).toString()));
        // psycopg_pool's get_stats(): checked out = pool_size - pool_available; no tracking there.
        QVERIFY(raw.value(u"checked_out"_s).toDouble() >= 8);
        QVERIFY(raw.value(u"checked_out"_s).toDouble() <= raw.value(u"pool_size"_s).toDouble());
        QVERIFY(raw.value(u"tracked"_s).isNull());
        QCOMPARE(raw.value(u"pool_max"_s).toDouble(), 20.0);
        QCOMPARE(
            status.value(u"databases"_s).toArray().first().toObject().value(u"name"_s).toString(), u"poolscope_demo"_s);
    }

    void thresholdsSetTheExitCode_data()
    {
        QTest::addColumn<double>("warning");
        QTest::addColumn<double>("critical");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("status");
        QTest::addRow("ok") << 50.0 << 60.0 << 0 << u"OK"_s;
        QTest::addRow("warning") << 1.0 << 60.0 << 1 << u"WARNING"_s;
        QTest::addRow("critical") << 1.0 << 2.0 << 2 << u"CRITICAL"_s;
    }

    void thresholdsSetTheExitCode()
    {
        QFETCH(double, warning);
        QFETCH(double, critical);
        QFETCH(int, exitCode);
        QFETCH(QString, status);
        QTemporaryDir dir;
        const QString path = dir.filePath(u"ws.json"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        const QString json = u"{\"version\": 1, \"targets\": [{\"name\": \"web\", \"url\": \"%1\"}], "
                             "\"thresholds\": {\"discrepancy_warning\": %2, \"discrepancy_critical\": %3}}"_s
                                 .arg(demoService(m_state, u"web"_s).value(u"url"_s).toString())
                                 .arg(warning)
                                 .arg(critical);
        file.write(json.toUtf8());
        file.close();
        const PoolscopeRun run = runPoolscope({ u"status"_s, path, u"--json"_s });
        QCOMPARE(run.exitCode, exitCode);
        QCOMPARE(QJsonDocument::fromJson(run.out).object().value(u"status"_s).toString(), status);
    }

    void failuresAreUnknown()
    {
        const PoolscopeRun run
            = runPoolscope({ u"status"_s, u"--health"_s, u"http://127.0.0.1:1/health"_s, u"--name"_s, u"dead"_s,
                u"--pg"_s, u"host=127.0.0.1 port=1 dbname=x connect_timeout=1"_s, u"--json"_s, u"--wait"_s, u"8"_s });
        QCOMPARE(run.exitCode, 3);
        const QJsonObject status = QJsonDocument::fromJson(run.out).object();
        const QJsonObject dead = status.value(u"targets"_s).toArray().first().toObject();
        QVERIFY(!dead.value(u"ok"_s).toBool());
        QVERIFY2(dead.value(u"error"_s).toString().contains(u"refused"_s, Qt::CaseInsensitive),
            qPrintable(dead.value(u"error"_s).toString()));
        QVERIFY(dead.value(u"checked_out"_s).isNull());
        const QJsonObject db = status.value(u"databases"_s).toArray().first().toObject();
        QVERIFY(!db.value(u"ok"_s).toBool());
        QVERIFY(!db.value(u"error"_s).toString().isEmpty());
    }

    void badWorkspaceNamesTheField()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"bad.json"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(
            "{\"version\": 1, \"targets\": [{\"name\": \"web\", \"url\": \"http://h/\", \"interval\": \"often\"}]}");
        file.close();
        const PoolscopeRun run = runPoolscope({ u"status"_s, path });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("targets[0].interval"), run.err.constData());
    }

    void tableForPeople()
    {
        const PoolscopeRun run = runPoolscope({ u"status"_s, m_state.value(u"workspace"_s).toString() });
        QCOMPARE(run.exitCode, 0);
        const QString text = QString::fromUtf8(run.out);
        QVERIFY2(text.startsWith(u"TARGET"_s), qPrintable(text));
        QVERIFY(text.contains(u"worker_settlement"_s));
        QVERIFY(text.contains(u"DATABASE"_s));
        QVERIFY(text.contains(u"PoolScope OK"_s));
    }
};

QTEST_GUILESS_MAIN(TestStatusCli)
#include "tst_statuscli.moc"
