// The agent's /metrics (AgentMetrics, ExpositionWriter): what a Session and its Diagnosis become as Prometheus
// text and OpenMetrics, read back with profiles/Exposition and checked with `promtool check metrics`; the
// label caps; the snapshot JSON; the routing of Agent.
#include "agent/Agent.h"
#include "agent/AgentMetrics.h"
#include "agent/ExpositionWriter.h"
#include "analysis/Diagnosis.h"
#include "analysis/Holders.h"
#include "fleet/AgentSnapshotClient.h"
#include "profiles/Exposition.h"
#include "profiles/HoldersReader.h"
#include "store/Session.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTest>

#include <cmath>

using namespace poolscope;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kT0 = 1'795'000'000'000;

Workspace fleetWorkspace()
{
    Workspace ws;
    DatabaseConfig db;
    db.name = u"main"_s;
    db.conninfo = u"dbname=app"_s;
    ws.databases.append(db);
    for (const QString& name : { u"web-1"_s, u"web-2"_s, u"cron"_s }) {
        TargetConfig t;
        t.name = name;
        t.url = u"http://127.0.0.1:1/health"_s;
        t.applicationName = name;
        t.database = db.name;
        t.service = name.startsWith(u"web"_s) ? u"web"_s : QString();
        ws.targets.append(t);
    }
    return ws;
}

Sample okSample(const QString& target, qint64 t, double checkedOut, double tracked, QList<RouteStats> routes = {})
{
    Sample s;
    s.target = target;
    s.timestampMs = t;
    s.latencyMs = 250;
    s.metrics.set(Metric::CheckedOut, checkedOut);
    s.metrics.set(Metric::Tracked, tracked);
    s.metrics.set(Metric::Discrepancy, checkedOut - tracked);
    s.metrics.set(Metric::PoolMax, 20);
    s.routes = std::move(routes);
    return s;
}

Backend backend(int pid, const QString& app, const QString& state)
{
    Backend b;
    b.pid = pid;
    b.datname = u"app"_s;
    b.applicationName = app;
    b.state = state;
    b.clientAddr = u"10.0.0.7"_s;
    b.clientPort = 40000 + pid;
    b.query = u"SELECT secret FROM t WHERE id = %1"_s.arg(pid);
    return b;
}

// The sample of `name` whose labels include every pair of `labels`; null when none or several.
const ExpositionSample* find(const Exposition& e, const QString& name, const QList<QPair<QString, QString>>& labels)
{
    const ExpositionSample* found = nullptr;
    for (const ExpositionSample& s : e.samples) {
        if (s.name != name)
            continue;
        bool all = true;
        for (const auto& [k, v] : labels)
            all = all && s.label(k) == v;
        if (!all)
            continue;
        if (found)
            return nullptr;
        found = &s;
    }
    return found;
}

double valueOf(const Exposition& e, const QString& name, const QList<QPair<QString, QString>>& labels)
{
    const ExpositionSample* s = find(e, name, labels);
    return s ? s->value : qQNaN();
}

} // namespace

class TestAgentMetrics : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void valuesAndLabels();
    void openMetrics();
    void promtoolAcceptsIt();
    void failedPollDropsTheNumbers();
    void routesAreCappedAndEscaped();
    void applicationNamesAreCapped();
    void neverAPidQueryOrPort();
    void negotiate_data();
    void negotiate();
    void snapshotAndRouting();
    void snapshotHolders();
    void historyIsTrimmed();
};

