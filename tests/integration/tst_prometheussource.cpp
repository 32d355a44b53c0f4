// The window's Prometheus source against a real Prometheus (Debian's `prometheus`, started by the test on a
// free port with a temporary data directory, scraping every second) that scrapes fake_agent.py, which serves
// the agent's series with values that change at every scrape: the backfill equals what was scraped, the
// fleet lists every service worst first, and failures are answers that say what went wrong.
#include "FleetChecks.h"
#include "PrometheusServer.h"
#include "fleet/AgentSnapshotClient.h"
#include "fleet/FleetSource.h"
#include "fleet/ServiceHistory.h"
#include "models/FleetModel.h"
#include "store/Session.h"

#include <QAbstractItemModelTester>

#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

class TestPrometheusSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_agentPort = freeLoopbackPort();
        m_agent.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_agent.start(qEnvironmentVariable("POOLSCOPE_PYTHON", u"/usr/bin/python3"_s),
            { QStringLiteral(FAKE_AGENT_SCRIPT), u"--port"_s, QString::number(m_agentPort), u"--log"_s,
                m_dir.filePath(u"served.log"_s), u"--token"_s, kAgentToken });
        QVERIFY(m_agent.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_agent.canReadLine() || m_agent.waitForReadyRead(100), 30'000);
        QString error;
        QVERIFY2(m_prometheus.start({ u"127.0.0.1:%1"_s.arg(m_agentPort) }, &error), qPrintable(error));
        PrometheusConfig config;
        config.url = m_prometheus.url();
        m_client = std::make_unique<PrometheusClient>(config);
        // A few scrapes of every replica.
        QTRY_VERIFY_WITH_TIMEOUT(scrapesOf(u"web-1"_s) >= 8, 90'000);
    }

    void cleanupTestCase()
    {
        m_prometheus.stop();
        m_agent.terminate();
        m_agent.waitForFinished(10'000);
    }

    // The backfilled series of each replica equals, point for point, the samples Prometheus scraped (the
    // newest at or before each step), and those are values the agent served; the sum is the replicas' sum.
    void backfillEqualsWhatWasScraped()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto loaded = loadService(*m_client, u"web"_s, now - 120'000, now, 1000);
        QVERIFY(loaded);
        QVERIFY2(loaded->first, qPrintable(loaded->second));
        const ServiceHistory& history = *loaded->first;
        QCOMPARE(history.workspace.targets.size(), 3);
        QCOMPARE(history.workspace.targets[1].name, u"web-1"_s);
        QCOMPARE(history.workspace.targets[2].name, u"web-2"_s);

        QString error;
        const auto checked = rawSamples(*m_client, u"poolscope_checked_out{service=\"web\"}"_s, now, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const auto tracked = rawSamples(*m_client, u"poolscope_tracked{service=\"web\"}"_s, now, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        std::set<QString> served;
        QFile log(m_dir.filePath(u"served.log"_s));
        QVERIFY(log.open(QIODevice::ReadOnly));
        for (const QByteArray& line : log.readAll().split('\n'))
            served.insert(QString::fromUtf8(line));

        for (int t = 1; t <= 2; ++t) {
            const TargetState& state = history.content.targets[static_cast<std::size_t>(t)];
            const QString name = state.config.name;
            const TargetHistory& h = state.history;
            int compared = 0;
            for (std::size_t row = 0; row < h.size(); ++row) {
                if (!h.ok(row))
                    continue;
                const qint64 tMs = h.times()[row];
                const auto expectedOut = valueAt(checked.at(name), tMs);
                QVERIFY2(expectedOut, qPrintable(u"%1 at %2: nothing scraped before"_s.arg(name).arg(tMs)));
                QCOMPARE(h.column(Metric::CheckedOut)[row], *expectedOut);
                QCOMPARE(h.column(Metric::Tracked)[row], *valueAt(tracked.at(name), tMs));
                QVERIFY2(served.contains(u"%1 poolscope_checked_out %2"_s.arg(name).arg(*expectedOut)),
                    qPrintable(u"%1: %2 was never served"_s.arg(name).arg(*expectedOut)));
                ++compared;
            }
            QVERIFY2(compared >= 5, qPrintable(u"%1: only %2 points compared"_s.arg(name).arg(compared)));
        }
        // The sum, where both replicas have a point.
        const TargetHistory& sum = history.content.targets[0].history;
        const TargetHistory& one = history.content.targets[1].history;
        const TargetHistory& two = history.content.targets[2].history;
        int summed = 0;
        for (std::size_t row = 0; row < sum.size(); ++row) {
            const auto r1 = one.rowAtOrBefore(sum.times()[row]);
            const auto r2 = two.rowAtOrBefore(sum.times()[row]);
            if (r1 < 0 || r2 < 0 || one.times()[static_cast<std::size_t>(r1)] != sum.times()[row]
                || two.times()[static_cast<std::size_t>(r2)] != sum.times()[row])
                continue;
            QCOMPARE(sum.column(Metric::CheckedOut)[row],
                one.column(Metric::CheckedOut)[static_cast<std::size_t>(r1)]
                    + two.column(Metric::CheckedOut)[static_cast<std::size_t>(r2)]);
            ++summed;
        }
        QVERIFY(summed >= 5);

        // The Session takes it as a recording's content: the same per-target history the live poll writes.
        Session session(history.workspace);
        const std::size_t rows = history.content.targets[1].history.size();
        session.adopt(history.content);
        QCOMPARE(session.targetCount(), 3);
        QCOMPARE(session.target(1).history.size(), rows);
    }

    void fleetListsEveryServiceWorstFirst()
    {
        FleetSource fleet(m_client.get());
        QSignalSpy updated(&fleet, &FleetSource::updated);
        fleet.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(updated.size(), 1, 60'000);
        QVERIFY2(fleet.state() == FleetSource::State::Ok, qPrintable(fleet.error()));
        const QList<FleetRow>& rows = fleet.rows();
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows[0].service, u"worker_odds"_s);
        QCOMPARE(rows[0].verdict, u"growing"_s);
        QCOMPARE(rows[1].service, u"web"_s);
        QCOMPARE(rows[1].verdict, u"stable"_s);
        QCOMPARE(rows[1].replicas.size(), 2);
        QCOMPARE(rows[1].replicasUp, 2);
        QCOMPARE(rows[1].tracked, 14.0);
        QCOMPARE(rows[2].service, u"worker_settlement"_s);
        QCOMPARE(rows[2].verdict, u"none"_s);
        QVERIFY(rows[2].discrepancy >= 0 && rows[2].discrepancy <= 2); // 5 + scrape % 3 − 5
        QVERIFY(std::any_of(rows[0].sparkline.begin(), rows[0].sparkline.end(), [](double v) { return v > 0; }));
    }

    // What the fleet pane shows: a row per service, worst first, kept by diff across refreshes.
    void fleetModelFollowsTheSource()
    {
        FleetSource fleet(m_client.get());
        FleetModel model(&fleet);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy updated(&fleet, &FleetSource::updated);
        fleet.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(updated.size(), 1, 60'000);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.serviceAt(0), u"worker_odds"_s);
        QCOMPARE(model.index(0, FleetModel::Verdict).data().toString(), u"growing"_s);
        QCOMPARE(model.index(1, FleetModel::Replicas).data().toString(), u"2 / 2"_s);
        QCOMPARE(model.index(1, FleetModel::Tracked).data(FleetModel::SortRole).toDouble(), 14.0);
        const auto spark = model.index(0, FleetModel::Trend).data(FleetModel::SparklineRole).value<QList<double>>();
        QCOMPARE(spark.size(), FleetSource::kSparkPoints + 1);
        const QPersistentModelIndex web = model.index(1, 0);
        fleet.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(updated.size(), 2, 60'000);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(web.data().toString(), u"web"_s);
    }

    void selectorNarrowsTheFleet()
    {
        PrometheusConfig config = m_client->config();
        config.selector = u"{job=\"not-poolscope\"}"_s;
        PrometheusClient narrowed(config);
        FleetSource fleet(&narrowed);
        QSignalSpy updated(&fleet, &FleetSource::updated);
        fleet.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(updated.size(), 1, 60'000);
        QCOMPARE(fleet.state(), FleetSource::State::Ok);
        QVERIFY(fleet.rows().isEmpty());
    }

    // Backends and suspects come from the agent's snapshot; one that cannot be read is "unavailable", with why.
    void snapshotUnavailableSaysWhy()
    {
        AgentSnapshotClient client(2000);
        QObject context;
        // fake_agent.py serves its snapshot only with its bearer token.
        auto unauthorized = await<AgentSnapshot>([&](auto done) { client.fetch(snapshotUrl(), &context, done); });
        QVERIFY(unauthorized);
        QVERIFY(!unauthorized->available);
        QCOMPARE(unauthorized->reason, u"HTTP 401"_s);
        const Event e = snapshotEvent(u"web-1"_s, *unauthorized, 1);
        QCOMPARE(e.severity, Event::Severity::Warning);
        QVERIFY2(e.message.startsWith(u"backends and suspects: unavailable"_s), qPrintable(e.message));
        QVERIFY(e.message.contains(u"HTTP 401"_s));
        // What the window's backends table and explanation show instead of an empty table.
        const ReplicaSnapshot replica = replicaSnapshot(*unauthorized, u"web-1"_s, u"web-1 (agent)"_s, 5);
        QCOMPARE(replica.activity.database, u"web-1 (agent)"_s);
        QCOMPARE(replica.activity.timestampMs, 5);
        QCOMPARE(replica.activity.error, u"unavailable: the agent's snapshot %1: HTTP 401"_s.arg(snapshotUrl()));
        QVERIFY(replica.activity.backends.isEmpty());
        // Prometheus answers, but not with a snapshot.
        auto wrong = await<AgentSnapshot>(
            [&](auto done) { client.fetch(m_prometheus.url() + u"/api/v1/status/buildinfo"_s, &context, done); });
        QVERIFY(wrong && !wrong->available);
        QCOMPARE(wrong->reason, u"not a PoolScope snapshot"_s);
        // Nobody there.
        auto refused = await<AgentSnapshot>([&](auto done) {
            client.fetch(u"http://127.0.0.1:%1/api/v1/snapshot"_s.arg(freeLoopbackPort()), &context, done);
        });
        QVERIFY(refused && !refused->available);
        QVERIFY2(refused->reason.contains(u"refused"_s, Qt::CaseInsensitive), qPrintable(refused->reason));
    }

    // With prometheus.agent_token (${env:NAME}) the agent answers; its snapshot fills the replica's database
    // with the backends the agent read, and names the application whose backends are the pool's.
    void snapshotFillsTheReplica()
    {
        qputenv("POOLSCOPE_TEST_AGENT_TOKEN", kAgentToken.toUtf8());
        AgentSnapshotClient client(10'000, u"${env:POOLSCOPE_TEST_AGENT_TOKEN}"_s);
        QObject context;
        auto snapshot = await<AgentSnapshot>([&](auto done) { client.fetch(snapshotUrl(), &context, done); });
        QVERIFY(snapshot);
        QVERIFY2(snapshot->available, qPrintable(snapshot->reason));
        QCOMPARE(snapshotEvent(u"web-1"_s, *snapshot, 1).severity, Event::Severity::Info);

        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const ReplicaSnapshot web = replicaSnapshot(*snapshot, u"web-1"_s, u"web-1 (agent)"_s, now);
        QVERIFY2(web.activity.ok(), qPrintable(web.activity.error));
        QCOMPARE(web.applicationName, u"web"_s);
        QCOMPARE(web.activity.database, u"web-1 (agent)"_s);
        QCOMPARE(web.activity.backends.size(), 3);
        const Backend& idle = web.activity.backends.first();
        QCOMPARE(idle.pid, 101);
        QCOMPARE(idle.applicationName, u"web"_s);
        QCOMPARE(idle.state, u"idle"_s);
        QCOMPARE(idle.query, u"SELECT 101"_s);
        QVERIFY(idle.stateChangeMs != kNoTime);
        QVERIFY(web.activity.serverTimeMs != kNoTime);
        QVERIFY2(std::abs((web.activity.serverTimeMs - idle.stateChangeMs) - 3'600'000) < 1000,
            qPrintable(QString::number(web.activity.serverTimeMs - idle.stateChangeMs)));
        // name@instance (two replicas of one name) is the agent's target of that name.
        QCOMPARE(replicaSnapshot(*snapshot, u"web-1@127.0.0.1:1"_s, u"db"_s, now).applicationName, u"web"_s);
        // A target whose database the agent cannot read, and one the agent does not list: unavailable, and why.
        const ReplicaSnapshot odds = replicaSnapshot(*snapshot, u"worker_odds"_s, u"worker_odds (agent)"_s, now);
        QCOMPARE(odds.activity.error,
            u"unavailable: the agent could not read pg_stat_activity of other: connection refused"_s);
        QCOMPARE(replicaSnapshot(*snapshot, u"nobody"_s, u"db"_s, now).activity.error,
            u"unavailable: the agent's snapshot %1 does not list nobody"_s.arg(snapshotUrl()));

        // In the replica's window (the backfill's workspace: a database per replica with an agent), the
        // backends are the database's and the pool's are those of the agent's application.
        ServiceRangeInput input;
        input.stepMs = 1000;
        PromSeries up;
        up.labels.insert(u"target"_s, u"web-1"_s);
        up.labels.insert(u"instance"_s, u"127.0.0.1:%1"_s.arg(m_agentPort));
        up.labels.insert(u"service"_s, u"web"_s);
        up.timesMs.push_back(now - 1000);
        up.values.push_back(1);
        input.up.push_back(up);
        ServiceHistory history = buildServiceHistory(u"web"_s, input, Workspace {});
        QCOMPARE(history.workspace.targets.size(), 2);
        TargetConfig& replica = history.workspace.targets[1];
        QCOMPARE(replica.url, snapshotUrl());
        QCOMPARE(replica.database, replicaDatabaseName(u"web-1"_s));
        QVERIFY(history.workspace.database(replica.database));
        replica.applicationName = replicaSnapshot(*snapshot, replica.name, replica.database, now).applicationName;
        Session session(history.workspace);
        session.addSnapshot(replicaSnapshot(*snapshot, replica.name, replica.database, now).activity);
        QList<int> pids;
        for (const Backend& b : session.backendsOf(1))
            pids.append(b.pid);
        QCOMPARE(pids, (QList<int> { 101, 102 }));
        QCOMPARE(session.database(0).lastOk.backends.size(), 3);
    }

    void failuresAreAnswers()
    {
        // A query Prometheus refuses: its own message.
        PromResponse bad = ask(*m_client, u"sum by (("_s);
        QVERIFY2(bad.error.startsWith(u"Prometheus: bad_data: "_s), qPrintable(bad.error));

        // An answer over the cap.
        PrometheusClient capped(m_client->config());
        capped.setMaxBodyBytes(64);
        bad = ask(capped, u"poolscope_checked_out"_s);
        QVERIFY2(bad.error.contains(u"larger than"_s), qPrintable(bad.error));

        // A black hole: accepts, never answers.
        QTcpServer hole;
        QVERIFY(hole.listen(QHostAddress::LocalHost, 0));
        PrometheusConfig config;
        config.url = u"http://127.0.0.1:%1"_s.arg(hole.serverPort());
        config.timeoutMs = 1000;
        PrometheusClient silent(config);
        FleetSource fleet(&silent);
        QSignalSpy updated(&fleet, &FleetSource::updated);
        fleet.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(updated.size(), 1, 30'000);
        QCOMPARE(fleet.state(), FleetSource::State::Failing);
        QVERIFY2(fleet.error().contains(u"no answer within 1 s"_s), qPrintable(fleet.error()));

        // Nobody listening.
        config.url = u"http://127.0.0.1:%1"_s.arg(freeLoopbackPort());
        PrometheusClient refused(config);
        bad = ask(refused, u"up"_s);
        QVERIFY2(bad.error.contains(u"refused"_s, Qt::CaseInsensitive), qPrintable(bad.error));
    }

private:
    inline static const QString kAgentToken = u"s3cret-agent-token"_s;

    QString snapshotUrl() const { return u"http://127.0.0.1:%1/api/v1/snapshot"_s.arg(m_agentPort); }

    int scrapesOf(const QString& target)
    {
        QString error;
        const auto raw = rawSamples(*m_client, u"poolscope_checked_out"_s, QDateTime::currentMSecsSinceEpoch(), &error);
        const auto it = raw.find(target);
        return it == raw.end() ? 0 : static_cast<int>(it->second.size());
    }

    QTemporaryDir m_dir;
    quint16 m_agentPort = 0;
    QProcess m_agent;
    PrometheusServer m_prometheus;
    std::unique_ptr<PrometheusClient> m_client;
};

QTEST_GUILESS_MAIN(TestPrometheusSource)
#include "tst_prometheussource.moc"
