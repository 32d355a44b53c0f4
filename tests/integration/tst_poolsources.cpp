// Issue 9, "Must show": `poolscope status --json` against real processes whose pools are reported the way
// libraries in the field report them (tests/integration/pool_apps.py), each holding a known number of real
// connections to the demo's PostgreSQL outside its own tracking. checked_out, tracked, pool_max and the
// discrepancy must be exactly what the process holds; the database must show those connections.
#include "DemoState.h"
#include "PoolApps.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope::test;

namespace {

struct Expected
{
    QString target;
    double checkedOut;
    double tracked;
    QJsonValue poolMax; // null when the payload does not say
};

} // namespace

class TestPoolSources : public QObject
{
    Q_OBJECT

    PoolApps m_apps;

    // `poolscope status WORKSPACE --json --wait 30` on these targets and the demo database.
    QJsonObject status(const QJsonArray& targets, int expectedExit = 0)
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"ws.json"_s);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return {};
        const QJsonObject workspace {
            { u"version"_s, 1 },
            { u"targets"_s, targets },
            { u"databases"_s,
                QJsonArray { QJsonObject { { u"name"_s, u"pg"_s }, { u"conninfo"_s, m_apps.conninfo() } } } },
            { u"thresholds"_s, QJsonObject { { u"discrepancy_warning"_s, 50 }, { u"discrepancy_critical"_s, 60 } } },
        };
        file.write(QJsonDocument(workspace).toJson());
        file.close();
        const PoolscopeRun run = runPoolscope({ u"status"_s, path, u"--json"_s, u"--wait"_s, u"30"_s }, 90000);
        if (run.exitCode != expectedExit) {
            qWarning("status exited %d, expected %d: %s\n%s", run.exitCode, expectedExit, run.err.constData(),
                run.out.constData());
            return {};
        }
        return QJsonDocument::fromJson(run.out).object();
    }

    static QJsonObject target(const QString& name, const QString& url, const QJsonObject& fields,
        const QString& pool = {}, const QString& applicationName = {})
    {
        QJsonObject t { { u"name"_s, name }, { u"url"_s, url }, { u"timeout"_s, 5 } };
        if (!fields.isEmpty())
            t.insert(u"fields"_s, fields);
        if (!pool.isEmpty())
            t.insert(u"pool"_s, pool);
        if (!applicationName.isEmpty()) {
            t.insert(u"application_name"_s, applicationName);
            t.insert(u"database"_s, u"pg"_s);
        }
        return t;
    }

    static void verifyTargets(const QJsonObject& report, const QList<Expected>& expected)
    {
        const QJsonArray targets = report.value(u"targets"_s).toArray();
        QCOMPARE(targets.size(), expected.size());
        for (const Expected& e : expected) {
            const QJsonObject t = byName(targets, e.target);
            const QByteArray where = QJsonDocument(t).toJson(QJsonDocument::Compact);
            QVERIFY2(t.value(u"ok"_s).toBool(), where.constData());
            QVERIFY2(t.value(u"checked_out"_s).toDouble() == e.checkedOut, where.constData());
            QVERIFY2(t.value(u"tracked"_s).toDouble() == e.tracked, where.constData());
            QVERIFY2(t.value(u"discrepancy"_s).toDouble() == e.checkedOut - e.tracked, where.constData());
            QVERIFY2(t.value(u"pool_max"_s) == e.poolMax, where.constData());
        }
    }

    // Backends of the demo database whose application_name is `name`.
    static int backendsOf(const QJsonObject& report, const QString& name)
    {
        const QJsonObject db = report.value(u"databases"_s).toArray().first().toObject();
        int n = 0;
        for (const auto& b : db.value(u"backends"_s).toArray())
            n += b.toObject().value(u"application_name"_s).toString() == name ? 1 : 0;
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_apps.readDemo(&error), qPrintable(error));
    }

    void cleanupTestCase() { m_apps.stopAll(); }

    // SQLAlchemy's QueuePool (size 5, overflow 3): 4 checked out untracked, 2 tracked, 1 back in the pool.
    // Its numbers as apps put them in JSON, and the QueuePool.status() string alone.
    void sqlAlchemyQueuePool()
    {
        const QString base = m_apps.start(u"sqlalchemy"_s, u"ps_sqlalchemy"_s);
        QVERIFY(!base.isEmpty());
        const QJsonObject report = status({
            target(u"numbers"_s, base + u"/health"_s,
                { { u"tracked"_s, u"/tracking/active"_s }, { u"pool_max"_s, u"/db/limit"_s } }, {}, u"ps_sqlalchemy"_s),
            target(u"status_string"_s, base + u"/status-only"_s, { { u"tracked"_s, u"/tracking/active"_s } }),
        });
        QVERIFY(!report.isEmpty());
        verifyTargets(report, { { u"numbers"_s, 6, 2, 8.0 }, { u"status_string"_s, 6, 2, QJsonValue::Null } });
        QCOMPARE(backendsOf(report, u"ps_sqlalchemy"_s), 7);
    }

    // Two psycopg_pool pools in one process, under OpenTelemetry's and HikariCP's names, with the app's own
    // tracked gauge mapped by selector: one target per pool and naming, never a sum.
    void prometheusTwoPools()
    {
        const QString base = m_apps.start(u"prometheus"_s, u"ps_prom"_s);
        QVERIFY(!base.isEmpty());
        QJsonArray targets;
        for (const QString& pool : { u"main"_s, u"batch"_s }) {
            const QJsonObject fields { { u"tracked"_s, u"app_tracked_connections{pool=\"%1\"}"_s.arg(pool) } };
            targets.append(target(u"otel/"_s + pool, base + u"/otel"_s, fields, pool, u"ps_prom-"_s + pool));
            targets.append(target(u"hikaricp/"_s + pool, base + u"/hikaricp"_s, fields, pool));
        }
        const QJsonObject report = status(targets);
        QVERIFY(!report.isEmpty());
        verifyTargets(report,
            { { u"otel/main"_s, 3, 1, 10.0 }, { u"otel/batch"_s, 3, 2, 6.0 }, { u"hikaricp/main"_s, 3, 1, 10.0 },
                { u"hikaricp/batch"_s, 3, 2, 6.0 } });
        QVERIFY(backendsOf(report, u"ps_prom-main"_s) >= 3);
        QVERIFY(backendsOf(report, u"ps_prom-batch"_s) >= 3);

        // Without "pool" the target fails and lists both pools: no silent sum. status exits 3 (unknown).
        const QJsonObject ambiguous = status({ target(u"both"_s, base + u"/hikaricp"_s, {}) }, 3);
        QVERIFY(!ambiguous.isEmpty());
        const QJsonObject both = ambiguous.value(u"targets"_s).toArray().first().toObject();
        QVERIFY(!both.value(u"ok"_s).toBool());
        QVERIFY(both.value(u"checked_out"_s).isNull());
        const QString error = both.value(u"error"_s).toString();
        QVERIFY2(error.contains(u"main"_s) && error.contains(u"batch"_s), qPrintable(error));
    }

    // Go's database/sql through client_golang's collector (label db_name): 2 in use untracked, 2 tracked,
    // 1 idle, max open 12.
    void goDatabaseSqlCollector()
    {
        const QString base = m_apps.start(u"gosql"_s, u"ps_gosql"_s);
        QVERIFY(!base.isEmpty());
        const QJsonObject report = status({
            target(u"billing"_s, base + u"/metrics"_s,
                { { u"tracked"_s, u"app_tracked_connections{db_name=\"billing\"}"_s } }, u"billing"_s, u"ps_gosql"_s),
        });
        QVERIFY(!report.isEmpty());
        verifyTargets(report, { { u"billing"_s, 4, 2, 12.0 } });
        QCOMPARE(byName(report.value(u"targets"_s).toArray(), u"billing"_s).value(u"pool_size"_s).toDouble(), 5.0);
        QCOMPARE(backendsOf(report, u"ps_gosql"_s), 5);
    }
};

QTEST_GUILESS_MAIN(TestPoolSources)
#include "tst_poolsources.moc"