void TestAgentMetrics::valuesAndLabels()
{
    Session session(fleetWorkspace());
    Diagnosis diagnosis(&session);
    AgentMetrics metrics(&session, &diagnosis);
    session.addSample(okSample(u"web-1"_s, kT0, 9, 1, { RouteStats { u"/bets"_s, 40, 38, 2, 0 } }));
    session.addSample(okSample(u"web-2"_s, kT0, 5, 5));
    ActivitySnapshot snap;
    snap.database = u"main"_s;
    snap.timestampMs = kT0;
    snap.latencyMs = 12;
    snap.maxConnections = 100;
    snap.backends = { backend(1, u"web-1"_s, u"idle"_s), backend(2, u"web-1"_s, u"idle"_s),
        backend(3, u"web-1"_s, u"active"_s), backend(4, u"cron"_s, u"idle in transaction"_s) };
    session.addSnapshot(snap);
    diagnosis.recompute();

    const Exposition e = Exposition::parse(metrics.exposition(ExpositionWriter::Format::Prometheus));
    QVERIFY2(e.ok(), qPrintable(e.error));
    QVERIFY2(e.warnings.isEmpty(), qPrintable(e.warnings.join(u'\n')));
    const QList<QPair<QString, QString>> web1 { { u"target"_s, u"web-1"_s }, { u"service"_s, u"web"_s } };
    QCOMPARE(valueOf(e, u"poolscope_target_up"_s, web1), 1.0);
    QCOMPARE(valueOf(e, u"poolscope_checked_out"_s, web1), 9.0);
    QCOMPARE(valueOf(e, u"poolscope_tracked"_s, web1), 1.0);
    QCOMPARE(valueOf(e, u"poolscope_discrepancy"_s, web1), 8.0);
    QCOMPARE(valueOf(e, u"poolscope_pool_max"_s, web1), 20.0);
    QCOMPARE(valueOf(e, u"poolscope_target_poll_latency_seconds"_s, web1), 0.25);
    QCOMPARE(valueOf(e, u"poolscope_target_poll_duration_seconds_count"_s, web1), 1.0);
    QCOMPARE(valueOf(e, u"poolscope_target_poll_errors_total"_s, web1), 0.0);
    QCOMPARE(valueOf(e, u"poolscope_target_last_poll_timestamp_seconds"_s, web1), kT0 / 1000.0);
    QCOMPARE(valueOf(e, u"poolscope_route_acquired_total"_s,
                 web1 + QList<QPair<QString, QString>> { { u"route"_s, u"/bets"_s } }),
        40.0);
    QCOMPARE(valueOf(e, u"poolscope_route_active"_s, { { u"target"_s, u"web-1"_s }, { u"route"_s, u"/bets"_s } }), 2.0);
    // service defaults to the target's name.
    QCOMPARE(valueOf(e, u"poolscope_target_up"_s, { { u"target"_s, u"web-2"_s }, { u"service"_s, u"web"_s } }), 1.0);
    QVERIFY(!find(e, u"poolscope_target_up"_s, { { u"target"_s, u"cron"_s } })); // never polled: no series
    QCOMPARE(valueOf(e, u"poolscope_suspects"_s, { { u"target"_s, u"cron"_s } }), qQNaN());
    // Verdict: one series per value, 1 for the current one (too little data: unknown).
    QCOMPARE(
        valueOf(e, u"poolscope_verdict"_s, web1 + QList<QPair<QString, QString>> { { u"verdict"_s, u"unknown"_s } }),
        1.0);
    QCOMPARE(
        valueOf(e, u"poolscope_verdict"_s, web1 + QList<QPair<QString, QString>> { { u"verdict"_s, u"growing"_s } }),
        0.0);
    QVERIFY(!find(e, u"poolscope_slope_per_hour"_s, web1)); // absent while unknown
    QVERIFY(!find(e, u"poolscope_exhaustion_eta_seconds"_s, web1));
    QCOMPARE(
        valueOf(e, u"poolscope_threshold_level"_s, web1 + QList<QPair<QString, QString>> { { u"level"_s, u"ok"_s } }),
        1.0);
    QCOMPARE(valueOf(e, u"poolscope_discrepancy_critical_threshold"_s, web1), 25.0);
    // Backends by application_name and state.
    QCOMPARE(valueOf(e, u"poolscope_backends"_s,
                 { { u"database"_s, u"main"_s }, { u"application_name"_s, u"web-1"_s }, { u"state"_s, u"idle"_s } }),
        2.0);
    QCOMPARE(valueOf(e, u"poolscope_backends"_s,
                 { { u"application_name"_s, u"cron"_s }, { u"state"_s, u"idle in transaction"_s } }),
        1.0);
    QCOMPARE(valueOf(e, u"poolscope_database_up"_s, { { u"database"_s, u"main"_s } }), 1.0);
    QCOMPARE(valueOf(e, u"poolscope_database_max_connections"_s, { { u"database"_s, u"main"_s } }), 100.0);
    QCOMPARE(valueOf(e, u"poolscope_database_poll_duration_seconds_count"_s, { { u"database"_s, u"main"_s } }), 1.0);
    QCOMPARE(valueOf(e, u"poolscope_agent_info"_s, { { u"version"_s, QStringLiteral(POOLSCOPE_VERSION) } }), 1.0);
    QCOMPARE(e.families.value(u"poolscope_target_poll_errors_total"_s).type, u"counter"_s);
    QCOMPARE(e.families.value(u"poolscope_target_poll_duration_seconds"_s).type, u"summary"_s);
    QVERIFY(!e.families.value(u"poolscope_checked_out"_s).help.isEmpty());
}

