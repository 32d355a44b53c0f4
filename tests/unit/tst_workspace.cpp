#include "workspace/WorkspaceFile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <string>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {
// JSON written with single quotes, to keep the test tables readable without escapes.
QByteArray json(const char* singleQuoted)
{
    return QByteArray(singleQuoted).replace('\'', '"');
}
} // namespace

class TestWorkspace : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void loadsAFullWorkspace()
    {
        const QByteArray text = json(
            "{\n"
            "          'version': 1,\n"
            "          'targets': [\n"
            "            {'name': 'web', 'url': 'http://127.0.0.1:8000/health/detailed', 'interval': 1.5, 'timeout': "
            "2,\n"
            "             'headers': {'Authorization': 'Bearer ${env:TOKEN}'}, 'application_name': 'web-app', "
            "'database': 'main',\n"
            "             'fields': {'checked_out': '/pool/checked_out'}},\n"
            "            {'name': 'worker_odds', 'url': 'https://odds.internal/health', 'profile': 'psycopg_pool'}\n"
            "          ],\n"
            "          'databases': [{'name': 'main', 'conninfo': 'service=prod', 'interval': 5}],\n"
            "          'thresholds': {'discrepancy_warning': 10, 'discrepancy_critical': 30}\n"
            "        }");
        const auto result = parseWorkspace(text, u"ws.json"_s);
        QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
        const Workspace& ws = *result.workspace;
        QCOMPARE(ws.targets.size(), 2);
        QCOMPARE(ws.targets[0].intervalMs, 1500);
        QCOMPARE(ws.targets[0].timeoutMs, 2000);
        QCOMPARE(ws.targets[0].headers.value(u"Authorization"_s), u"Bearer ${env:TOKEN}"_s);
        QCOMPARE(ws.targets[0].applicationName, u"web-app"_s);
        QCOMPARE(ws.targets[0].fields.value(u"checked_out"_s), u"/pool/checked_out"_s);
        QCOMPARE(ws.targets[1].profile, u"psycopg_pool"_s);
        // Defaults: the application_name is the target's name, the only database is its database.
        QCOMPARE(ws.targets[1].applicationName, u"worker_odds"_s);
        QCOMPARE(ws.targets[1].database, u"main"_s);
        QCOMPARE(ws.targets[1].intervalMs, 2000);
        QCOMPARE(ws.databases[0].intervalMs, 5000);
        QCOMPARE(ws.thresholds.discrepancyWarning, 10.0);
        QCOMPARE(ws.thresholds.discrepancyCritical, 30.0);
    }

    void roundTripsThroughJson()
    {
        const QByteArray text = json(
            "{'version': 1,\n"
            "          'targets': [{'name': 'web', 'url': 'http://localhost:1/h', 'headers': {'X-Token': '${env:T}'},\n"
            "                       'fields': {'tracked': '/t'}, 'pool': 'main', 'service': 'web-svc',\n"
            "                       'holders_url': 'http://localhost:1/holders'}],\n"
            "          'databases': [{'name': 'db', 'conninfo': 'host=localhost dbname=app'}]}");
        const auto first = parseWorkspace(text, {});
        QVERIFY2(first.ok(), qPrintable(first.errors.join(u'\n')));
        QCOMPARE(first.workspace->targets[0].service, u"web-svc"_s);
        QCOMPARE(first.workspace->targets[0].holdersUrl, u"http://localhost:1/holders"_s);
        const auto second = parseWorkspace(workspaceToJson(*first.workspace), {});
        QVERIFY2(second.ok(), qPrintable(second.errors.join(u'\n')));
        QCOMPARE(*second.workspace, *first.workspace);
    }

    // A target's optional holders_url: http(s) like url, never with user:password@; errors name the place.
    void validatesHoldersUrl_data()
    {
        QTest::addColumn<QString>("holdersUrl");
        QTest::addColumn<QString>("expected"); // empty: valid
        QTest::addRow("http") << u"http://127.0.0.1:8000/debug/holders"_s << QString();
        QTest::addRow("https with query") << u"https://app.internal/holders?pool=main"_s << QString();
        QTest::addRow("bad scheme") << u"ftp://app/holders"_s
                                    << u"ws.json: targets[0].holders_url: \"ftp://app/holders\" is not an http:// or "
                                       "https:// URL"_s;
        QTest::addRow("no host")
            << u"/debug/holders"_s
            << u"ws.json: targets[0].holders_url: \"/debug/holders\" is not an http:// or https:// "
               "URL"_s;
        QTest::addRow("credentials") << u"http://probe:s3cret@app/holders"_s
                                     << u"ws.json: targets[0].holders_url: must not hold user:password@; send "
                                        "credentials in headers with ${env:NAME}"_s;
        QTest::addRow("user only") << u"http://probe@app/holders"_s
                                   << u"ws.json: targets[0].holders_url: must not hold user:password@; send "
                                      "credentials in headers with ${env:NAME}"_s;
    }

    void validatesHoldersUrl()
    {
        QFETCH(QString, holdersUrl);
        QFETCH(QString, expected);
        const QJsonObject target { { u"name"_s, u"web"_s }, { u"url"_s, u"http://127.0.0.1:8000/health"_s },
            { u"holders_url"_s, holdersUrl } };
        const QJsonObject root { { u"version"_s, 1 }, { u"targets"_s, QJsonArray { target } } };
        const auto result = parseWorkspace(QJsonDocument(root).toJson(), u"ws.json"_s);
        if (expected.isEmpty()) {
            QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
            QCOMPARE(result.workspace->targets[0].holdersUrl, holdersUrl);
            return;
        }
        QVERIFY(!result.ok());
        QCOMPARE(result.errors, QStringList { expected });
        QVERIFY2(!result.errors.join(u'\n').contains(u"s3cret"_s), "the error must not repeat the password");
    }

    // Guarded actions are off unless the workspace turns them on, and survive the round trip.
    void readsActions_data()
    {
        QTest::addColumn<QByteArray>("actions");
        QTest::addColumn<bool>("cancel");
        QTest::addColumn<bool>("terminate");
        QTest::addRow("absent") << QByteArray() << false << false;
        QTest::addRow("empty") << json("'actions': {}") << false << false;
        QTest::addRow("cancel only") << json("'actions': {'cancel': true}") << true << false;
        QTest::addRow("both") << json("'actions': {'cancel': true, 'terminate': true}") << true << true;
        QTest::addRow("terminate off") << json("'actions': {'cancel': true, 'terminate': false}") << true << false;
    }

    void readsActions()
    {
        QFETCH(QByteArray, actions);
        QFETCH(bool, cancel);
        QFETCH(bool, terminate);
        QByteArray text = json("{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'dbname=app'}]");
        if (!actions.isEmpty())
            text += ", " + actions;
        text += "}";
        const auto first = parseWorkspace(text, {});
        QVERIFY2(first.ok(), qPrintable(first.errors.join(u'\n')));
        QCOMPARE(first.workspace->actions.cancel, cancel);
        QCOMPARE(first.workspace->actions.terminate, terminate);
        const auto second = parseWorkspace(workspaceToJson(*first.workspace), {});
        QVERIFY2(second.ok(), qPrintable(second.errors.join(u'\n')));
        QCOMPARE(second.workspace->actions, first.workspace->actions);
        QCOMPARE(*second.workspace, *first.workspace);
    }

    // A prometheus-only workspace (the fleet window) loads, and survives a round trip with its token reference.
    void readsAPrometheusEntry()
    {
        const auto first = parseWorkspace(json("{'version': 1, 'prometheus': {'url': 'http://127.0.0.1:9090', "
                                               "'token': '${env:PROM_TOKEN}', 'agent_token': '${env:AGENT_TOKEN}', "
                                               "'selector': '{env=\\'prod\\', "
                                               "region=~\\'eu-.*\\'}', 'timeout': 4}}"),
            {});
        QVERIFY2(first.ok(), qPrintable(first.errors.join(u'\n')));
        const PrometheusConfig& p = first.workspace->prometheus;
        QCOMPARE(p.url, u"http://127.0.0.1:9090"_s);
        QCOMPARE(p.token, u"${env:PROM_TOKEN}"_s);
        QCOMPARE(p.agentToken, u"${env:AGENT_TOKEN}"_s);
        QCOMPARE(p.selector, u"{env=\"prod\", region=~\"eu-.*\"}"_s);
        QCOMPARE(p.timeoutMs, 4000);
        const QByteArray written = workspaceToJson(*first.workspace);
        QVERIFY(written.contains("${env:PROM_TOKEN}"));
        QVERIFY(written.contains("\"agent_token\": \"${env:AGENT_TOKEN}\""));
        const auto second = parseWorkspace(written, {});
        QVERIFY2(second.ok(), qPrintable(second.errors.join(u'\n')));
        QCOMPARE(*second.workspace, *first.workspace);
        QCOMPARE(withoutSecrets(*first.workspace).prometheus.token, u"${env:PROM_TOKEN}"_s);
    }

    void rejectsBadInput_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");

        QTest::addRow("not json") << QByteArray("{\n  \"version\": 1,\n  targets: []\n}")
                                  << u"ws.json: invalid JSON at line 3, column "_s;
        QTest::addRow("array") << QByteArray("[]") << u"ws.json: the workspace must be a JSON object"_s;
        QTest::addRow("no version") << json("{'databases': [{'name': 'd', 'conninfo': 'x'}]}")
                                    << u"ws.json: version: is required"_s;
        QTest::addRow("newer version") << json("{'version': 2, 'databases': [{'name':'d','conninfo':'x'}]}")
                                       << u"ws.json: version: 2 is not supported; this PoolScope reads version 1"_s;
        QTest::addRow("empty")
            << json("{'version': 1}")
            << u"ws.json: targets: a workspace needs at least one target, database or prometheus entry"_s;
        QTest::addRow("targets not array")
            << json("{'version': 1, 'targets': {}}") << u"ws.json: targets: must be an array, not an object"_s;
        QTest::addRow("missing url") << json("{'version': 1, 'targets': [{'name': 'web'}]}")
                                     << u"ws.json: targets[0].url: is required"_s;
        QTest::addRow("bad url") << json("{'version': 1, 'targets': [{'name': 'web', 'url': 'ftp://x/y'}]}")
                                 << u"ws.json: targets[0].url: \"ftp://x/y\" is not an http:// or https:// URL"_s;
        QTest::addRow("interval type")
            << json("{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/'}, {'name': 'b', 'url': 'http://h/', "
                    "'interval': '5s'}]}")
            << u"ws.json: targets[1].interval: must be a number of seconds between 0.1 and 3600, not \"5s\""_s;
        QTest::addRow("interval range")
            << json("{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/', 'interval': 0}]}")
            << u"ws.json: targets[0].interval: must be a number of seconds between 0.1 and 3600, not 0"_s;
        QTest::addRow("duplicate name") << json(
            "{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/'}, {'name': 'a', 'url': 'http://h/'}]}")
                                        << u"ws.json: targets[1].name: \"a\" is used by another target"_s;
        QTest::addRow("unknown field") << json(
            "{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/', 'intervall': 3}]}")
                                       << u"ws.json: targets[0].intervall: unknown field"_s;
        QTest::addRow("unknown profile") << json(
            "{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/', 'profile': 'hikari'}]}")
                                         << u"ws.json: targets[0].profile: unknown profile \"hikari\""_s;
        QTest::addRow("header type") << json(
            "{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/', 'headers': {'X': 1}}]}")
                                     << u"ws.json: targets[0].headers.X: must be a string, not a number"_s;
        QTest::addRow("unknown database") << json(
            "{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/', 'database': 'nope'}], 'databases': [{'name': "
            "'db', 'conninfo': 'x'}]}") << u"ws.json: targets[0].database: no database named \"nope\" in databases[]"_s;
        QTest::addRow("password in conninfo")
            << json("{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'host=x password=hunter2'}]}")
            << u"ws.json: databases[0].conninfo: holds a password"_s;
        QTest::addRow("password in uri") << json(
            "{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'postgresql://app:hunter2@db/app'}]}")
                                         << u"ws.json: databases[0].conninfo: holds a password"_s;
        QTest::addRow("password in uri query")
            << json("{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'postgresql://u@h/db?password=hunter2'}]}")
            << u"ws.json: databases[0].conninfo: holds a password; use ~/.pgpass, a "
               u"service file or PGPASSWORD"_s;
        QTest::addRow("sslpassword") << json(
            "{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'host=h sslpassword = hunter2'}]}")
                                     << u"ws.json: databases[0].conninfo: holds a password (sslpassword)"_s;
        QTest::addRow("tab before password")
            << json("{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'host=h\\tpassword = x'}]}")
            << u"ws.json: databases[0].conninfo: holds a password"_s;
        QTest::addRow("uri sslpassword") << json("{'version': 1, 'databases': [{'name': 'db', 'conninfo': "
                                                 "'postgres://h/db?sslmode=require&sslpassword=x'}]}")
                                         << u"ws.json: databases[0].conninfo: holds a password (sslpassword)"_s;
        QTest::addRow("bad conninfo") << json("{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'host'}]}")
                                      << u"ws.json: databases[0].conninfo: not a libpq connection string"_s;
        QTest::addRow("nul in a key") << json(
            "{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/', 'x\\u0000y': 1}]}")
                                      << u"ws.json: targets[0].x\\u0000y: unknown field"_s;
        QTest::addRow("thresholds order")
            << json("{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'x'}], 'thresholds': "
                    "{'discrepancy_warning': 30, 'discrepancy_critical': 20}}")
            << u"ws.json: thresholds.discrepancy_critical: must not be below discrepancy_warning"_s;
        QTest::addRow("actions not object")
            << json("{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'x'}], 'actions': true}")
            << u"ws.json: actions: must be an object, not a boolean"_s;
        QTest::addRow("action not boolean")
            << json("{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'x'}], 'actions': {'terminate': 'yes'}}")
            << u"ws.json: actions.terminate: must be true or false, not \"yes\""_s;
        QTest::addRow("unknown action") << json(
            "{'version': 1, 'databases': [{'name': 'db', 'conninfo': 'x'}], 'actions': {'kill': true}}")
                                        << u"ws.json: actions.kill: unknown field"_s;
        QTest::addRow("bad field pointer") << json(
            "{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/', 'fields': {'checked_out': 'pool/x'}}]}")
                                           << u"ws.json: targets[0].fields.checked_out"_s;
        QTest::addRow("prometheus url")
            << json("{'version': 1, 'prometheus': {'url': 'prom:9090'}}")
            << u"ws.json: prometheus.url: \"prom:9090\" is not an http:// or https:// URL"_s;
        QTest::addRow("prometheus without url")
            << json("{'version': 1, 'prometheus': {'token': '${env:T}'}}") << u"ws.json: prometheus.url: is required"_s;
        QTest::addRow("prometheus literal token")
            << json("{'version': 1, 'prometheus': {'url': 'http://p:9090', 'token': 'abc123'}}")
            << u"ws.json: prometheus.token: must be ${env:NAME}"_s;
        QTest::addRow("prometheus literal agent token")
            << json("{'version': 1, 'prometheus': {'url': 'http://p:9090', 'agent_token': 'abc123'}}")
            << u"ws.json: prometheus.agent_token: must be ${env:NAME}"_s;
        QTest::addRow("prometheus credentials in url")
            << json("{'version': 1, 'prometheus': {'url': 'http://u:pw@p:9090'}}")
            << u"ws.json: prometheus.url: must not hold user:password@"_s;
        QTest::addRow("prometheus selector without braces")
            << json("{'version': 1, 'prometheus': {'url': 'http://p:9090', 'selector': 'env=\\'prod\\''}}")
            << u"ws.json: prometheus.selector: must be label matchers in braces"_s;
        QTest::addRow("prometheus selector bad matcher")
            << json("{'version': 1, 'prometheus': {'url': 'http://p:9090', 'selector': '{env==\\'prod\\'}'}}")
            << u"ws.json: prometheus.selector: \"env==\"prod\"\" is not a label matcher"_s;
        QTest::addRow("prometheus selector unterminated")
            << json("{'version': 1, 'prometheus': {'url': 'http://p:9090', 'selector': '{env=\\'prod}'}}")
            << u"ws.json: prometheus.selector: has an unterminated quoted value"_s;
        QTest::addRow("prometheus selector on service")
            << json("{'version': 1, 'prometheus': {'url': 'http://p:9090', 'selector': '{service=\\'x\\'}'}}")
            << u"ws.json: prometheus.selector: must not match on service"_s;
        QTest::addRow("prometheus unknown field")
            << json("{'version': 1, 'prometheus': {'url': 'http://p:9090', 'bearer': 'x'}}")
            << u"ws.json: prometheus.bearer: unknown field"_s;
    }

    void rejectsBadInput()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const auto result = parseWorkspace(json, u"ws.json"_s);
        QVERIFY(!result.ok());
        const QString all = result.errors.join(u'\n');
        QVERIFY2(all.contains(expected), qPrintable(u"expected «%1» in:\n%2"_s.arg(expected, all)));
    }

    // Issue 11's wart: a short "interval" alone is accepted, the default timeout shrinking to ten intervals
    // (never growing past the built-in default); an explicit timeout is kept as written.
    void defaultTimeoutFollowsInterval_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<int>("targetTimeoutMs");
        QTest::addColumn<int>("poolerTimeoutMs");
        const char* shape = "{'version': 1, 'targets': [{'name': 'web', 'url': 'http://h/', %1}], 'databases': "
                            "[{'name': 'main', 'conninfo': 'host=db'}], 'poolers': [{'name': 'pgb', 'conninfo': "
                            "'host=pgb dbname=pgbouncer', %1}]}";
        auto with = [shape](const char* fields) { return json(QByteArray(shape).replace("%1", fields).constData()); };
        QTest::addRow("interval 0.1") << with("'interval': 0.1") << 1000 << 1000;
        QTest::addRow("interval 0.15") << with("'interval': 0.15") << 1500 << 1500;
        QTest::addRow("interval 0.3") << with("'interval': 0.3") << 2000 << 3000;
        QTest::addRow("interval 60") << with("'interval': 60") << 2000 << 5000;
        QTest::addRow("explicit timeout") << with("'interval': 0.1, 'timeout': 0.5") << 500 << 500;
        QTest::addRow("explicit at the limit") << with("'interval': 0.1, 'timeout': 1") << 1000 << 1000;
    }

    void defaultTimeoutFollowsInterval()
    {
        QFETCH(QByteArray, json);
        QFETCH(int, targetTimeoutMs);
        QFETCH(int, poolerTimeoutMs);
        const auto result = parseWorkspace(json, u"ws.json"_s);
        QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
        QCOMPARE(result.workspace->targets[0].timeoutMs, targetTimeoutMs);
        QCOMPARE(result.workspace->poolers[0].timeoutMs, poolerTimeoutMs);
        // Written back, the timeout is explicit and reads the same.
        const auto again = parseWorkspace(workspaceToJson(*result.workspace), {});
        QVERIFY2(again.ok(), qPrintable(again.errors.join(u'\n')));
        QCOMPARE(*again.workspace, *result.workspace);
    }

    void explicitTimeoutOverTenIntervalsIsRefused_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::addRow("target") << json(
            "{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/'}, {'name': 'b', 'url': "
            "'http://h/', 'interval': 0.1, 'timeout': 2}]}")
                                << u"ws.json: targets[1].timeout: must not exceed ten intervals"_s;
        QTest::addRow("pooler") << json(
            "{'version': 1, 'databases': [{'name': 'main', 'conninfo': 'host=db'}], 'poolers': [{'name': "
            "'pgb', 'conninfo': 'host=pgb dbname=pgbouncer', 'interval': 0.1, 'timeout': 1.5}]}")
                                << u"ws.json: poolers[0].timeout: must not exceed ten intervals"_s;
    }

    void explicitTimeoutOverTenIntervalsIsRefused()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const auto result = parseWorkspace(json, u"ws.json"_s);
        QVERIFY(!result.ok());
        QCOMPARE(result.errors, QStringList { expected });
    }

    // What a recording keeps of the workspace: names, never header values, URL credentials or secrets.
    void storesNoSecrets()
    {
        const auto result = parseWorkspace(json("{'version': 1, 'targets': [{'name': 'a', 'url': "
                                                "'https://user:pw@h:8443/health?token=t1&x=1', 'headers': "
                                                "{'Authorization': 'Bearer b1', 'X-Key': '${env:K}'}}], 'databases': "
                                                "[{'name': 'db', 'conninfo': 'host=h dbname=app user=u sslkey=/k "
                                                "application_name=ps'}]}"),
            u"ws.json"_s);
        QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
        const Workspace clean = withoutSecrets(*result.workspace);
        const TargetConfig& t = clean.targets.first();
        QCOMPARE(t.url, u"https://h:8443/health?token=&x=1"_s);
        QCOMPARE(t.headers.size(), 2);
        QCOMPARE(t.headers.value(u"Authorization"_s), QString());
        QCOMPARE(t.headers.value(u"X-Key"_s), QString());
        QCOMPARE(clean.databases.first().conninfo, u"host=h dbname=app user=u sslkey=/k application_name=ps"_s);
        const QByteArray stored = workspaceToJson(clean);
        for (const char* secret : { "user:pw", "token=t1", "Bearer b1", "${env:K}" })
            QVERIFY2(!stored.contains(secret), stored.constData());
    }

    void reportsUnreadableFile()
    {
        QTemporaryDir dir;
        const QString missing = dir.filePath(u"missing.json"_s);
        const auto result = loadWorkspace(missing);
        QVERIFY(!result.ok());
        QVERIFY(result.errors.first().startsWith(missing + u": cannot read the workspace"_s));
    }

    void expandsEnvironment()
    {
        qputenv("POOLSCOPE_TEST_TOKEN", "s3cret");
        qunsetenv("POOLSCOPE_TEST_UNSET");
        QStringList unset;
        QCOMPARE(expandEnv(u"Bearer ${env:POOLSCOPE_TEST_TOKEN}/${env:POOLSCOPE_TEST_UNSET}!"_s, &unset),
            u"Bearer s3cret/!"_s);
        QCOMPARE(unset, QStringList { u"POOLSCOPE_TEST_UNSET"_s });
        QCOMPARE(expandEnv(u"no variables ${env:} $HOME"_s), u"no variables ${env:} $HOME"_s);
    }

    // poolers[] and a target's pgbouncer_clients: read, defaulted, written back.
    void loadsPoolers()
    {
        const QByteArray text
            = json("{'version': 1, 'targets': [{'name': 'web', 'url': 'http://h/', 'pgbouncer_clients': "
                   "{'addr': '10.0.3.7', 'application_name': 'web'}}], 'databases': [{'name': 'main', 'conninfo': "
                   "'host=db dbname=app'}], 'poolers': [{'name': 'pgb', 'conninfo': 'host=pgb port=6432 "
                   "dbname=pgbouncer user=${env:PGB_USER}', 'interval': 1}]}");
        const auto result = parseWorkspace(text, u"ws.json"_s);
        QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
        const Workspace& ws = *result.workspace;
        QCOMPARE(ws.poolers.size(), 1);
        QCOMPARE(ws.poolers[0].name, u"pgb"_s);
        QCOMPARE(ws.poolers[0].intervalMs, 1000);
        QCOMPARE(ws.poolers[0].database, u"main"_s); // the only database
        QCOMPARE(ws.targets[0].pgbouncerClients.addr, u"10.0.3.7"_s);
        QCOMPARE(ws.targets[0].pgbouncerClients.applicationName, u"web"_s);
        const auto again = parseWorkspace(workspaceToJson(ws), {});
        QVERIFY2(again.ok(), qPrintable(again.errors.join(u'\n')));
        QCOMPARE(*again.workspace, ws);
        QCOMPARE(again.workspace->poolers, ws.poolers);
        QCOMPARE(again.workspace->targets[0].pgbouncerClients, ws.targets[0].pgbouncerClients);
    }

    void rejectsBadPoolers_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        const char* db = "'databases': [{'name': 'db', 'conninfo': 'host=h dbname=app'}]";
        auto with = [db](const char* poolers) {
            return json((std::string("{'version': 1, ") + db + ", 'poolers': " + poolers + "}").c_str());
        };
        QTest::addRow("not an array") << with("{}") << u"ws.json: poolers: must be an array, not an object"_s;
        QTest::addRow("no conninfo") << with("[{'name': 'p'}]") << u"ws.json: poolers[0].conninfo: is required"_s;
        QTest::addRow("password") << with("[{'name': 'p', 'conninfo': 'host=h dbname=pgbouncer password=x'}]")
                                  << u"ws.json: poolers[0].conninfo: holds a password"_s;
        QTest::addRow("not the admin console")
            << with("[{'name': 'p', 'conninfo': 'host=h dbname=app'}]")
            << u"ws.json: poolers[0].conninfo: must connect to pgbouncer's admin console (dbname=pgbouncer), not "
               u"dbname=app"_s;
        QTest::addRow("bad conninfo") << with("[{'name': 'p', 'conninfo': 'host'}]")
                                      << u"ws.json: poolers[0].conninfo: not a libpq connection string"_s;
        QTest::addRow("duplicate") << with("[{'name': 'p', 'conninfo': 'dbname=pgbouncer'}, {'name': 'p', "
                                           "'conninfo': 'dbname=pgbouncer'}]")
                                   << u"ws.json: poolers[1].name: \"p\" is used by another pooler"_s;
        QTest::addRow("unknown database") << with("[{'name': 'p', 'conninfo': 'dbname=pgbouncer', 'database': 'x'}]")
                                          << u"ws.json: poolers[0].database: no database named \"x\" in databases[]"_s;
        QTest::addRow("unknown field") << with("[{'name': 'p', 'conninfo': 'dbname=pgbouncer', 'pool_mode': 'x'}]")
                                       << u"ws.json: poolers[0].pool_mode: unknown field"_s;
        QTest::addRow("empty clients") << json("{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/', "
                                               "'pgbouncer_clients': {}}], 'poolers': [{'name': 'p', 'conninfo': "
                                               "'dbname=pgbouncer'}]}")
                                       << u"ws.json: targets[0].pgbouncer_clients: must name the clients by \"addr\", "
                                          u"\"application_name\" or both"_s;
        QTest::addRow("clients field") << json("{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/', "
                                               "'pgbouncer_clients': {'port': 1}}], 'poolers': [{'name': 'p', "
                                               "'conninfo': 'dbname=pgbouncer'}]}")
                                       << u"ws.json: targets[0].pgbouncer_clients.port: unknown field"_s;
        QTest::addRow("clients without pooler") << json(
            "{'version': 1, 'targets': [{'name': 'a', 'url': 'http://h/', 'pgbouncer_clients': {'addr': "
            "'1.2.3.4'}}]}") << u"ws.json: targets[0].pgbouncer_clients: no pooler in poolers[] to read them from"_s;
    }

    void rejectsBadPoolers() { rejectsBadInput(); }

    void poolerConninfoStoredWithoutSecrets()
    {
        Workspace ws;
        ws.poolers.append(PoolerConfig { u"p"_s, u"host=h dbname=pgbouncer password=hunter2"_s, {}, 2000, 5000 });
        const Workspace clean = withoutSecrets(ws);
        QVERIFY(!clean.poolers.first().conninfo.contains(u"hunter2"_s));
        QVERIFY2(clean.poolers.first().conninfo.contains(u"dbname='pgbouncer'"_s),
            qPrintable(clean.poolers.first().conninfo));
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
