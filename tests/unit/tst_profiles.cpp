#include "profiles/Profile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

// The seed service's /health/detailed page (DESIGN.md; seed/untracked-connections-analysis.md).
const QByteArray kSeedPayload
    = R"({"status":"healthy","process":"web","database":{"pool":{"checked_out":15,"pool_size":20,"pool_available":5,"pool_min":4,"pool_max":50,"requests_waiting":0},"tracking":{"total_active":0,"total_acquired":3698,"total_released":3698,"total_leaks":0,"tracking_discrepancy":15,"routes":{"/api/bets":{"acquired":10,"released":10,"active":0,"leaks":0}}}}})";

const QString kSeedMetrics = u"checked_out=15 tracked=0 discrepancy=15 acquired_total=3698 released_total=3698 "
                             u"leaks_total=0 pool_min=4 pool_max=50 pool_size=20 pool_idle=5 waiting=0"_s;

// psycopg_pool's ConnectionPool.get_stats(), verbatim keys of psycopg_pool 3.1.
const QByteArray kPsycopgStats
    = R"({"pool_min":4,"pool_max":20,"pool_size":6,"pool_available":2,"requests_waiting":0,"requests_num":120,"requests_queued":3,"requests_wait_ms":41,"usage_ms":5230,"connections_num":6,"connections_ms":88,"returns_bad":0})";

// node-postgres' pg.Pool counters as services usually expose them.
const QByteArray kNodePostgres = R"({"pool":{"totalCount":10,"idleCount":3,"waitingCount":1}})";

// "checked_out=15 tracked=0 ...": the present metrics in Metric order.
QString describe(const MetricValues& values)
{
    QStringList parts;
    for (int m = 0; m < kMetricCount; ++m) {
        const auto metric = static_cast<Metric>(m);
        if (values.has(metric))
            parts.append(metricKey(metric) % u'=' % QString::number(values[metric]));
    }
    return parts.join(u' ');
}

// "/api/bets acquired=10 released=10 active=0 leaks=0", absent counters left out.
QStringList describe(const QList<RouteStats>& routes)
{
    QStringList out;
    for (const RouteStats& route : routes) {
        QString line = route.name;
        auto add = [&line](QStringView key, double v) {
            if (isPresent(v))
                line += u' ' % key % u'=' % QString::number(v);
        };
        add(u"acquired", route.acquired);
        add(u"released", route.released);
        add(u"active", route.active);
        add(u"leaks", route.leaks);
        out.append(line);
    }
    return out;
}

QHash<QString, QString> toFields(const QStringList& pairs)
{
    QHash<QString, QString> fields;
    for (const QString& pair : pairs) {
        const qsizetype eq = pair.indexOf(u'=');
        fields.insert(pair.left(eq), pair.mid(eq + 1));
    }
    return fields;
}

QJsonValue parse(const QByteArray& json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad test JSON at %d: %s", int(error.offset), qPrintable(error.errorString()));
    return document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
}

// {"l":{"l":{...{"checked_out":N}...}}} nested `depth` levels deep.
QByteArray nested(int depth, const QByteArray& innermost)
{
    QByteArray json = innermost;
    for (int i = 0; i < depth; ++i)
        json = "{\"l\":" + json + "}";
    return json;
}

} // namespace