void TestAgentMetrics::openMetrics()
{
    Session session(fleetWorkspace());
    Diagnosis diagnosis(&session);
    AgentMetrics metrics(&session, &diagnosis);
    session.addSample(okSample(u"web-1"_s, kT0, 9, 1));
    const QByteArray text = metrics.exposition(ExpositionWriter::Format::OpenMetrics);
    QVERIFY(text.endsWith("# EOF\n"));
    QVERIFY(text.contains("# TYPE poolscope_target_poll_errors counter\n"));
    QVERIFY(text.contains("# TYPE poolscope_agent info\n"));
    const Exposition e = Exposition::parse(text, Exposition::Format::OpenMetrics);
    QVERIFY2(e.ok(), qPrintable(e.error));
    QCOMPARE(e.familyOf(u"poolscope_target_poll_errors_total"_s), u"poolscope_target_poll_errors"_s);
    QCOMPARE(valueOf(e, u"poolscope_checked_out"_s, { { u"target"_s, u"web-1"_s } }), 9.0);
    QCOMPARE(valueOf(e, u"poolscope_agent_info"_s, {}), 1.0);
    // The 0.0.4 text never ends in # EOF.
    QVERIFY(!metrics.exposition(ExpositionWriter::Format::Prometheus).contains("# EOF"));
}

void TestAgentMetrics::promtoolAcceptsIt()
{
    Session session(fleetWorkspace());
    Diagnosis diagnosis(&session);
    AgentMetrics metrics(&session, &diagnosis);
    session.addSample(okSample(u"web-1"_s, kT0, 9, 1, { RouteStats { u"/a \"quoted\"\\ \n route"_s, 4, 3, 1, 0 } }));
    Sample failed;
    failed.target = u"web-2"_s;
    failed.timestampMs = kT0;
    failed.error = u"connection refused"_s;
    session.addSample(failed);
    ActivitySnapshot snap;
    snap.database = u"main"_s;
    snap.timestampMs = kT0;
    snap.backends = { backend(1, u"web-1"_s, u"idle"_s), backend(2, QString(), QString()) };
    session.addSnapshot(snap);
    diagnosis.recompute();

    QProcess promtool;
    promtool.start(QStringLiteral(PROMTOOL), { u"check"_s, u"metrics"_s });
    QVERIFY(promtool.waitForStarted());
    promtool.write(metrics.exposition(ExpositionWriter::Format::Prometheus));
    promtool.closeWriteChannel();
    QVERIFY(promtool.waitForFinished(60000));
    const QByteArray output = promtool.readAllStandardOutput() + promtool.readAllStandardError();
    QVERIFY2(promtool.exitCode() == 0, output.constData());
    QVERIFY2(output.trimmed().isEmpty(), output.constData()); // no lint complaint either
}

void TestAgentMetrics::failedPollDropsTheNumbers()
{
    Session session(fleetWorkspace());
    Diagnosis diagnosis(&session);
    AgentMetrics metrics(&session, &diagnosis);
    session.addSample(okSample(u"web-1"_s, kT0, 9, 1));
    Sample failed;
    failed.target = u"web-1"_s;
    failed.timestampMs = kT0 + 2000;
    failed.latencyMs = 2000;
    failed.error = u"timeout"_s;
    session.addSample(failed);
    const Exposition e = Exposition::parse(metrics.exposition(ExpositionWriter::Format::Prometheus));
    QVERIFY2(e.ok(), qPrintable(e.error));
    const QList<QPair<QString, QString>> web1 { { u"target"_s, u"web-1"_s } };
    QCOMPARE(valueOf(e, u"poolscope_target_up"_s, web1), 0.0);
    QCOMPARE(valueOf(e, u"poolscope_target_poll_errors_total"_s, web1), 1.0);
    QCOMPARE(valueOf(e, u"poolscope_target_poll_duration_seconds_count"_s, web1), 2.0);
    QCOMPARE(valueOf(e, u"poolscope_target_poll_duration_seconds_sum"_s, web1), 2.25);
    QVERIFY(!find(e, u"poolscope_checked_out"_s, web1));
    QVERIFY(!find(e, u"poolscope_discrepancy"_s, web1));
}

