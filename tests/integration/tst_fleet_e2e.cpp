// Issue 13's end-to-end test: a real Prometheus (started here on a free port, temporary data, 1 s scrapes)
// scraping a real `poolscope agent` that polls the demo services. After a few scrapes the window's
// backfilled series of a target equals what the agent served (the samples Prometheus stored from its
// scrapes), and the fleet view lists every demo service with its verdict. A service window's session fed by
// the agent's snapshots (SnapshotFollower, as FleetLauncher does) has exact suspects with the holders' code
// locations, and follows: a backend the app takes later shows up with a later round.
#include "DemoState.h"
#include "FleetChecks.h"
#include "PrometheusServer.h"
#include "analysis/Diagnosis.h"
#include "fleet/AgentSnapshotClient.h"
#include "fleet/FleetSource.h"
#include "fleet/SnapshotFollower.h"
#include "store/Session.h"
#include "store/ViewState.h"
#include "workspace/WorkspaceFile.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

class TestFleetEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        const QJsonObject state = demoState(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_state = state;
        const WorkspaceResult demo = loadWorkspace(state.value(u"workspace"_s).toString());
        QVERIFY2(demo.ok(), qPrintable(demo.errors.join(u'\n')));
        m_demo = *demo.workspace;

        const quint16 port = freeLoopbackPort();
        m_agent.setProcessChannelMode(QProcess::ForwardedChannels);
        m_agent.start(poolscopeBinary(),
            { u"agent"_s, state.value(u"workspace"_s).toString(), u"--listen"_s, u"127.0.0.1:%1"_s.arg(port) });
        QVERIFY2(m_agent.waitForStarted(), qPrintable(m_agent.errorString()));
        QNetworkAccessManager network;
        QTRY_VERIFY_WITH_TIMEOUT(metricsAnswer(network, port), 60'000);

        QVERIFY2(m_prometheus.start({ u"127.0.0.1:%1"_s.arg(port) }, &error), qPrintable(error));
        PrometheusConfig config;
        config.url = m_prometheus.url();
        m_client = std::make_unique<PrometheusClient>(config);
        QTRY_VERIFY_WITH_TIMEOUT(scrapesOf(u"web"_s) >= 8, 120'000);
    }

    void cleanupTestCase()
    {
        m_prometheus.stop();
        m_agent.terminate();
        QVERIFY(m_agent.waitForFinished(30'000));
        QCOMPARE(m_agent.exitStatus(), QProcess::NormalExit);
    }

    void backfillEqualsWhatTheAgentServed()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto loaded = loadService(*m_client, u"web"_s, now - 120'000, now, 1000);
        QVERIFY(loaded);
        QVERIFY2(loaded->first, qPrintable(loaded->second));
        const ServiceHistory& history = *loaded->first;
        QCOMPARE(history.workspace.targets.size(), 2); // the sum and the one replica
        QCOMPARE(history.workspace.targets[1].name, u"web"_s);

        QString error;
        for (const auto& [metric, column] : { std::pair { u"poolscope_checked_out"_s, Metric::CheckedOut },
                 std::pair { u"poolscope_tracked"_s, Metric::Tracked },
                 std::pair { u"poolscope_discrepancy"_s, Metric::Discrepancy } }) {
            const auto raw = rawSamples(*m_client, metric + u"{target=\"web\"}"_s, now, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QVERIFY(raw.count(u"web"_s));
            const TargetHistory& h = history.content.targets[1].history;
            int compared = 0;
            for (std::size_t row = 0; row < h.size(); ++row) {
                if (!h.ok(row))
                    continue;
                const auto expected = valueAt(raw.at(u"web"_s), h.times()[row]);
                QVERIFY(expected);
                QCOMPARE(h.column(column)[row], *expected);
                ++compared;
            }
            QVERIFY2(compared >= 5, qPrintable(u"%1: %2 points"_s.arg(metric).arg(compared)));
        }
    }

    void fleetListsEveryDemoService()
    {
        FleetSource fleet(m_client.get());
        QSignalSpy updated(&fleet, &FleetSource::updated);
        fleet.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(updated.size(), 1, 60'000);
        QVERIFY2(fleet.state() == FleetSource::State::Ok, qPrintable(fleet.error()));
        for (const TargetConfig& target : std::as_const(m_demo.targets)) {
            const QString service = target.service.isEmpty() ? target.name : target.service;
            const FleetRow* row = fleet.row(service);
            QVERIFY2(row, qPrintable(service));
            QVERIFY2(verdictRank(row->verdict) < 4, qPrintable(service + u": verdict «"_s + row->verdict + u'»'));
            QCOMPARE(row->replicasUp, 1);
        }
    }

    // The service window's session as FleetLauncher builds it, fed by the agent's snapshots round after round.
    void windowFollowsTheAgentsSnapshots()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto loaded = loadService(*m_client, u"web"_s, now - 120'000, now, 1000);
        QVERIFY(loaded);
        QVERIFY2(loaded->first, qPrintable(loaded->second));
        ServiceHistory& history = *loaded->first;
        Session session(history.workspace);
        session.adopt(std::move(history.content));
        ViewState view;
        Diagnosis diagnosis(&session, &view);
        const int web = session.targetIndex(u"web"_s);
        QVERIFY(web >= 0);
        const int db = session.databaseIndex(session.target(web).config.database);
        QVERIFY(db >= 0);

        AgentSnapshotClient client(10'000);
        SnapshotFollower follower(&client, &session);
        QSignalSpy applied(&follower, &SnapshotFollower::applied);
        follower.read();
        QCOMPARE(follower.inFlight(), 1);
        follower.read(); // the first round has not answered: no second request
        QCOMPARE(follower.inFlight(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 30'000);
        QCOMPARE(follower.inFlight(), 0);
        QVERIFY2(session.database(db).latest.ok(), qPrintable(session.database(db).latest.error));
        QCOMPARE(session.target(web).config.applicationName, u"web"_s);
        QVERIFY(session.holdersAt(web, ViewState::kLive).reported);

        // The suspects are exact: the app's untracked holders, each with its file:line.
        QString error;
        const QJsonObject admin
            = fetchJson(demoService(m_state, u"web"_s)[u"admin_url"_s].toString() + u"/state"_s, &error).object();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(diagnosis.target(web).reconciliation.exact, 30'000);
        const Reconciliation& r = diagnosis.target(web).reconciliation;
        QCOMPARE(r.confidence, ReconcileConfidence::Exact);
        QVERIFY(!r.suspects.isEmpty());
        static const QRegularExpression fileLine(u"^\\S+\\.py:\\d+ in "_s);
        QSet<int> suspects;
        for (const Suspect& s : r.suspects) {
            QVERIFY(s.holder);
            QVERIFY(!s.holder->tracked);
            QVERIFY2(fileLine.match(s.holder->location()).hasMatch(), qPrintable(s.holder->location()));
            suspects.insert(s.pid);
        }
        for (const QJsonValue& pid : admin[u"untracked_pids"_s].toArray())
            QVERIFY2(suspects.contains(pid.toInt()), qPrintable(u"untracked pid %1 not a suspect"_s.arg(pid.toInt())));

        // A connection the app takes now (tracked, held a while) is a backend and a holder of a later round.
        const int seconds = 60 + static_cast<int>(QRandomGenerator::global()->bounded(600));
        const QString query = u"SELECT %1 AS hold_seconds"_s.arg(seconds);
        auto heldPid = [&] {
            for (const Backend& b : session.database(db).lastOk.backends)
                if (b.query == query)
                    return b.pid;
            return 0;
        };
        QCOMPARE(heldPid(), 0);
        fetchJson(demoService(m_state, u"web"_s)[u"admin_url"_s].toString() + u"/hold"_s, &error,
            u"{\"route\": \"/fleetsnap/hold\", \"seconds\": %1}"_s.arg(seconds).toUtf8());
        QVERIFY2(error.isEmpty(), qPrintable(error));
        auto heldHolder = [&] {
            for (const Holder& h : session.holdersAt(web, ViewState::kLive).holders)
                if (h.backendPid == heldPid() && h.route == u"/fleetsnap/hold"_s)
                    return h.tracked;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                follower.read(); // a follow round; none while one is in flight
                return heldPid() != 0 && heldHolder();
            }(),
            60'000);
        QVERIFY(applied.size() >= 2);
    }

private:
    static bool metricsAnswer(QNetworkAccessManager& network, quint16 port)
    {
        QNetworkRequest request(QUrl(u"http://127.0.0.1:%1/metrics"_s.arg(port)));
        request.setTransferTimeout(2000);
        QNetworkReply* reply = network.get(request);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        finished.wait(5000);
        const bool ok = reply->error() == QNetworkReply::NoError && reply->readAll().contains("poolscope_checked_out");
        reply->deleteLater();
        return ok;
    }

    int scrapesOf(const QString& target)
    {
        QString error;
        const auto raw = rawSamples(*m_client, u"poolscope_checked_out"_s, QDateTime::currentMSecsSinceEpoch(), &error);
        const auto it = raw.find(target);
        return it == raw.end() ? 0 : static_cast<int>(it->second.size());
    }

    QJsonObject m_state;
    Workspace m_demo;
    QProcess m_agent;
    PrometheusServer m_prometheus;
    std::unique_ptr<PrometheusClient> m_client;
};

QTEST_GUILESS_MAIN(TestFleetEndToEnd)
#include "tst_fleet_e2e.moc"