class TestProfiles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void builtins()
    {
        QCOMPARE(
            Profile::builtinNames(), (QStringList { u"auto"_s, u"seed"_s, u"psycopg_pool"_s, u"node-postgres"_s }));
        const QStringList names = Profile::builtinNames();
        for (const QString& name : names) {
            const std::optional<Profile> profile = Profile::builtin(name);
            QVERIFY2(profile, qPrintable(name));
            QCOMPARE(profile->name(), name);
        }
        QVERIFY(!Profile::builtin(u"Auto"_s));
        QVERIFY(!Profile::builtin(u""_s));
        QVERIFY(!Profile::builtin(u"pgbouncer"_s));
    }

    void apply_data()
    {
        QTest::addColumn<QString>("profile");
        QTest::addColumn<QStringList>("fields"); // "key=pointer"
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("metrics");
        QTest::addColumn<QStringList>("routes");
        QTest::addColumn<QString>("error");

        const QStringList none;
        const QStringList seedRoutes { u"/api/bets acquired=10 released=10 active=0 leaks=0"_s };

        // --- Real payload shapes -------------------------------------------------------------------
        QTest::addRow("seed page, auto") << u"auto"_s << none << kSeedPayload << kSeedMetrics << seedRoutes
                                         << QString();
        QTest::addRow("seed page, seed") << u"seed"_s << none << kSeedPayload << kSeedMetrics << seedRoutes
                                         << QString();
        QTest::addRow("seed page without discrepancy: derived")
            << u"seed"_s << none
            << QByteArray(R"({"database":{"pool":{"checked_out":17},"tracking":{"total_active":2}}})")
            << u"checked_out=17 tracked=2 discrepancy=15"_s << none << QString();
        QTest::addRow("seed profile on a psycopg payload: nothing recognised is an error")
            << u"seed"_s << none << kPsycopgStats << QString() << none
            << u"recognised no pool metric in this payload; its top-level keys are connections_ms, connections_num, "
               u"pool_available, pool_max, pool_min, pool_size, requests_num, requests_queued, … (12 in all); map "
               u"them with \"fields\" (JSON Pointers)"_s;

        const QString psycopgMetrics = u"checked_out=4 pool_min=4 pool_max=20 pool_size=6 pool_idle=2 waiting=0"_s;
        QTest::addRow("SQLAlchemy QueuePool numbers and status(), auto")
            << u"auto"_s << none
            << QByteArray(R"({"db":{"pool":"Pool size: 5  Connections in pool: 1 Current Overflow: -1 Current Checked )"
                          R"(out connections: 3","checkedout":3,"checkedin":1,"overflow":-1,"size":5}})")
            << u"checked_out=3 pool_idle=1"_s << none << QString();
        QTest::addRow("SQLAlchemy QueuePool.status() string alone, auto")
            << u"auto"_s << none
            << QByteArray(R"({"db":{"pool":"Pool size: 5  Connections in pool: 0 Current Overflow: -2 Current Checked )"
                          R"(out connections: 3"}})")
            << u"checked_out=3 pool_idle=0"_s << none << QString();
        QTest::addRow("psycopg_pool attributes min_size/max_size, auto")
            << u"auto"_s << none
            << QByteArray(R"({"pool":{"min_size":2,"max_size":10,"pool_size":4,"pool_available":1}})")
            << u"checked_out=3 pool_min=2 pool_max=10 pool_size=4 pool_idle=1"_s << none << QString();
        QTest::addRow("psycopg get_stats, auto")
            << u"auto"_s << none << kPsycopgStats << psycopgMetrics << none << QString();
        QTest::addRow("psycopg get_stats, psycopg_pool")
            << u"psycopg_pool"_s << none << kPsycopgStats << psycopgMetrics << none << QString();
        QTest::addRow("psycopg get_stats nested, psycopg_pool")
            << u"psycopg_pool"_s << none
            << QByteArray(R"({"app":"worker_odds","db":{"stats":{"pool_size":3,"pool_available":3,"pool_max":8}}})")
            << u"checked_out=0 pool_max=8 pool_size=3 pool_idle=3"_s << none << QString();
        QTest::addRow("psycopg_pool ignores the seed's tracking names")
            << u"psycopg_pool"_s << none << kSeedPayload
            << u"checked_out=15 pool_min=4 pool_max=50 pool_size=20 pool_idle=5 waiting=0"_s << none << QString();

        const QString nodeMetrics = u"checked_out=7 pool_size=10 pool_idle=3 waiting=1"_s;
        QTest::addRow("node-postgres, auto") << u"auto"_s << none << kNodePostgres << nodeMetrics << none << QString();
        QTest::addRow("node-postgres, node-postgres")
            << u"node-postgres"_s << none << kNodePostgres << nodeMetrics << none << QString();
        QTest::addRow("node-postgres top level")
            << u"node-postgres"_s << none << QByteArray(R"({"totalCount":2,"idleCount":2,"waitingCount":0})")
            << u"checked_out=0 pool_size=2 pool_idle=2 waiting=0"_s << none << QString();

        // --- Auto search rules -----------------------------------------------------------------------
        QTest::addRow("camelCase checkedOut")
            << u"auto"_s << none << QByteArray(R"({"stats":{"checkedOut":4,"tracked":1}})")
            << u"checked_out=4 tracked=1 discrepancy=3"_s << none << QString();
        QTest::addRow("tracked_active and discrepancy aliases")
            << u"auto"_s << none << QByteArray(R"({"tracked_active":5,"discrepancy":1,"checked_out":9})")
            << u"checked_out=9 tracked=5 discrepancy=1"_s << none << QString();
        QTest::addRow("metric keys themselves")
            << u"auto"_s << none
            << QByteArray(R"({"acquired_total":7,"released_total":6,"leaks_total":1,"pool_idle":2,"waiting":3})")
            << u"acquired_total=7 released_total=6 leaks_total=1 pool_idle=2 waiting=3"_s << none << QString();
        QTest::addRow("shallowest wins") << u"auto"_s << none
                                         << QByteArray(R"({"a":{"b":{"checked_out":1}},"z":{"checked_out":2}})")
                                         << u"checked_out=2"_s << none << QString();
        QTest::addRow("top level beats nested")
            << u"auto"_s << none << QByteArray(R"({"a":{"checked_out":1},"checked_out":3})") << u"checked_out=3"_s
            << none << QString();
        QTest::addRow("tie at same depth: first object wins")
            << u"auto"_s << none << QByteArray(R"({"a":{"checked_out":1},"b":{"checked_out":2}})") << u"checked_out=1"_s
            << none << QString();
        QTest::addRow("same object: first alias wins")
            << u"auto"_s << none << QByteArray(R"({"checkedOut":2,"checked_out":1})") << u"checked_out=1"_s << none
            << QString();
        QTest::addRow("inside arrays") << u"auto"_s << none
                                       << QByteArray(R"({"pools":[{"name":"main","checked_out":6,"pool_size":10}]})")
                                       << u"checked_out=6 pool_size=10"_s << none << QString();
        QTest::addRow("never inside the routes container")
            << u"auto"_s << none
            << QByteArray(R"({"routes":{"/x":{"acquired":1,"released":0,"total_active":9,"checked_out":9}}})")
            << QString() << QStringList { u"/x acquired=1 released=0 active=1"_s } << QString();
        QTest::addRow("deeply nested") << u"auto"_s << none << nested(200, R"({"checked_out":8,"total_active":8})")
                                       << u"checked_out=8 tracked=8 discrepancy=0"_s << none << QString();
        QTest::addRow("top-level array") << u"auto"_s << none
                                         << QByteArray(R"([{"process":"web","checked_out":3,"total_active":1}])")
                                         << u"checked_out=3 tracked=1 discrepancy=2"_s << none << QString();
        QTest::addRow("empty object") << u"auto"_s << none << QByteArray("{}") << QString() << none
                                      << u"recognised no pool metric in this payload; it has no members; map them "
                                         u"with \"fields\" (JSON Pointers)"_s;
        QTest::addRow("empty array") << u"auto"_s << none << QByteArray("[]") << QString() << none
                                     << u"recognised no pool metric in this payload; it is an array of 0 items; map "
                                        u"them with \"fields\" (JSON Pointers)"_s;
        QTest::addRow("missing fields") << u"auto"_s << none << QByteArray(R"({"status":"healthy","uptime":12})")
                                        << QString() << none
                                        << u"recognised no pool metric in this payload; its top-level keys are "
                                           u"status, uptime; map them with \"fields\" (JSON Pointers)"_s;
        QTest::addRow("counts in any JSON spelling; the discrepancy may be negative or a fraction")
            << u"auto"_s << none
            << QByteArray(R"({"checked_out":2.0,"total_active":1,"pool_size":1e3,"discrepancy":-0.5})")
            << u"checked_out=2 tracked=1 discrepancy=-0.5 pool_size=1000"_s << none << QString();
        QTest::addRow("checked_out present wins over derivation")
            << u"auto"_s << none << QByteArray(R"({"checked_out":1,"pool_size":10,"pool_available":2})")
            << u"checked_out=1 pool_size=10 pool_idle=2"_s << none << QString();

        // --- Routes ------------------------------------------------------------------------------------
        QTest::addRow("routes as an array, name/route/path")
            << u"auto"_s << none
            << QByteArray(
                   R"({"routes":[{"name":"/a","acquired":5,"released":3},{"route":"/b","active":2,"leaks":1},{"path":"/c"}]})")
            << QString() << QStringList { u"/a acquired=5 released=3 active=2"_s, u"/b active=2 leaks=1"_s, u"/c"_s }
            << QString();
        QTest::addRow("routes object, active derived")
            << u"auto"_s << none
            << QByteArray(
                   R"({"t":{"routes":{"/b":{"acquired":4,"released":4},"/a":{"acquired":9,"released":2,"leaks":1}}}})")
            << QString()
            << QStringList { u"/a acquired=9 released=2 active=7 leaks=1"_s, u"/b acquired=4 released=4 active=0"_s }
            << QString();
        QTest::addRow("empty routes") << u"auto"_s << none << QByteArray(R"({"routes":{}})") << QString() << none
                                      << QString();

        // --- Explicit fields ----------------------------------------------------------------------------
        QTest::addRow("explicit field overrides auto")
            << u"auto"_s << QStringList { u"checked_out=/custom/busy"_s }
            << QByteArray(R"({"checked_out":1,"custom":{"busy":9},"total_active":4})")
            << u"checked_out=9 tracked=4 discrepancy=5"_s << none << QString();
        QTest::addRow("explicit field overrides seed")
            << u"seed"_s << QStringList { u"tracked=/database/tracking/mine"_s }
            << QByteArray(R"({"database":{"pool":{"checked_out":3},"tracking":{"total_active":1,"mine":2}}})")
            << u"checked_out=3 tracked=2 discrepancy=1"_s << none << QString();
        QTest::addRow("explicit field missing: absent, no fallback")
            << u"auto"_s << QStringList { u"checked_out=/nowhere"_s, u"tracked=/tracked"_s }
            << QByteArray(R"({"checked_out":1,"tracked":0})") << u"tracked=0"_s << none << QString();
        QTest::addRow("explicit field on psycopg_pool adds a metric")
            << u"psycopg_pool"_s << QStringList { u"tracked=/app/tracked"_s }
            << QByteArray(R"({"pool_size":5,"pool_available":1,"app":{"tracked":3}})")
            << u"checked_out=4 tracked=3 discrepancy=1 pool_size=5 pool_idle=1"_s << none << QString();
        QTest::addRow("explicit field with escapes")
            << u"auto"_s << QStringList { u"waiting=/a~1b/m~0n"_s } << QByteArray(R"({"a/b":{"m~n":6}})")
            << u"waiting=6"_s << none << QString();
        QTest::addRow("explicit routes and route fields")
            << u"node-postgres"_s
            << QStringList { u"routes=/handlers"_s, u"routes.name=/id"_s, u"routes.acquired=/counts/in"_s,
                   u"routes.released=/counts/out"_s, u"routes.leaks=/lost"_s }
            << QByteArray(
                   R"({"handlers":[{"id":"GET /x","counts":{"in":3,"out":1},"lost":0},{"id":"GET /y","counts":{"in":2}}]})")
            << QString() << QStringList { u"GET /x acquired=3 released=1 active=2 leaks=0"_s, u"GET /y acquired=2"_s }
            << QString();
        QTest::addRow("explicit routes object keeps key names")
            << u"auto"_s << QStringList { u"routes=/r"_s, u"routes.active=/now"_s }
            << QByteArray(R"({"r":{"/q":{"now":4,"active":99}},"routes":{"/ignored":{}}})") << QString()
            << QStringList { u"/q active=4"_s } << QString();
        QTest::addRow("explicit routes container not searched for metrics")
            << u"auto"_s << QStringList { u"routes=/r"_s } << QByteArray(R"({"r":{"checked_out":{"acquired":1}}})")
            << QString() << QStringList { u"checked_out acquired=1"_s } << QString();

        // --- Wrong types --------------------------------------------------------------------------------
        QTest::addRow("string instead of a number")
            << u"seed"_s << none
            << QByteArray(R"({"database":{"pool":{"checked_out":"15","pool_size":20},"tracking":{}}})")
            << u"pool_size=20"_s << none
            << uR"(checked_out at /database/pool/checked_out: expected a number, got a string ("15"))"_s;
        QTest::addRow("string, auto")
            << u"auto"_s << none << QByteArray(R"({"database":{"pool":{"checked_out":"15"}}})") << QString() << none
            << uR"(checked_out at /database/pool/checked_out: expected a number, got a string ("15"))"_s;
        QTest::addRow("boolean") << u"auto"_s << none << QByteArray(R"({"total_active":true})") << QString() << none
                                 << u"tracked at /total_active: expected a number, got a boolean (true)"_s;
        QTest::addRow("null") << u"auto"_s << none << QByteArray(R"({"x":{"pool_max":null}})") << QString() << none
                              << u"pool_max at /x/pool_max: expected a number, got null"_s;
        QTest::addRow("object") << u"auto"_s << none << QByteArray(R"({"checked_out":{"value":3}})") << QString()
                                << none << u"checked_out at /checked_out: expected a number, got an object"_s;
        QTest::addRow("array") << u"node-postgres"_s << none << QByteArray(R"({"pool":{"idleCount":[1]}})") << QString()
                               << none << u"pool_idle at /pool/idleCount: expected a number, got an array"_s;
        QTest::addRow("long string is shortened")
            << u"auto"_s << none << QByteArray(R"({"waiting":"0123456789012345678901234567890123456789ABCDEF"})")
            << QString() << none
            << u"waiting at /waiting: expected a number, got a string (\"0123456789012345678901234567890123456789\u2026\")"_s;
        QTest::addRow("two errors, the rest still read")
            << u"auto"_s << none << QByteArray(R"({"checked_out":"x","total_active":false,"pool_size":5})")
            << u"pool_size=5"_s << none
            << uR"(checked_out at /checked_out: expected a number, got a string ("x"); tracked at /total_active: expected a number, got a boolean (false))"_s;
        QTest::addRow("many errors are summarised")
            << u"auto"_s << none
            << QByteArray(
                   R"({"checked_out":"a","total_active":"b","discrepancy":"c","total_acquired":"d","total_released":"e"})")
            << QString() << none
            << uR"(checked_out at /checked_out: expected a number, got a string ("a"); tracked at /total_active: expected a number, got a string ("b"); discrepancy at /discrepancy: expected a number, got a string ("c"); and 2 more problems)"_s;
        QTest::addRow("explicit pointer cannot be read")
            << u"auto"_s << QStringList { u"checked_out=/pools/-"_s } << QByteArray(R"({"pools":[1,2]})") << QString()
            << none
            << uR"(checked_out at /pools/-: "-" names the element after the last of an array and cannot be read)"_s;
        QTest::addRow("explicit pointer to the whole document")
            << u"auto"_s << QStringList { u"checked_out="_s } << QByteArray(R"({"checked_out":1})") << QString() << none
            << u"checked_out at \"\" (the whole document): expected a number, got an object"_s;
        QTest::addRow("routes of the wrong type")
            << u"auto"_s << none << QByteArray(R"({"checked_out":2,"routes":"none"})") << u"checked_out=2"_s << none
            << uR"(routes at /routes: expected an object or an array, got a string ("none"))"_s;
        QTest::addRow("route entry not an object")
            << u"auto"_s << none << QByteArray(R"({"routes":[{"name":"/a"},7]})") << QString()
            << QStringList { u"/a"_s } << u"routes at /routes/1: expected an object, got a number (7)"_s;
        QTest::addRow("route entry without a name")
            << u"auto"_s << none << QByteArray(R"({"routes":[{"acquired":1}]})") << QString() << none
            << uR"(routes at /routes/0: the entry has no name (expected "name", "route" or "path"))"_s;
        QTest::addRow("route name not a string")
            << u"auto"_s << none << QByteArray(R"({"routes":[{"name":12}]})") << QString() << none
            << u"routes.name at /routes/0/name: expected a string, got a number (12)"_s;
        QTest::addRow("route counter of the wrong type")
            << u"seed"_s << none
            << QByteArray(R"({"database":{"tracking":{"routes":{"/api/bets":{"acquired":"10","released":10}}}}})")
            << QString() << QStringList { u"/api/bets released=10"_s }
            << uR"(routes.acquired at /database/tracking/routes/~1api~1bets/acquired: expected a number, got a string ("10"))"_s;
    }

    void apply()
    {
        QFETCH(QString, profile);
        QFETCH(QStringList, fields);
        QFETCH(QByteArray, json);
        QFETCH(QString, metrics);
        QFETCH(QStringList, routes);
        QFETCH(QString, error);

        QString createError;
        const std::optional<Profile> p = Profile::create(profile, toFields(fields), &createError);
        QVERIFY2(p, qPrintable(createError));
        QVERIFY(createError.isEmpty());

        const ProfileResult result = p->apply(parse(json));
        QCOMPARE(result.error, error);
        QCOMPARE(result.ok(), error.isEmpty());
        QCOMPARE(describe(result.metrics), metrics);
        QCOMPARE(describe(result.routes), routes);

        // The QJsonDocument overload agrees.
        const ProfileResult viaDocument = p->apply(QJsonDocument::fromJson(json));
        QCOMPARE(viaDocument.error, result.error);
        QVERIFY(viaDocument.metrics == result.metrics);
        QCOMPARE(describe(viaDocument.routes), describe(result.routes));
    }

    void sources()
    {
        const ProfileResult seed = Profile::builtin(u"auto"_s)->apply(parse(kSeedPayload));
        QCOMPARE(seed.source(Metric::CheckedOut), u"/database/pool/checked_out"_s);
        QCOMPARE(seed.source(Metric::Tracked), u"/database/tracking/total_active"_s);
        QCOMPARE(seed.source(Metric::PoolIdle), u"/database/pool/pool_available"_s);
        QCOMPARE(seed.routesSource, u"/database/tracking/routes"_s);

        const ProfileResult psycopg = Profile::builtin(u"psycopg_pool"_s)->apply(parse(kPsycopgStats));
        QCOMPARE(psycopg.source(Metric::CheckedOut), u"derived"_s);
        QCOMPARE(psycopg.source(Metric::PoolSize), u"/pool_size"_s);
        QCOMPARE(psycopg.source(Metric::Tracked), QString());
        QCOMPARE(psycopg.routesSource, QString());
    }

    void validateFields_data()
    {
        QTest::addColumn<QStringList>("fields");
        QTest::addColumn<QStringList>("errors");

        QTest::addRow("none") << QStringList {} << QStringList {};
        QTest::addRow("all keys valid") << QStringList { u"checked_out=/a"_s, u"tracked=/b"_s, u"discrepancy=/c"_s,
            u"acquired_total=/d"_s, u"released_total=/e"_s, u"leaks_total=/f"_s, u"pool_min=/g"_s, u"pool_max=/h"_s,
            u"pool_size=/i"_s, u"pool_idle=/j"_s, u"waiting=/k"_s, u"routes=/r"_s, u"routes.name=/n"_s,
            u"routes.acquired=/a"_s, u"routes.released=/r"_s, u"routes.active=/x"_s, u"routes.leaks=/l"_s }
                                        << QStringList {};
        QTest::addRow("empty pointer is the whole document") << QStringList { u"checked_out="_s } << QStringList {};
        QTest::addRow("unknown key")
            << QStringList { u"checkedout=/a"_s }
            << QStringList { u"checkedout: unknown key (expected one of checked_out, tracked, discrepancy, "
                             u"acquired_total, released_total, leaks_total, pool_min, pool_max, pool_size, pool_idle, "
                             u"waiting, routes, routes.name, routes.acquired, routes.released, routes.active, "
                             u"routes.leaks)"_s };
        QTest::addRow("no leading slash")
            << QStringList { u"tracked=database/tracking/total_active"_s }
            << QStringList { u"tracked: invalid JSON Pointer \"database/tracking/total_active\": a JSON Pointer "
                             u"must be empty or start with '/' at position 0"_s };
        QTest::addRow("bad escape in a route field")
            << QStringList { u"routes.leaks=/stats/~2"_s }
            << QStringList { u"routes.leaks: invalid JSON Pointer \"/stats/~2\": invalid escape '~2' (use ~0 for "
                             u"'~' and ~1 for '/') at position 7"_s };
        QTest::addRow("several, sorted by key")
            << QStringList { u"waiting=x/y"_s, u"checked_out=/ok"_s, u"bogus=/a"_s, u"pool_size=/~"_s }
            << QStringList {
                   u"bogus: unknown key (expected one of checked_out, tracked, discrepancy, acquired_total, "
                   u"released_total, leaks_total, pool_min, pool_max, pool_size, pool_idle, waiting, routes, "
                   u"routes.name, routes.acquired, routes.released, routes.active, routes.leaks)"_s,
                   u"pool_size: invalid JSON Pointer \"/~\": incomplete escape '~' (use ~0 for '~' and ~1 for "
                   u"'/') at position 1"_s,
                   u"waiting: invalid JSON Pointer \"x/y\": a JSON Pointer must be empty or start with '/' at "
                   u"position 0"_s,
               };
    }

    void validateFields()
    {
        QFETCH(QStringList, fields);
        QFETCH(QStringList, errors);

        QCOMPARE(poolscope::validateFields(toFields(fields)), errors);

        QString error;
        const std::optional<Profile> profile = Profile::create(u"auto"_s, toFields(fields), &error);
        QCOMPARE(profile.has_value(), errors.isEmpty());
        QCOMPARE(error, errors.isEmpty() ? QString() : u"fields."_s + errors.join(u"; fields."_s));
    }

    void unknownProfile()
    {
        QString error;
        QVERIFY(!Profile::create(u"hikari"_s, {}, &error));
        QCOMPARE(error, u"unknown profile \"hikari\" (built-in profiles: auto, seed, psycopg_pool, node-postgres)"_s);
        QVERIFY(!Profile::create(u"hikari"_s)); // no error out-parameter
    }

    void valueSemantics()
    {
        std::optional<Profile> a = Profile::create(u"auto"_s, { { u"checked_out"_s, u"/x"_s } });
        QVERIFY(a);
        Profile copy = *a;
        a = Profile::builtin(u"seed"_s); // the copy is independent of the original
        const ProfileResult result = copy.apply(parse(R"({"x":4,"checked_out":1})"));
        QCOMPARE(copy.name(), u"auto"_s);
        QCOMPARE(result.metrics[Metric::CheckedOut], 4.0);
    }

    // Counts are whole numbers >= 0; a discrepancy may be negative (more tracked than checked out).
    void impossibleCountsAreErrors_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("error");
        QTest::addRow("negative") << QByteArray(R"({"checked_out":-3})")
                                  << u"checked_out at /checked_out: expected a count (a whole number, 0 or more), "
                                     u"got a number (-3)"_s;
        QTest::addRow("fraction") << QByteArray(R"({"pool":{"total_active":2.5}})")
                                  << u"tracked at /pool/total_active: expected a count (a whole number, 0 or more), "
                                     u"got a number (2.5)"_s;
        QTest::addRow("too large") << QByteArray(R"({"pool_size":1e300})")
                                   << u"pool_size at /pool_size: expected a count (a whole number, 0 or more), got "
                                      u"a number (1e+300)"_s;
        QTest::addRow("discrepancy beyond any pool")
            << QByteArray(R"({"discrepancy":1e300})")
            << u"discrepancy at /discrepancy: expected a number between -2^53 and 2^53, got a number (1e+300)"_s;
        QTest::addRow("route") << QByteArray(R"({"routes":{"/a":{"acquired":-1,"released":0}}})")
                               << u"routes.acquired at /routes/~1a/acquired: expected a count (a whole number, 0 or "
                                  u"more), got a number (-1)"_s;
    }
    void impossibleCountsAreErrors()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, error);
        const ProfileResult result = Profile::builtin(u"auto"_s)->apply(parse(json));
        QCOMPARE(result.error, error);
    }

    void negativeDiscrepancyIsAccepted()
    {
        const ProfileResult result
            = Profile::builtin(u"auto"_s)->apply(parse(R"({"checked_out":2,"total_active":5,"discrepancy":-3})"));
        QVERIFY2(result.ok(), qPrintable(result.error));
        QCOMPARE(result.metrics[Metric::Discrepancy], -3.0);
    }

    void nonFiniteNumbersAreErrors()
    {
        // JSON text cannot hold them, but a QJsonValue built in code can.
        const QJsonObject payload { { u"checked_out"_s, std::numeric_limits<double>::infinity() },
            { u"pool_size"_s, std::numeric_limits<double>::quiet_NaN() } };
        const ProfileResult result = Profile::builtin(u"auto"_s)->apply(QJsonValue(payload));
        QVERIFY(!result.metrics.has(Metric::CheckedOut));
        QVERIFY(result.error.startsWith(u"checked_out at /checked_out: expected a number, got "_s));
    }
};

QTEST_GUILESS_MAIN(TestProfiles)
#include "tst_profiles.moc"