void TestAgentMetrics::routesAreCappedAndEscaped()
{
    Session session(fleetWorkspace());
    Diagnosis diagnosis(&session);
    AgentMetrics metrics(&session, &diagnosis);
    QList<RouteStats> routes;
    for (int i = 0; i < AgentMetrics::kMaxRoutes + 10; ++i)
        routes.append(RouteStats { u"/r%1"_s.arg(i, 3, 10, QChar(u'0')), 10, 9, 1, kAbsent });
    routes.append(RouteStats { u"/z\\\"\n"_s, 1, 1, 0, kAbsent }); // sorts last: into "other"
    routes.prepend(RouteStats { u"/\\\"\n"_s, 7, 7, 0, kAbsent }); // sorts first: kept, escaped
    session.addSample(okSample(u"web-1"_s, kT0, 9, 1, routes));
    const Exposition e = Exposition::parse(metrics.exposition(ExpositionWriter::Format::Prometheus));
    QVERIFY2(e.ok(), qPrintable(e.error));
    QSet<QString> names;
    for (const ExpositionSample& s : e.samples)
        if (s.name == u"poolscope_route_acquired_total"_s)
            names.insert(s.label(u"route"));
    QCOMPARE(names.size(), AgentMetrics::kMaxRoutes + 1);
    QVERIFY(names.contains(u"/\\\"\n"_s));
    QVERIFY(names.contains(u"other"_s));
    // other = the 11 routes past the cap: r049..r059 (10 each) and the escaped one (1).
    QCOMPARE(valueOf(e, u"poolscope_route_acquired_total"_s, { { u"route"_s, u"other"_s } }), 111.0);
    QVERIFY(!find(e, u"poolscope_route_leaks_total"_s, {})); // no route has leaks: no series
}

void TestAgentMetrics::applicationNamesAreCapped()
{
    Session session(fleetWorkspace());
    Diagnosis diagnosis(&session);
    AgentMetrics metrics(&session, &diagnosis);
    ActivitySnapshot snap;
    snap.database = u"main"_s;
    snap.timestampMs = kT0;
    int pid = 1;
    // 30 applications; app-k has k+1 backends, so the 20 most numerous are app-10..app-29.
    for (int k = 0; k < 30; ++k)
        for (int n = 0; n <= k; ++n)
            snap.backends.append(backend(pid++, u"app-%1"_s.arg(k), u"idle"_s));
    session.addSnapshot(snap);
    const Exposition e = Exposition::parse(metrics.exposition(ExpositionWriter::Format::Prometheus));
    QVERIFY2(e.ok(), qPrintable(e.error));
    QSet<QString> apps;
    for (const ExpositionSample& s : e.samples)
        if (s.name == u"poolscope_backends"_s)
            apps.insert(s.label(u"application_name"));
    QCOMPARE(apps.size(), AgentMetrics::kMaxApplications + 1);
    QVERIFY(apps.contains(u"app-10"_s));
    QVERIFY(!apps.contains(u"app-9"_s));
    QCOMPARE(valueOf(e, u"poolscope_backends"_s, { { u"application_name"_s, u"other"_s } }), 55.0); // 1+2+...+10
}

void TestAgentMetrics::neverAPidQueryOrPort()
{
    Session session(fleetWorkspace());
    Diagnosis diagnosis(&session);
    AgentMetrics metrics(&session, &diagnosis);
    session.addSample(okSample(u"web-1"_s, kT0, 9, 1));
    ActivitySnapshot snap;
    snap.database = u"main"_s;
    snap.timestampMs = kT0;
    snap.backends = { backend(4242, u"web-1"_s, u"idle"_s) };
    session.addSnapshot(snap);
    diagnosis.recompute();
    const QByteArray text = metrics.exposition(ExpositionWriter::Format::Prometheus);
    QVERIFY(!text.contains("4242"));
    QVERIFY(!text.contains("SELECT"));
    QVERIFY(!text.contains("10.0.0.7"));
    const Exposition e = Exposition::parse(text);
    static const QSet<QString> allowed { u"target"_s, u"service"_s, u"route"_s, u"verdict"_s, u"level"_s, u"database"_s,
        u"application_name"_s, u"state"_s, u"version"_s };
    for (const ExpositionSample& s : e.samples)
        for (const auto& label : s.labels)
            QVERIFY2(allowed.contains(label.first), qPrintable(s.seriesKey()));
}

