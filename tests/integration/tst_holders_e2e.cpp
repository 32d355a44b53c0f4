// Issue 10, "Must show": the Python probe (resources/probes/poolscope_probe.py) on a real psycopg_pool service and
// a real SQLAlchemy QueuePool (tests/integration/pool_apps.py probe-psycopg / probe-sqlalchemy), watched by
// `poolscope explain --json` against the demo's PostgreSQL: the suspects are exactly the connections the app
// holds outside its tracking (precision and recall 100 %), each with the file:line that took it, within two
// polls; a dead connection kept in the pool and a connection outside the pool are disagreements.
#include "DemoState.h"
#include "PoolApps.h"

#include <QFile>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope::test;

class TestHoldersE2e : public QObject
{
    Q_OBJECT

    PoolApps m_apps;

    // `poolscope explain WORKSPACE --json --watch 3` with 1 s polls: at most about three polls of each source.
    QJsonObject explain(const QString& name, const QString& url, const QString& appName)
    {
        QTemporaryDir dir;
        QFile file(dir.filePath(u"ws.json"_s));
        if (!file.open(QIODevice::WriteOnly))
            return {};
        const QJsonObject workspace {
            { u"version"_s, 1 },
            { u"targets"_s,
                QJsonArray {
                    QJsonObject { { u"name"_s, name }, { u"url"_s, QString(url + u"/health"_s) }, { u"interval"_s, 1 },
                        { u"timeout"_s, 5 }, { u"application_name"_s, appName }, { u"database"_s, u"pg"_s } } } },
            { u"databases"_s,
                QJsonArray { QJsonObject {
                    { u"name"_s, u"pg"_s }, { u"conninfo"_s, m_apps.conninfo() }, { u"interval"_s, 1 } } } },
            { u"thresholds"_s, QJsonObject { { u"discrepancy_warning"_s, 50 }, { u"discrepancy_critical"_s, 60 } } },
        };
        file.write(QJsonDocument(workspace).toJson());
        file.close();
        const PoolscopeRun run
            = runPoolscope({ u"explain"_s, file.fileName(), u"--json"_s, u"--watch"_s, u"3"_s }, 90000);
        if (run.exitCode < 0 || run.exitCode > 2) {
            qWarning("explain exited %d: %s\n%s", run.exitCode, run.err.constData(), run.out.constData());
            return {};
        }
        return byName(QJsonDocument::fromJson(run.out).object().value(u"targets"_s).toArray(), name);
    }

    void verifyExact(const QString& kind, const QString& appName, bool withDisagreements)
    {
        const QString url = m_apps.start(kind, appName);
        QVERIFY(!url.isEmpty());
        QString error;
        const QJsonObject truth = fetchJson(url + u"/truth"_s, &error).object();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QJsonObject untracked = truth.value(u"untracked"_s).toObject();
        QCOMPARE(untracked.size(), 3);

        const QJsonObject target = explain(kind, url, appName);
        const QByteArray where = QJsonDocument(target).toJson(QJsonDocument::Indented);
        QVERIFY2(target.value(u"holders_reported"_s).toBool(), where.constData());
        const QJsonArray suspects = target.value(u"suspects"_s).toArray();
        QSet<QString> found;
        for (const auto& value : suspects) {
            const QJsonObject s = value.toObject();
            const QString pid = QString::number(s.value(u"pid"_s).toInt());
            QVERIFY2(untracked.contains(pid),
                qPrintable(u"suspect %1 is not held untracked\n"_s.arg(pid) + QString::fromUtf8(where)));
            const QJsonObject holder = s.value(u"holder"_s).toObject();
            QCOMPARE(holder.value(u"backend_pid"_s).toInt(), s.value(u"pid"_s).toInt());
            QCOMPARE(holder.value(u"tracked"_s).toBool(), false);
            QCOMPARE(holder.value(u"location"_s).toString(), untracked.value(pid).toString());
            QVERIFY(!holder.value(u"acquired_at"_s).toString().isEmpty());
            found.insert(pid);
        }
        QCOMPARE(found.size(), untracked.size()); // recall: every one is named
        QVERIFY2(target.value(u"summary"_s).toString().contains(u"held connections reported by the app"_s),
            where.constData());

        QSet<int> dead;
        QSet<int> outside;
        for (const auto& value : target.value(u"disagreements"_s).toArray()) {
            const QJsonObject d = value.toObject();
            (d.value(u"kind"_s).toString() == u"claimed_not_shown"_s ? dead : outside)
                .insert(d.value(u"pid"_s).toInt());
        }
        QSet<int> expectedDead;
        for (const auto& pid : truth.value(u"dead"_s).toArray())
            expectedDead.insert(pid.toInt());
        QSet<int> expectedOutside;
        for (const auto& pid : truth.value(u"outside"_s).toArray())
            expectedOutside.insert(pid.toInt());
        QCOMPARE(dead, expectedDead);
        QCOMPARE(outside, expectedOutside);
        if (!withDisagreements) {
            QCOMPARE(target.value(u"confidence"_s).toString(), u"exact"_s);
            QVERIFY2(
                target.value(u"summary"_s).toString().startsWith(u"3 of 3 held connections reported by the app: "_s),
                where.constData());
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_apps.readDemo(&error), qPrintable(error));
    }

    void cleanupTestCase() { m_apps.stopAll(); }

    void psycopgPool() { verifyExact(u"probe-psycopg"_s, u"holders_psycopg"_s, true); }
    void sqlAlchemy() { verifyExact(u"probe-sqlalchemy"_s, u"holders_sqlalchemy"_s, false); }
};

QTEST_GUILESS_MAIN(TestHoldersE2e)
#include "tst_holders_e2e.moc"
