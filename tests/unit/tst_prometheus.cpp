// The fleet layer's pure parts: PromQL and form building, step fitting, parsing Prometheus's answers
// (hostile ones included), the fleet's rows and a service's backfilled history.
#include "cli/ExplainReport.h"
#include "fleet/AgentSnapshotClient.h"
#include "fleet/Fleet.h"
#include "fleet/PromQuery.h"
#include "fleet/PromResponse.h"
#include "fleet/ServiceHistory.h"
#include "fleet/SnapshotFollower.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QUrlQuery>

#include <cmath>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

PromSeries series(QMap<QString, QString> labels, std::vector<qint64> times, std::vector<double> values)
{
    PromSeries s;
    s.labels = std::move(labels);
    s.timesMs = std::move(times);
    s.values = std::move(values);
    return s;
}

QMap<QString, QString> replica(const QString& service, const QString& target, const QString& instance = u"a:9478"_s)
{
    return { { u"service"_s, service }, { u"target"_s, target }, { u"instance"_s, instance } };
}

} // namespace

class TestPrometheus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void buildsSelectors_data()
    {
        QTest::addColumn<QString>("extra");
        QTest::addColumn<QString>("service");
        QTest::addColumn<QString>("expected");
        QTest::addRow("bare") << QString() << QString() << u"poolscope_checked_out"_s;
        QTest::addRow("extra") << u"{env=\"prod\"}"_s << QString() << u"poolscope_checked_out{env=\"prod\"}"_s;
        QTest::addRow("extra and service")
            << u" { env=\"prod\", region=~\"eu.*\" } "_s << u"web"_s
            << u"poolscope_checked_out{env=\"prod\", region=~\"eu.*\", service=\"web\"}"_s;
        QTest::addRow("quotes escaped") << QString() << u"we\"b\\x\n"_s
                                        << u"poolscope_checked_out{service=\"we\\\"b\\\\x\\n\"}"_s;
        QTest::addRow("empty braces") << u"{}"_s << u"web"_s << u"poolscope_checked_out{service=\"web\"}"_s;
    }
    void buildsSelectors()
    {
        QFETCH(QString, extra);
        QFETCH(QString, service);
        QFETCH(QString, expected);
        QList<QPair<QString, QString>> equals;
        if (!service.isNull())
            equals.append({ u"service"_s, service });
        QCOMPARE(promquery::selector(u"poolscope_checked_out"_s, extra, equals), expected);
    }

    // A PromQL `+` or `&` must reach Prometheus as itself, not as a space or a new field.
    void encodesForms()
    {
        const QByteArray form = promquery::range(u"a + b{x=\"1&2\"}"_s, 1'700'000'123'456, 1'700'000'223'000, 15);
        QVERIFY(!form.contains(' '));
        QVERIFY(!form.contains('+'));
        const QUrlQuery query(QString::fromLatin1(form));
        QCOMPARE(query.queryItemValue(u"query"_s, QUrl::FullyDecoded), u"a + b{x=\"1&2\"}"_s);
        QCOMPARE(query.queryItemValue(u"start"_s), u"1700000115"_s); // aligned down to the step
        QCOMPARE(query.queryItemValue(u"end"_s), u"1700000223"_s);
        QCOMPARE(query.queryItemValue(u"step"_s), u"15"_s);
        const QUrlQuery instant(QString::fromLatin1(promquery::instant(u"up == 1"_s, 1'700'000'000'500)));
        QCOMPARE(instant.queryItemValue(u"query"_s, QUrl::FullyDecoded), u"up == 1"_s);
        QCOMPARE(instant.queryItemValue(u"time"_s), u"1700000000.500"_s);
    }

    void fitsSteps_data()
    {
        QTest::addColumn<qint64>("rangeMs");
        QTest::addColumn<int>("pixels");
        QTest::addColumn<qint64>("minStep");
        QTest::addColumn<qint64>("expected");
        const qint64 hour = 3600'000;
        QTest::addRow("24 h on 1000 px") << 24 * hour << 1000 << qint64 { 1 } << qint64 { 120 };
        QTest::addRow("1 h on 1200 px") << hour << 1200 << qint64 { 1 } << qint64 { 5 };
        QTest::addRow("1 min on 1000 px: the scrape interval") << 60'000LL << 1000 << qint64 { 15 } << qint64 { 15 };
        QTest::addRow("7 d on 1000 px") << 168 * hour << 1000 << qint64 { 1 } << qint64 { 900 };
        QTest::addRow("7 d on 100000 px: Prometheus's point limit")
            << 168 * hour << 100'000 << qint64 { 1 } << qint64 { 120 };
        QTest::addRow("a year on 10 px: whole days") << 365 * 24 * hour << 10 << qint64 { 1 } << qint64 { 37 * 86400 };
        QTest::addRow("zero width") << hour << 0 << qint64 { 1 } << qint64 { 3600 };
        QTest::addRow("empty range") << 0LL << 1000 << qint64 { 1 } << qint64 { 1 };
    }
    void fitsSteps()
    {
        QFETCH(qint64, rangeMs);
        QFETCH(int, pixels);
        QFETCH(qint64, minStep);
        QFETCH(qint64, expected);
        const qint64 step = promquery::fitStepSeconds(rangeMs, pixels, minStep);
        QCOMPARE(step, expected);
        QVERIFY(rangeMs / 1000 / step <= promquery::kMaxPoints);
    }

    void parsesAMatrix()
    {
        const QByteArray body = R"({"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"__name__":"poolscope_checked_out","service":"web","target":"web-1"},
             "values":[[1700000000,"3"],[1700000015.5,"NaN"],[1700000030,"+Inf"],[1700000045,"-2.5e1"]]}]},
            "warnings":["careful"]})";
        const PromResponse r = PromResponse::parse(body, PromResponse::Type::Matrix);
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(r.series.size(), std::size_t { 1 });
        const PromSeries& s = r.series.front();
        QCOMPARE(s.label(u"target"_s), u"web-1"_s);
        QCOMPARE(s.timesMs, (std::vector<qint64> { 1700000000000, 1700000015500, 1700000030000, 1700000045000 }));
        QCOMPARE(s.values[0], 3.0);
        QVERIFY(std::isnan(s.values[1]));
        QVERIFY(std::isinf(s.values[2]) && s.values[2] > 0);
        QCOMPARE(s.values[3], -25.0);
        QCOMPARE(r.warnings, u"careful"_s);
    }

    void parsesAVector()
    {
        const QByteArray body = R"({"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"target":"a"},"value":[1700000000.123,"1"]},{"metric":{},"value":[1700000000,"0"]}]}})";
        const PromResponse r = PromResponse::parse(body, PromResponse::Type::Vector);
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(r.series.size(), std::size_t { 2 });
        QCOMPARE(r.series[0].timesMs.front(), 1700000000123);
        QCOMPARE(r.series[1].values.front(), 0.0);
    }

    void rejectsHostileAnswers_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("expected");
        const int matrix = static_cast<int>(PromResponse::Type::Matrix);
        const int vector = static_cast<int>(PromResponse::Type::Vector);
        auto m = [](const char* result) -> QByteArray {
            return QByteArray(R"({"status":"success","data":{"resultType":"matrix","result":)") + result + "}}";
        };
        QTest::addRow("not json") << QByteArray("<html>") << matrix << u"not JSON"_s;
        QTest::addRow("empty") << QByteArray() << matrix << u"not JSON"_s;
        QTest::addRow("array") << QByteArray("[]") << matrix << u"must be a JSON object"_s;
        QTest::addRow("prometheus error")
            << QByteArray(R"({"status":"error","errorType":"bad_data","error":"parse error at char 3"})") << matrix
            << u"Prometheus: bad_data: parse error at char 3"_s;
        QTest::addRow("no status") << QByteArray(R"({"data":{}})") << matrix << u"status: must be"_s;
        QTest::addRow("data not object") << QByteArray(R"({"status":"success","data":[]})") << matrix
                                         << u"data: must be an object"_s;
        QTest::addRow("wrong type") << m("[]") << vector << u"data.resultType: \"matrix\", expected \"vector\""_s;
        QTest::addRow("result not array") << m("{}") << matrix << u"data.result: must be an array"_s;
        QTest::addRow("item not object") << m("[1]") << matrix << u"data.result[0]: must be an object"_s;
        QTest::addRow("metric missing") << m(R"([{"values":[]}])") << matrix
                                        << u"data.result[0].metric: must be an object of labels"_s;
        QTest::addRow("label not string")
            << m(R"([{"metric":{"a":1},"values":[]}])") << matrix << u"data.result[0].metric.a: must be a string"_s;
        QTest::addRow("values missing") << m(R"([{"metric":{}}])") << matrix
                                        << u"data.result[0].values: must be an array"_s;
        QTest::addRow("point not pair") << m(R"([{"metric":{},"values":[[1]]}])") << matrix
                                        << u"data.result[0].values[0]: must be a [time, \"value\"] pair"_s;
        QTest::addRow("time string") << m(R"([{"metric":{},"values":[["1","2"]]}])") << matrix
                                     << u"data.result[0].values[0][0]: must be a time"_s;
        QTest::addRow("time negative") << m(R"([{"metric":{},"values":[[-5,"2"]]}])") << matrix
                                       << u"data.result[0].values[0][0]: must be a time"_s;
        QTest::addRow("time huge") << m(R"([{"metric":{},"values":[[1e300,"2"]]}])") << matrix
                                   << u"data.result[0].values[0][0]: must be a time"_s;
        QTest::addRow("value number") << m(R"([{"metric":{},"values":[[1,2]]}])") << matrix
                                      << u"data.result[0].values[0][1]: must be a string"_s;
        QTest::addRow("value text") << m(R"([{"metric":{},"values":[[1,"lots"]]}])") << matrix
                                    << u"data.result[0].values[0][1]: \"lots\" is not a number"_s;
        QTest::addRow("value overflow") << m(R"([{"metric":{},"values":[[1,"1e999"]]}])") << matrix
                                        << u"is not a number"_s;
        QTest::addRow("times backwards") << m(R"([{"metric":{},"values":[[2,"1"],[1,"1"]]}])") << matrix
                                         << u"data.result[0].values[1][0]: times must increase"_s;
        QTest::addRow("vector value missing")
            << QByteArray(R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}})") << vector
            << u"data.result[0].value: must be a [time, \"value\"] pair"_s;
        QByteArray deep(5000, '[');
        QTest::addRow("deeply nested") << deep << matrix << u"not JSON"_s;
    }
    void rejectsHostileAnswers()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, type);
        QFETCH(QString, expected);
        const PromResponse r = PromResponse::parse(body, static_cast<PromResponse::Type>(type));
        QVERIFY(!r.ok());
        QVERIFY(r.series.empty() || !r.ok());
        QVERIFY2(r.error.contains(expected), qPrintable(u"expected «%1» in «%2»"_s.arg(expected, r.error)));
    }

    void capsSeriesAndPoints()
    {
        const QByteArray body = R"({"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"a":"1"},"values":[[1,"1"],[2,"1"],[3,"1"]]},{"metric":{"a":"2"},"values":[[1,"1"]]}]}})";
        QVERIFY(PromResponse::parse(body, PromResponse::Type::Matrix, 2, 4).ok());
        QVERIFY(PromResponse::parse(body, PromResponse::Type::Matrix, 1, 4).error.contains(u"narrow the selector"_s));
        QVERIFY(PromResponse::parse(body, PromResponse::Type::Matrix, 2, 3).error.contains(u"more than 3 points"_s));
    }

    // Rows: summed over the replicas that are up, the worst replica's verdict, worst service first.
    void buildsTheFleet()
    {
        FleetInput in;
        const qint64 t = 1'700'000'000'000;
        in.up = { series(replica(u"web"_s, u"web-1"_s), { t }, { 1 }),
            series(replica(u"web"_s, u"web-2"_s), { t }, { 1 }), series(replica(u"web"_s, u"web-3"_s), { t }, { 0 }),
            series(replica(u"odds"_s, u"odds"_s), { t }, { 1 }),
            series(replica(u"settle"_s, u"settle"_s, u"a:1"_s), { t }, { 1 }),
            series(replica(u"settle"_s, u"settle"_s, u"b:1"_s), { t }, { 1 }) };
        in.checkedOut = { series(replica(u"web"_s, u"web-1"_s), { t }, { 5 }),
            series(replica(u"web"_s, u"web-2"_s), { t }, { 7 }), series(replica(u"odds"_s, u"odds"_s), { t }, { 30 }) };
        in.tracked = { series(replica(u"web"_s, u"web-1"_s), { t }, { 4 }),
            series(replica(u"web"_s, u"web-2"_s), { t }, { 7 }), series(replica(u"odds"_s, u"odds"_s), { t }, { 2 }) };
        in.discrepancy = { series(replica(u"web"_s, u"web-1"_s), { t }, { 1 }),
            series(replica(u"web"_s, u"web-2"_s), { t }, { 0 }), series(replica(u"odds"_s, u"odds"_s), { t }, { 28 }),
            series(replica(u"settle"_s, u"settle"_s, u"a:1"_s), { t }, { 3 }) };
        auto verdict = [](QMap<QString, QString> labels, const QString& v) {
            labels.insert(u"verdict"_s, v);
            return labels;
        };
        in.verdict = { series(verdict(replica(u"web"_s, u"web-1"_s), u"stable"_s), { t }, { 1 }),
            series(verdict(replica(u"web"_s, u"web-2"_s), u"growing"_s), { t }, { 1 }),
            series(verdict(replica(u"odds"_s, u"odds"_s), u"stable"_s), { t }, { 1 }),
            series(verdict(replica(u"settle"_s, u"settle"_s, u"a:1"_s), u"none"_s), { t }, { 1 }) };
        in.sparkFromMs = t - 4000;
        in.sparkStepMs = 1000;
        in.sparkPoints = 5;
        in.sparkline = { series({ { u"service"_s, u"web"_s } }, { t - 4000, t - 2000, t }, { 1, 2, 1 }) };

        const QList<FleetRow> rows = buildFleet(in);
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows[0].service, u"web"_s); // growing first
        QCOMPARE(rows[0].verdict, u"growing"_s);
        QCOMPARE(rows[0].replicas.size(), 3);
        QCOMPARE(rows[0].replicasUp, 2);
        QCOMPARE(rows[0].checkedOut, 12.0);
        QCOMPARE(rows[0].tracked, 11.0);
        QCOMPARE(rows[0].discrepancy, 1.0);
        QCOMPARE(rows[0].sparkline.size(), std::size_t { 5 });
        QCOMPARE(rows[0].sparkline[0], 1.0);
        QVERIFY(std::isnan(rows[0].sparkline[1]));
        QCOMPARE(rows[0].sparkline[4], 1.0);
        QCOMPARE(rows[1].service, u"odds"_s); // stable, then none
        QCOMPARE(rows[1].discrepancy, 28.0);
        QCOMPARE(rows[2].service, u"settle"_s);
        QCOMPARE(rows[2].verdict, u"none"_s);
        QCOMPARE(rows[2].replicas.size(), 2);
        QCOMPARE(rows[2].replicas[0].name, u"settle@a:1"_s); // one target name on two agents
        QCOMPARE(rows[2].replicas[1].name, u"settle@b:1"_s);
        QVERIFY(std::isnan(rows[2].checkedOut));
    }

    // An agent's body: a snapshot when it is a JSON object with `targets`, otherwise "not a PoolScope snapshot".
    void parsesASnapshot()
    {
        const QString url = u"http://a:1/api/v1/snapshot"_s;
        AgentSnapshot s = parseSnapshot(url, R"({"generated_at": "2026-11-30T03:01:00.000Z", "targets": []})");
        QVERIFY(s.available);
        QVERIFY(s.reason.isEmpty());
        QCOMPARE(s.url, url);
        QVERIFY(s.body.value(u"targets"_s).isArray());
        QCOMPARE(s.parsedOn, QThread::currentThread());
        for (const QByteArray& bad :
            { QByteArray("{\"targets\": {}}"), QByteArray("[]"), QByteArray("{\"tar"), QByteArray() }) {
            s = parseSnapshot(url, bad);
            QVERIFY(!s.available);
            QCOMPARE(s.reason, u"not a PoolScope snapshot"_s);
            QVERIFY(s.body.isEmpty());
        }
    }

    void snapshotEvents()
    {
        AgentSnapshot s;
        s.url = u"http://10.0.0.1:9478/api/v1/snapshot"_s;
        s.available = true;
        s.body = QJsonDocument::fromJson(R"({"targets":[{"name":"web-1","suspects":[{"pid":1},{"pid":2}]},
            {"name":"web-2"}]})")
                     .object();
        Event e = snapshotEvent(u"web-1"_s, s, 5);
        QCOMPARE(e.severity, Event::Severity::Info);
        QCOMPARE(e.source, u"web-1"_s);
        QVERIFY2(e.message.contains(u"reports 2 suspect(s)"_s), qPrintable(e.message));
        e = snapshotEvent(u"web-2"_s, s, 5);
        QVERIFY2(e.message.contains(u"without suspects"_s), qPrintable(e.message));
        e = snapshotEvent(u"web-3"_s, s, 5);
        QCOMPARE(e.severity, Event::Severity::Warning);
        QVERIFY(e.message.contains(u"does not list this target"_s));
        s.available = false;
        s.reason = u"Connection refused"_s;
        e = snapshotEvent(u"web-1"_s, s, 5);
        QCOMPARE(e.kind, u"snapshot-unavailable"_s);
        QVERIFY(e.message.startsWith(u"backends and suspects: unavailable (the agent's snapshot "
                                     u"http://10.0.0.1:9478/api/v1/snapshot: Connection refused)"_s));
    }

    // A target's holders in the agent's snapshot: read by HoldersReader, their timestamp moved onto this clock
    // by their age at the agent; absent or not reported is no error; anything malformed names its JSON Pointer.
    void snapshotHolders_data()
    {
        QTest::addColumn<QByteArray>("holders"); // the second target's `holders` member, or nothing
        QTest::addColumn<bool>("reported");
        QTest::addColumn<int>("count");
        QTest::addColumn<QString>("error");
        const QByteArray two = R"json({"reported": true, "timestamp": "2026-11-30T03:00:57.000Z", "holders": [
            {"backend_pid": 4242, "acquired_at": "2026-11-30T02:58:00.500Z", "held_seconds": 176.5, "tracked": false,
             "route": "/api/bets", "location": "app/jobs.py:88 in refresh_odds()",
             "stack": ["app/jobs.py:88:refresh_odds", "app/main.py:12:run"]},
            {"backend_pid": 4343, "acquired_at": null, "held_seconds": null, "tracked": true, "route": null,
             "location": null, "stack": []}]})json";
        QTest::addRow("two holders") << two << true << 2 << QString();
        QTest::addRow("an agent without holders") << QByteArray() << false << 0 << QString();
        QTest::addRow("null") << QByteArray("null") << false << 0 << QString();
        QTest::addRow("not reported") << QByteArray(R"({"reported": false, "timestamp": null, "holders": []})") << false
                                      << 0 << QString();
        QTest::addRow("none held") << QByteArray(
            R"({"reported": true, "timestamp": "2026-11-30T03:01:00Z", "holders": []})")
                                   << true << 0 << QString();
        QTest::addRow("an array") << QByteArray("[]") << false << 0
                                  << u"holders at /targets/1/holders: expected an object"_s;
        QTest::addRow("reported a string")
            << QByteArray(R"({"reported": "yes", "holders": []})") << false << 0
            << u"holders at /targets/1/holders/reported: expected a boolean, got a string"_s;
        QTest::addRow("no timestamp")
            << QByteArray(R"({"reported": true, "holders": []})") << false << 0
            << u"holders at /targets/1/holders/timestamp: expected an RFC 3339 time, got nothing"_s;
        QTest::addRow("bad timestamp")
            << QByteArray(R"({"reported": true, "timestamp": "yesterday", "holders": []})") << false << 0
            << u"holders at /targets/1/holders/timestamp: expected an RFC 3339 time, got a string (\"yesterday\")"_s;
        QTest::addRow("holders not an array")
            << QByteArray(R"({"reported": true, "timestamp": "2026-11-30T03:01:00Z", "holders": {}})") << false << 0
            << u"holders at /targets/1/holders/holders: expected an array of holders, got an object"_s;
        QTest::addRow("a holder without pid")
            << QByteArray(R"({"reported": true, "timestamp": "2026-11-30T03:01:00Z", "holders": [
                   {"backend_pid": 7, "tracked": true}, {"tracked": false}]})")
            << false << 0 << u"holders at /targets/1/holders/holders/1: backend_pid is missing"_s;
        QTest::addRow("two bad holders")
            << QByteArray(R"({"reported": true, "timestamp": "2026-11-30T03:01:00Z", "holders": [
                   {"backend_pid": -1, "tracked": true}, {"backend_pid": 8, "tracked": "no"}]})")
            << false << 0 << u"holders at /targets/1/holders/holders/0/backend_pid: expected a process id"_s;
    }

    void snapshotHolders()
    {
        QFETCH(QByteArray, holders);
        QFETCH(bool, reported);
        QFETCH(int, count);
        QFETCH(QString, error);
        QJsonObject second { { u"name"_s, u"web-2"_s } };
        if (!holders.isEmpty()) {
            const QJsonDocument doc = QJsonDocument::fromJson("[" + holders + "]");
            QVERIFY(doc.isArray());
            second.insert(u"holders"_s, doc.array().at(0));
        }
        const QJsonObject body { { u"generated_at"_s, u"2026-11-30T03:01:00.000Z"_s },
            { u"targets"_s, QJsonArray { QJsonObject { { u"name"_s, u"web-1"_s } }, second } } };
        const qint64 now = 1'900'000'000'000;
        QString why = u"stale"_s;
        const HolderReport report = poolscope::snapshotHolders(body, 1, now, &why);
        QVERIFY2(error.isEmpty() ? why.isEmpty() : why.startsWith(error), qPrintable(why));
        QCOMPARE(report.reported, reported);
        QCOMPARE(report.holders.size(), count);
        if (QByteArray(QTest::currentDataTag()) == "two holders") {
            QCOMPARE(report.timestampMs, now - 3000); // 3 s old at the agent
            const Holder& h = report.holders.at(0);
            QCOMPARE(h.backendPid, 4242);
            QVERIFY(!h.tracked);
            QCOMPARE(h.acquiredAtMs,
                QDateTime::fromString(u"2026-11-30T02:58:00.500Z"_s, Qt::ISODateWithMs).toMSecsSinceEpoch());
            QCOMPARE(h.route, u"/api/bets"_s);
            QCOMPARE(h.stack, (QStringList { u"app/jobs.py:88:refresh_odds"_s, u"app/main.py:12:run"_s }));
            QCOMPARE(report.holders.at(1).backendPid, 4343);
            QVERIFY(report.holders.at(1).tracked);
            QVERIFY(!report.holders.at(1).hasAcquiredAt());
        }
        if (QByteArray(QTest::currentDataTag()) == "two bad holders")
            QVERIFY2(why.endsWith(u"(and 1 more)"_s), qPrintable(why));
    }

    // What the agent writes (explain's holderJson) is what the window reads back, redacted or not.
    void holdersRoundTrip()
    {
        Holder h;
        h.backendPid = 31337;
        h.acquiredAtMs = 1'800'000'000'123;
        h.route = u"/api/users/<id>"_s;
        h.stack = { u"app/users.py:41:load(user='bob', 42)"_s };
        for (const bool redact : { false, true }) {
            const QJsonObject holders { { u"reported"_s, true }, { u"timestamp"_s, u"2026-11-30T03:01:00.000Z"_s },
                { u"holders"_s, QJsonArray { holderJson(h, 12.5, redact) } } };
            const QJsonObject body { { u"generated_at"_s, u"2026-11-30T03:01:00.000Z"_s },
                { u"targets"_s, QJsonArray { QJsonObject { { u"name"_s, u"web"_s }, { u"holders"_s, holders } } } } };
            QString error;
            const HolderReport report = poolscope::snapshotHolders(body, 0, 5000, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(report.timestampMs, 5000);
            QCOMPARE(report.holders.size(), 1);
            Holder expected = h;
            if (redact)
                expected.stack = { u"app/users.py:41:load(user=?, ?)"_s };
            QCOMPARE(report.holders.first(), expected);
        }
    }

    // replicaSnapshot finds the replica by name@instance and gives its holders with its backends, not without.
    void replicaSnapshotCarriesHolders()
    {
        const QJsonObject holders { { u"reported"_s, true }, { u"timestamp"_s, u"2026-11-30T03:00:58.000Z"_s },
            { u"holders"_s, QJsonArray { QJsonObject { { u"backend_pid"_s, 9 }, { u"tracked"_s, false } } } } };
        QJsonObject database { { u"name"_s, u"app"_s }, { u"ok"_s, true },
            { u"backends"_s, QJsonArray { QJsonObject { { u"pid"_s, 9 }, { u"state"_s, u"idle"_s } } } } };
        AgentSnapshot s;
        s.url = u"http://a:1/api/v1/snapshot"_s;
        s.available = true;
        auto body = [&] {
            return QJsonObject { { u"generated_at"_s, u"2026-11-30T03:01:00.000Z"_s },
                { u"targets"_s,
                    QJsonArray { QJsonObject { { u"name"_s, u"other"_s } },
                        QJsonObject {
                            { u"name"_s, u"web"_s }, { u"database"_s, u"app"_s }, { u"holders"_s, holders } } } },
                { u"databases"_s, QJsonArray { database } } };
        };
        s.body = body();
        ReplicaSnapshot r = replicaSnapshot(s, u"web@a:1"_s, u"web@a:1 (agent)"_s, 10'000);
        QVERIFY(r.activity.ok());
        QVERIFY(r.holders.reported);
        QCOMPARE(r.holders.timestampMs, 8'000);
        QCOMPARE(r.holders.holders.size(), 1);
        QVERIFY(r.holdersError.isEmpty());
        QCOMPARE(snapshotEvent(u"web@a:1"_s, s, 1).kind, u"snapshot"_s);

        database.insert(u"ok"_s, false);
        database.insert(u"error"_s, u"connection refused"_s);
        s.body = body();
        r = replicaSnapshot(s, u"web@a:1"_s, u"web@a:1 (agent)"_s, 10'000);
        QVERIFY(r.activity.error.startsWith(u"unavailable: "_s));
        QVERIFY(!r.holders.reported);
    }

    // The follower feeds a fleet window's session: each answer's holders and backends, "unavailable: ..." when
    // the agent stops answering (holders gone with it), and back when it answers again.
    void followerFeedsTheSession()
    {
        Workspace w;
        TargetConfig replica;
        replica.name = u"web@10.0.0.1:9478"_s;
        replica.url = u"http://10.0.0.1:9478/api/v1/snapshot"_s;
        replica.database = u"web@10.0.0.1:9478 (agent)"_s;
        w.targets = { replica };
        DatabaseConfig db;
        db.name = replica.database;
        w.databases = { db };
        Session session(w);
        SnapshotFollower follower(nullptr, &session);
        QSignalSpy applied(&follower, &SnapshotFollower::applied);

        const QDateTime generated = QDateTime::currentDateTimeUtc();
        const QJsonObject holders { { u"reported"_s, true },
            { u"timestamp"_s, generated.addSecs(-2).toString(Qt::ISODateWithMs) },
            { u"holders"_s,
                QJsonArray { QJsonObject { { u"backend_pid"_s, 77 }, { u"tracked"_s, false },
                    { u"stack"_s, QJsonArray { u"app/jobs.py:88:refresh_odds"_s } } } } } };
        const QJsonObject target { { u"name"_s, u"web"_s }, { u"database"_s, u"demo"_s },
            { u"application_name"_s, u"web"_s }, { u"holders"_s, holders } };
        const QJsonObject database { { u"name"_s, u"demo"_s }, { u"ok"_s, true },
            { u"backends"_s,
                QJsonArray { QJsonObject {
                    { u"pid"_s, 77 }, { u"application_name"_s, u"web"_s }, { u"state"_s, u"idle"_s } } } } };
        auto read = [&replica](const AgentSnapshot& snapshot) {
            return readReplica(snapshot, replica.name, replica.database, QDateTime::currentMSecsSinceEpoch());
        };
        AgentSnapshot answer;
        answer.url = replica.url;
        answer.available = true;
        answer.body = QJsonObject { { u"generated_at"_s, generated.toString(Qt::ISODateWithMs) },
            { u"targets"_s, QJsonArray { target } }, { u"databases"_s, QJsonArray { database } } };
        follower.apply(0, read(answer));
        QCOMPARE(applied.size(), 1);
        QCOMPARE(session.target(0).config.applicationName, u"web"_s);
        const HolderReport report = session.holdersAt(0, ViewState::kLive);
        QVERIFY(report.reported);
        QCOMPARE(report.holders.size(), 1);
        QCOMPARE(report.holders.first().stack, QStringList { u"app/jobs.py:88:refresh_odds"_s });
        QVERIFY(session.database(0).latest.ok());
        QCOMPARE(session.database(0).latest.backends.size(), 1);
        QCOMPARE(session.events().size(), 1);
        QCOMPARE(session.events().last().kind, u"snapshot"_s);

        follower.apply(0, read(answer)); // the same again: no new event
        QCOMPARE(session.events().size(), 1);

        AgentSnapshot silent;
        silent.url = replica.url;
        silent.reason = u"no answer within 5 s"_s;
        follower.apply(0, read(silent));
        QCOMPARE(session.database(0).latest.error,
            u"unavailable: the agent's snapshot http://10.0.0.1:9478/api/v1/snapshot: no answer within 5 s"_s);
        QVERIFY(!session.holdersAt(0, ViewState::kLive).reported);
        QCOMPARE(session.events().size(), 2);
        QCOMPARE(session.events().last().kind, u"snapshot-unavailable"_s);

        follower.apply(0, read(answer));
        QVERIFY(session.database(0).latest.ok());
        QVERIFY(session.holdersAt(0, ViewState::kLive).reported);
        QCOMPARE(session.events().size(), 3);
        QCOMPARE(applied.size(), 4);
    }

    // The backfilled history: per replica the points Prometheus has, a failed row where the agent could not
    // poll, a gap where Prometheus has nothing, and the sum of the replicas that are up.
    void buildsAServiceHistory()
    {
        const qint64 t = 1'700'000'000'000;
        const qint64 s = 15'000;
        ServiceRangeInput in;
        in.stepMs = s;
        in.up = { series(replica(u"web"_s, u"web-1"_s), { t, t + s, t + 2 * s, t + 5 * s }, { 1, 1, 0, 1 }),
            series(replica(u"web"_s, u"web-2"_s), { t, t + s }, { 1, 1 }) };
        in.checkedOut = { series(replica(u"web"_s, u"web-1"_s), { t, t + s, t + 5 * s }, { 5, 6, 9 }),
            series(replica(u"web"_s, u"web-2"_s), { t, t + s }, { 2, 3 }) };
        in.tracked = { series(replica(u"web"_s, u"web-1"_s), { t, t + s, t + 5 * s }, { 4, 4, 4 }),
            series(replica(u"web"_s, u"web-2"_s), { t, t + s }, { 2, 2 }) };
        in.poolMax = { series(replica(u"web"_s, u"web-1"_s), { t }, { 20 }) };
        Workspace fleet;
        fleet.prometheus.url = u"http://127.0.0.1:9090"_s;
        const ServiceHistory h = buildServiceHistory(u"web"_s, in, fleet);
        QCOMPARE(h.workspace.targets.size(), 3);
        QCOMPARE(h.workspace.targets[0].name, summedTargetName(u"web"_s));
        QCOMPARE(h.workspace.targets[1].name, u"web-1"_s);
        QCOMPARE(h.workspace.targets[2].name, u"web-2"_s);
        QCOMPARE(h.content.targets.size(), std::size_t { 3 });

        const TargetHistory& one = h.content.targets[1].history;
        // t, t+s, t+2s (down), a gap marker at t+3s, t+5s.
        QCOMPARE(one.size(), std::size_t { 5 });
        QCOMPARE(one.times()[3], t + 3 * s);
        QVERIFY(one.ok(0) && one.ok(1) && !one.ok(2) && !one.ok(3) && one.ok(4));
        QCOMPARE(one.error(3), u"no data in Prometheus"_s);
        QCOMPARE(one.column(Metric::CheckedOut)[4], 9.0);
        QCOMPARE(one.column(Metric::Discrepancy)[1], 2.0); // derived: 6 − 4
        QCOMPARE(one.column(Metric::PoolMax)[0], 20.0);

        const TargetHistory& sum = h.content.targets[0].history;
        QCOMPARE(sum.times()[0], t);
        QCOMPARE(sum.column(Metric::CheckedOut)[0], 7.0);
        QCOMPARE(sum.column(Metric::CheckedOut)[1], 9.0);
        QCOMPARE(sum.column(Metric::Discrepancy)[1], 3.0);
        QVERIFY(!sum.ok(2)); // only web-1 reported at t+2s, and it was down
        QCOMPARE(h.content.firstMs, t);
        QCOMPARE(h.content.lastMs, t + 5 * s);
        QCOMPARE(h.stepMs, s);

        // Following: only what is newer than what the session holds, for the targets it has.
        const QHash<QString, qint64> last { { u"web-1"_s, t + s }, { summedTargetName(u"web"_s), t + 5 * s } };
        const QList<Sample> more = samplesAfter(h, last);
        QCOMPARE(more.size(), 3);
        QCOMPARE(more[0].timestampMs, t + 2 * s);
        QVERIFY(!more[0].ok());
        QCOMPARE(more[1].error, u"no data in Prometheus"_s);
        QCOMPARE(more[2].target, u"web-1"_s);
        QCOMPARE(more[2].metrics[Metric::CheckedOut], 9.0);
        QCOMPARE(more[2].metrics[Metric::Tracked], 4.0);

        // A replica the session does not have (it began reporting after the window opened) is named, from its
        // first successful point; one with no successful point is not.
        QList<NewReplica> added = newReplicas(h, last);
        QCOMPARE(added.size(), 1);
        QCOMPARE(added[0].name, u"web-2"_s);
        QCOMPARE(added[0].firstMs, t);
        const Event said = newReplicaEvent(u"web"_s, added[0]);
        QCOMPARE(said.source, u"web-2"_s);
        QCOMPARE(said.timestampMs, t);
        QVERIFY2(said.message.startsWith(u"replica web-2 of web reports to Prometheus since "_s)
                && said.message.contains(summedTargetName(u"web"_s)),
            qPrintable(said.message));
        QVERIFY(newReplicas(h, { { u"web-1"_s, 0 }, { u"web-2"_s, 0 }, { summedTargetName(u"web"_s), 0 } }).isEmpty());
        ServiceRangeInput down;
        down.stepMs = s;
        down.up = { series(replica(u"web"_s, u"web-3"_s), { t, t + s }, { 0, 0 }) };
        down.checkedOut = { series(replica(u"web"_s, u"web-3"_s), { t, t + s }, { 1, 1 }) };
        QVERIFY(newReplicas(buildServiceHistory(u"web"_s, down, fleet), last).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestPrometheus)
#include "tst_prometheus.moc"