void TestAgentMetrics::negotiate_data()
{
    QTest::addColumn<QByteArray>("accept");
    QTest::addColumn<bool>("openMetrics");
    QTest::newRow("none") << QByteArray() << false;
    QTest::newRow("text") << QByteArray("text/plain;version=0.0.4;q=0.5,*/*;q=0.1") << false;
    QTest::newRow("prometheus 2.42") << QByteArray("application/openmetrics-text;version=1.0.0,application/"
                                                   "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
                                                   "q=0.5,*/*;q=0.1")
                                     << true;
    QTest::newRow("refused") << QByteArray("application/openmetrics-text; q=0, text/plain") << false;
    QTest::newRow("case") << QByteArray("Application/OpenMetrics-Text") << true;
}

void TestAgentMetrics::negotiate()
{
    QFETCH(QByteArray, accept);
    QFETCH(bool, openMetrics);
    QCOMPARE(ExpositionWriter::negotiate(accept) == ExpositionWriter::Format::OpenMetrics, openMetrics);
}

void TestAgentMetrics::snapshotAndRouting()
{
    Session session(fleetWorkspace());
    Diagnosis diagnosis(&session);
    Agent agent(&session, &diagnosis);
    session.addSample(okSample(u"web-1"_s, kT0, 9, 1));
    ActivitySnapshot snap;
    snap.database = u"main"_s;
    snap.timestampMs = kT0;
    snap.backends = { backend(4242, u"web-1"_s, u"idle"_s) };
    session.addSnapshot(snap);
    diagnosis.recompute();

    HttpServer::Request request;
    request.method = "GET";
    request.path = "/api/v1/snapshot";
    const HttpServer::Response snapshot = agent.handle(request);
    QCOMPARE(snapshot.status, 200);
    QCOMPARE(snapshot.contentType, QByteArray("application/json"));
    const QJsonObject json = QJsonDocument::fromJson(snapshot.body).object();
    const QJsonArray targets = json.value(u"targets"_s).toArray();
    QCOMPARE(targets.size(), 3);
    QCOMPARE(targets.at(0)[u"name"_s].toString(), u"web-1"_s);
    QCOMPARE(targets.at(0)[u"service"_s].toString(), u"web"_s);
    // Which backends are the target's: a fleet window reconciles the snapshot's backends with these.
    QCOMPARE(targets.at(0)[u"database"_s].toString(), u"main"_s);
    QCOMPARE(targets.at(0)[u"application_name"_s].toString(), u"web-1"_s);
    QCOMPARE(targets.at(0)[u"checked_out"_s].toDouble(), 9.0);
    QCOMPARE(targets.at(0)[u"verdict"_s].toString(), u"unknown"_s);
    QVERIFY(targets.at(0)[u"suspects"_s].isArray());
    QCOMPARE(targets.at(2)[u"service"_s].toString(), u"cron"_s);
    const QJsonArray backends = json[u"databases"_s].toArray().at(0)[u"backends"_s].toArray();
    QCOMPARE(backends.size(), 1);
    QCOMPARE(backends.at(0)[u"pid"_s].toInt(), 4242);

    request.path = "/metrics";
    request.headers.insert("accept", "application/openmetrics-text; version=1.0.0");
    const HttpServer::Response metrics = agent.handle(request);
    QCOMPARE(metrics.status, 200);
    QVERIFY(metrics.contentType.startsWith("application/openmetrics-text; version=1.0.0"));
    QVERIFY(metrics.body.endsWith("# EOF\n"));
    request.headers.clear();
    QVERIFY(agent.handle(request).contentType.startsWith("text/plain; version=0.0.4"));
    request.path = "/nope";
    QCOMPARE(agent.handle(request).status, 404);
}

