// Issue 13: a fleet window's replicas follow their agents' snapshots (SnapshotFollower over a real HTTP
// server on loopback): one request per replica in flight however often the window asks, a backend that
// appears later shows up with the next answer, an agent that stops answering (no answer, then refused) turns
// the replica "unavailable: <reason>" with its holders gone, and it recovers when the agent answers again.
// A 10+ MiB snapshot is parsed on a worker thread, not the GUI's; an answer for a replica whose agent changed
// meanwhile is dropped.
#include "TestHttpServer.h"
#include "fleet/AgentSnapshotClient.h"
#include "fleet/SnapshotFollower.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <optional>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

namespace {

const QByteArray kPath = "/api/v1/snapshot";

// The agent's snapshot of target "web": its backends `pids` (application_name web, each running `query`), the
// untracked holder 101.
QByteArray snapshotBody(const QList<int>& pids, const QString& query = u"SELECT 1"_s)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QJsonArray backends;
    for (const int pid : pids)
        backends.append(QJsonObject { { u"pid"_s, pid }, { u"application_name"_s, u"web"_s }, { u"state"_s, u"idle"_s },
            { u"query"_s, query }, { u"state_change"_s, now.addSecs(-pid % 3600).toString(Qt::ISODateWithMs) } });
    const QJsonObject holder { { u"backend_pid"_s, 101 }, { u"tracked"_s, false },
        { u"acquired_at"_s, now.addSecs(-600).toString(Qt::ISODateWithMs) },
        { u"stack"_s, QJsonArray { u"app/cache.py:17:warm"_s } } };
    const QJsonObject holders { { u"reported"_s, true }, { u"timestamp"_s, now.toString(Qt::ISODateWithMs) },
        { u"holders"_s, QJsonArray { holder } } };
    const QJsonObject target { { u"name"_s, u"web"_s }, { u"database"_s, u"app"_s },
        { u"application_name"_s, u"web"_s }, { u"holders"_s, holders } };
    const QJsonObject database { { u"name"_s, u"app"_s }, { u"ok"_s, true }, { u"backends"_s, backends } };
    return QJsonDocument(QJsonObject { { u"generated_at"_s, now.toString(Qt::ISODateWithMs) },
                             { u"targets"_s, QJsonArray { target } }, { u"databases"_s, QJsonArray { database } } })
        .toJson(QJsonDocument::Compact);
}

QList<int> pidsOf(const ActivitySnapshot& snapshot)
{
    QList<int> pids;
    for (const Backend& b : snapshot.backends)
        pids.append(b.pid);
    return pids;
}

// A session with one replica "web" whose agent is `url`.
Workspace replicaWorkspace(const QString& url)
{
    Workspace w;
    TargetConfig replica;
    replica.name = u"web"_s;
    replica.url = url;
    replica.database = u"web (agent)"_s;
    DatabaseConfig db;
    db.name = replica.database;
    w.targets = { replica };
    w.databases = { db };
    return w;
}

} // namespace