// The agent keeps --history of each target: rows before the cutoff go, a route keeps its last point before it.
// Each target's holders as its newest poll reported them; with --redact the literals of the frames, the
// queries and the client addresses are gone; capped at the contract's 10,000; the fleet reads them back.
void TestAgentMetrics::snapshotHolders()
{
    Session session(fleetWorkspace());
    Diagnosis diagnosis(&session);
    Sample sample = okSample(u"web-1"_s, kT0, 9, 1);
    sample.holdersReported = true;
    Holder h;
    h.backendPid = 4242;
    h.acquiredAtMs = kT0 - 90'000;
    h.route = u"/api/bets"_s;
    h.stack = { u"app/jobs.py:88:refresh(user='bob', 42)"_s };
    sample.holders = { h };
    session.addSample(sample);
    ActivitySnapshot snap;
    snap.database = u"main"_s;
    snap.timestampMs = kT0;
    snap.backends = { backend(4242, u"web-1"_s, u"idle"_s) };
    session.addSnapshot(snap);
    diagnosis.recompute();

    for (const bool redact : { false, true }) {
        const QJsonObject json = Agent::snapshotJson(session, diagnosis, redact);
        const QJsonObject holders = json[u"targets"_s].toArray().at(0)[u"holders"_s].toObject();
        QCOMPARE(holders[u"reported"_s].toBool(), true);
        QCOMPARE(QDateTime::fromString(holders[u"timestamp"_s].toString(), Qt::ISODateWithMs).toMSecsSinceEpoch(), kT0);
        const QJsonObject holder = holders[u"holders"_s].toArray().at(0).toObject();
        QCOMPARE(holder[u"backend_pid"_s].toInt(), 4242);
        QCOMPARE(holder[u"held_seconds"_s].toDouble(), 90.0);
        QCOMPARE(holder[u"route"_s].toString(), u"/api/bets"_s);
        QCOMPARE(holder[u"stack"_s].toArray().at(0).toString(),
            redact ? u"app/jobs.py:88:refresh(user=?, ?)"_s : u"app/jobs.py:88:refresh(user='bob', 42)"_s);
        const QByteArray body = QJsonDocument(json).toJson(QJsonDocument::Compact);
        QCOMPARE(body.contains("bob"), !redact);
        QCOMPARE(body.contains("SELECT secret FROM t WHERE id = 4242"), !redact);
        QCOMPARE(body.contains("10.0.0.7"), !redact);
        // A target whose app does not report them.
        QCOMPARE(json[u"targets"_s].toArray().at(2)[u"holders"_s][u"reported"_s].toBool(true), false);

        // What the fleet window reads back.
        QString error;
        const HolderReport back = poolscope::snapshotHolders(json, 0, kT0 + 5000, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(back.reported);
        QCOMPARE(back.holders.size(), 1);
        QCOMPARE(back.holders.first(), redact ? redactHolder(h) : h);
    }

    // Bounded: never more than the contract's cap.
    sample.timestampMs = kT0 + 2000;
    sample.holders.clear();
    for (int pid = 1; pid <= HoldersReader::kMaxHolders + 5; ++pid)
        sample.holders.append(Holder { pid, kT0, true, {}, {} });
    session.addSample(sample);
    const QJsonObject json = Agent::snapshotJson(session, diagnosis);
    QCOMPARE(
        json[u"targets"_s].toArray().at(0)[u"holders"_s][u"holders"_s].toArray().size(), HoldersReader::kMaxHolders);
}

void TestAgentMetrics::historyIsTrimmed()
{
    Session session(fleetWorkspace());
    for (int i = 0; i < 10; ++i) {
        Sample s = okSample(u"web-1"_s, kT0 + i * 1000LL, 9 + i, 1,
            { RouteStats { u"/a"_s, 10.0 + i, 10.0 + i, 0, kAbsent }, RouteStats { u"/idle"_s, 5, 5, 0, kAbsent } });
        if (i == 2 || i == 7)
            s.error = u"timeout %1"_s.arg(i);
        session.addSample(s);
    }
    session.dropHistoryBefore(kT0 + 5000);
    const TargetHistory& h = session.target(0).history;
    QCOMPARE(h.size(), std::size_t { 5 });
    QCOMPARE(h.times().front(), kT0 + 5000);
    QCOMPARE(h.column(Metric::CheckedOut).front(), 14.0);
    QCOMPARE(h.error(2), u"timeout 7"_s); // the failed row 7 is row 2 now
    QVERIFY(h.error(0).isEmpty());
    const RouteSeries* a = h.route(u"/a"_s);
    QVERIFY(a);
    QCOMPARE(a->point(0).tMs, kT0 + 4000); // the last point before the cutoff stays
    const RouteSeries* idle = h.route(u"/idle"_s);
    QVERIFY(idle);
    QVERIFY(!idle->empty());
    QCOMPARE(session.target(0).latest.metrics[Metric::CheckedOut], 18.0); // the newest sample is untouched
}

QTEST_GUILESS_MAIN(TestAgentMetrics)
#include "tst_agentmetrics.moc"