class TestSnapshotFollower : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void followsTheAgent()
    {
        TestHttpServer agent;
        Workspace w;
        TargetConfig replica;
        replica.name = u"web"_s;
        replica.url = agent.url(kPath);
        replica.database = u"web (agent)"_s;
        DatabaseConfig db;
        db.name = replica.database;
        w.targets = { replica };
        w.databases = { db };
        Session session(w);
        AgentSnapshotClient client(1000);
        SnapshotFollower follower(&client, &session);
        QSignalSpy applied(&follower, &SnapshotFollower::applied);

        agent.setRoute(kPath, { TestHttpServer::Mode::Respond, httpResponse(200, "OK", snapshotBody({ 101, 102 })) });
        follower.read();
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 30'000);
        QVERIFY2(session.database(0).latest.ok(), qPrintable(session.database(0).latest.error));
        QCOMPARE(pidsOf(session.database(0).latest), (QList<int> { 101, 102 }));
        QCOMPARE(session.target(0).config.applicationName, u"web"_s);
        QVERIFY(session.holdersAt(0, ViewState::kLive).reported);
        QCOMPARE(session.holdersAt(0, ViewState::kLive).holders.first().location(), u"app/cache.py:17 in warm()"_s);

        // A slow agent: however often the window asks, one request is in flight; its answer brings pid 103.
        agent.setRoute(kPath, { TestHttpServer::Mode::Hold, {} });
        for (int round = 0; round < 3; ++round) {
            follower.read();
            QCOMPARE(follower.inFlight(), 1);
        }
        QTRY_COMPARE_WITH_TIMEOUT(agent.requestCount(kPath), 2, 30'000);
        QCOMPARE(agent.requestCount(kPath), 2);
        agent.release(kPath, httpResponse(200, "OK", snapshotBody({ 101, 102, 103 })));
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 2, 30'000);
        QCOMPARE(follower.inFlight(), 0);
        QCOMPARE(pidsOf(session.database(0).latest), (QList<int> { 101, 102, 103 }));

        // No answer: unavailable, never an empty table, and the holders are not the agent's any more.
        agent.setRoute(kPath, { TestHttpServer::Mode::Hang, {} });
        follower.read();
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 3, 30'000);
        QCOMPARE(session.database(0).latest.error,
            u"unavailable: the agent's snapshot %1: no answer within 1 s"_s.arg(agent.url(kPath)));
        QVERIFY(!session.holdersAt(0, ViewState::kLive).reported);
        QCOMPARE(session.events().last().kind, u"snapshot-unavailable"_s);
        const qsizetype events = session.events().size();

        // Refused: still unavailable, with the new reason, and no second event.
        agent.stopListening();
        follower.read();
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 4, 30'000);
        QVERIFY2(session.database(0).latest.error.startsWith(u"unavailable: the agent's snapshot "_s),
            qPrintable(session.database(0).latest.error));
        QVERIFY(!session.database(0).latest.error.contains(u"no answer"_s));
        QCOMPARE(session.events().size(), events);

        // It answers again: the backends and holders are back, and the event log says so.
        QVERIFY(agent.listenAgain());
        agent.setRoute(kPath, { TestHttpServer::Mode::Respond, httpResponse(200, "OK", snapshotBody({ 101, 104 })) });
        follower.read();
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 5, 30'000);
        QVERIFY2(session.database(0).latest.ok(), qPrintable(session.database(0).latest.error));
        QCOMPARE(pidsOf(session.database(0).latest), (QList<int> { 101, 104 }));
        QVERIFY(session.holdersAt(0, ViewState::kLive).reported);
        QCOMPARE(session.events().size(), events + 1);
        QCOMPARE(session.events().last().kind, u"snapshot"_s);
    }

    // A 10+ MiB snapshot (what a busy agent serves: thousands of backends with long queries) is parsed and turned
    // into backends and holders on a worker thread, never the GUI's; the session gets every backend in the
    // agent's order, and the rounds land in order (the second answer replaces the first).
    void readsABigSnapshotOffTheGuiThread()
    {
        TestHttpServer agent;
        Session session(replicaWorkspace(agent.url(kPath)));
        AgentSnapshotClient client(60'000);
        SnapshotFollower follower(&client, &session);
        QSignalSpy applied(&follower, &SnapshotFollower::applied);

        QList<int> pids;
        for (int pid = 1000; pid < 1000 + 25'000; ++pid)
            pids.append(pid);
        const QString query = u"SELECT /* a long query, as an ORM writes them */ "_s + QString(400, u'x');
        const QByteArray big = snapshotBody(pids, query);
        QVERIFY2(big.size() > 10 * 1024 * 1024, qPrintable(QString::number(big.size())));
        QVERIFY(big.size() < AgentSnapshotClient::kMaxBodyBytes);
        agent.setRoute(kPath, { TestHttpServer::Mode::Respond, httpResponse(200, "OK", big) });
        follower.read();
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 120'000);
        QCOMPARE(applied.at(0).at(0).toInt(), 0);
        const auto readOn = applied.at(0).at(1).value<QThread*>();
        QVERIFY(readOn != nullptr);
        QVERIFY(readOn != QThread::currentThread());
        QCOMPARE(follower.inFlight(), 0);
        const ActivitySnapshot& latest = session.database(0).latest;
        QVERIFY2(latest.ok(), qPrintable(latest.error));
        QCOMPARE(pidsOf(latest), pids);
        QCOMPARE(latest.backends.last().query, query);
        QVERIFY(latest.backends.last().stateChangeMs != kNoTime);
        QVERIFY(session.holdersAt(0, ViewState::kLive).reported);
        QCOMPARE(session.events().last().kind, u"snapshot"_s);

        // The next round: a small answer replaces the big one.
        agent.setRoute(kPath, { TestHttpServer::Mode::Respond, httpResponse(200, "OK", snapshotBody({ 7, 8 })) });
        follower.read();
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 2, 60'000);
        QVERIFY(applied.at(1).at(1).value<QThread*>() != QThread::currentThread());
        QCOMPARE(pidsOf(session.database(0).latest), (QList<int> { 7, 8 }));

        // The client's plain fetch parses off this thread too.
        QObject context;
        std::optional<AgentSnapshot> plain;
        client.fetch(agent.url(kPath), &context, [&plain](AgentSnapshot s) { plain = std::move(s); });
        QTRY_VERIFY_WITH_TIMEOUT(plain.has_value(), 60'000);
        QVERIFY(plain->available);
        QVERIFY(plain->parsedOn != nullptr);
        QVERIFY(plain->parsedOn != QThread::currentThread());
    }

    // An answer for a replica whose agent changed while it was read (the workspace edited) is dropped, never
    // applied to the replica's new agent; the next round asks the new one.
    void dropsAnAnswerOfAReplicaThatChanged()
    {
        TestHttpServer before;
        TestHttpServer after;
        Session session(replicaWorkspace(before.url(kPath)));
        AgentSnapshotClient client(30'000);
        SnapshotFollower follower(&client, &session);
        QSignalSpy applied(&follower, &SnapshotFollower::applied);
        QSignalSpy dropped(&follower, &SnapshotFollower::dropped);

        before.setRoute(kPath, { TestHttpServer::Mode::Hold, {} });
        follower.read();
        QTRY_COMPARE_WITH_TIMEOUT(before.requestCount(kPath), 1, 30'000);
        Workspace moved = session.workspace();
        moved.targets[0].url = after.url(kPath);
        QVERIFY(session.updateWorkspace(moved));
        follower.read(); // still one in flight for "web": nothing asked of the new agent yet
        QCOMPARE(follower.inFlight(), 1);
        QCOMPARE(after.requestCount(kPath), 0);

        before.release(kPath, httpResponse(200, "OK", snapshotBody({ 1, 2 })));
        QTRY_COMPARE_WITH_TIMEOUT(dropped.size(), 1, 30'000);
        QCOMPARE(dropped.at(0).at(0).toString(), u"web"_s);
        QCOMPARE(applied.size(), 0);
        QCOMPARE(follower.inFlight(), 0);
        QVERIFY(!session.database(0).polled());
        QVERIFY(session.events().isEmpty());

        after.setRoute(kPath, { TestHttpServer::Mode::Respond, httpResponse(200, "OK", snapshotBody({ 3 })) });
        follower.read();
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 30'000);
        QCOMPARE(pidsOf(session.database(0).latest), QList<int> { 3 });
        QCOMPARE(after.requestCount(kPath), 1);
        QCOMPARE(before.requestCount(kPath), 1);
    }
};

QTEST_GUILESS_MAIN(TestSnapshotFollower)
#include "tst_snapshotfollower.moc"
