// File ▸ Save / Save As and the thresholds written back: what is written loads back as the same workspace,
// ${env:NAME} references stay as written, a literal secret is refused with the file untouched; the recent
// workspaces list (QSettings, in a temporary location).
#include "TestFiles.h"
#include "workspace/RecentWorkspaces.h"
#include "workspace/WorkspaceEdit.h"
#include "workspace/WorkspaceFile.h"

#include <QCoreApplication>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;
using poolscope::test::readAll;
using poolscope::test::writeFile;

namespace {

Workspace sample()
{
    Workspace ws;
    TargetConfig web;
    web.name = u"web"_s;
    web.url = u"http://127.0.0.1:8000/health?verbose=1"_s;
    web.profile = u"psycopg_pool"_s;
    web.intervalMs = 1500;
    web.timeoutMs = 1000;
    web.headers.insert(u"Authorization"_s, u"Bearer ${env:POOLSCOPE_SAVE_TOKEN}"_s);
    web.headers.insert(u"Accept"_s, u"application/json"_s);
    web.fields.insert(u"tracked"_s, u"/app/tracked"_s);
    web.pool = u"main"_s;
    TargetConfig worker = web;
    worker.name = u"worker"_s;
    worker.headers.clear();
    worker.fields.clear();
    worker.applicationName = u"worker-app"_s;
    DatabaseConfig db;
    db.name = u"main"_s;
    db.conninfo = u"host=127.0.0.1 dbname=app user=${env:POOLSCOPE_SAVE_USER}"_s;
    db.intervalMs = 5000;
    ws.targets = { web, worker };
    ws.databases = { db };
    ws.thresholds.discrepancyWarning = 7;
    ws.thresholds.discrepancyCritical = 12.5;
    ws.thresholds.growthWarningPerHour = 0.5;
    return ws;
}

} // namespace

class TestWorkspaceSave : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_settings.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settings.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
        QCoreApplication::setOrganizationName(u"PoolScopeTest"_s);
        QCoreApplication::setApplicationName(u"tst_workspacesave"_s);
    }

    void loadSaveLoadIsIdentical()
    {
        QTemporaryDir dir;
        const QString first = dir.filePath(u"first.json"_s);
        Workspace ws = sample();
        QVERIFY(validateWorkspace(ws).isEmpty());
        const WorkspaceResult saved = saveWorkspace(ws, first);
        QVERIFY2(saved.ok(), qPrintable(saved.errors.join(u'\n')));
        QCOMPARE(saved.workspace->path, first);

        const WorkspaceResult loaded = loadWorkspace(first);
        QVERIFY2(loaded.ok(), qPrintable(loaded.errors.join(u'\n')));
        QCOMPARE(*loaded.workspace, ws);
        // Saved again (Save As elsewhere): byte for byte the same text, and it loads as the same workspace.
        const QString second = dir.filePath(u"second.json"_s);
        QVERIFY(saveWorkspace(*loaded.workspace, second).ok());
        QCOMPARE(readAll(second), readAll(first));
        QCOMPARE(*loadWorkspace(second).workspace, ws);
        // The references are written as references, never expanded.
        qputenv("POOLSCOPE_SAVE_TOKEN", "s3cret-token");
        QVERIFY(saveWorkspace(*loaded.workspace, second).ok());
        qunsetenv("POOLSCOPE_SAVE_TOKEN");
        const QByteArray text = readAll(second);
        QVERIFY(text.contains("Bearer ${env:POOLSCOPE_SAVE_TOKEN}"));
        QVERIFY(text.contains("user=${env:POOLSCOPE_SAVE_USER}"));
        QVERIFY(!text.contains("s3cret-token"));
    }

    void refusesLiteralSecrets_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<QString>("place");
        const QString url = u"http://127.0.0.1:8000/health"_s;
        const QString conninfo = u"host=127.0.0.1 dbname=app"_s;
        QTest::addRow("bearer token") << u"Authorization"_s << u"Bearer abc123"_s << url << conninfo
                                      << u"targets[0].headers.Authorization"_s;
        QTest::addRow("token header") << u"X-Api-Token"_s << u"abc123"_s << url << conninfo
                                      << u"targets[0].headers.X-Api-Token"_s;
        QTest::addRow("reference and literal") << u"Authorization"_s << u"Basic ${env:U}:hunter2"_s << url << conninfo
                                               << u"targets[0].headers.Authorization"_s;
        QTest::addRow("cookie") << u"Cookie"_s << u"session=1"_s << url << conninfo << u"targets[0].headers.Cookie"_s;
        QTest::addRow("url password") << QString() << QString() << u"http://me:pw@127.0.0.1:8000/health"_s << conninfo
                                      << u"targets[0].url"_s;
        QTest::addRow("url token") << QString() << QString() << u"http://127.0.0.1:8000/health?token=abc"_s << conninfo
                                   << u"targets[0].url"_s;
        QTest::addRow("conninfo password")
            << QString() << QString() << url << u"host=127.0.0.1 password=pw"_s << u"databases[0].conninfo"_s;
    }

    void refusesLiteralSecrets()
    {
        QFETCH(QString, header);
        QFETCH(QString, value);
        QFETCH(QString, url);
        QFETCH(QString, conninfo);
        QFETCH(QString, place);
        Workspace ws = sample();
        ws.targets[0].url = url;
        if (!header.isEmpty())
            ws.targets[0].headers.insert(header, value);
        ws.databases[0].conninfo = conninfo;
        QVERIFY(!literalSecrets(ws).isEmpty());
        QVERIFY2(literalSecrets(ws).first().startsWith(place + u": "_s), qPrintable(literalSecrets(ws).join(u'\n')));

        QTemporaryDir dir;
        const QString path = dir.filePath(u"workspace.json"_s);
        QVERIFY(writeFile(path, "untouched"));
        const WorkspaceResult saved = saveWorkspace(ws, path);
        QVERIFY(!saved.ok());
        QVERIFY2(saved.errors.join(u'\n').contains(path + u": "_s + place), qPrintable(saved.errors.join(u'\n')));
        QCOMPARE(readAll(path), QByteArray("untouched"));
    }

    void keepsReferencesAndHarmlessHeaders()
    {
        Workspace ws = sample();
        ws.targets[0].headers.insert(u"X-Api-Key"_s, u"${env:KEY}"_s);
        ws.targets[0].headers.insert(u"User-Agent"_s, u"poolscope 1.0"_s);
        QCOMPARE(literalSecrets(ws), QStringList());
    }

    void refusesAnInvalidWorkspace()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"workspace.json"_s);
        Workspace ws = sample();
        ws.targets[1].name = u"web"_s;
        const WorkspaceResult saved = saveWorkspace(ws, path);
        QVERIFY(!saved.ok());
        QVERIFY2(saved.errors.first().contains(u"targets[1].name: \"web\" is used by another target"_s),
            qPrintable(saved.errors.join(u'\n')));
        QVERIFY(!QFile::exists(path));
    }

    void thresholdsAreWrittenBack()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"workspace.json"_s);
        Workspace ws = sample();
        QVERIFY(validateWorkspace(ws).isEmpty()); // the defaults a loaded workspace has
        QVERIFY(saveWorkspace(ws, path).ok());
        Thresholds thresholds;
        thresholds.discrepancyWarning = 3;
        thresholds.discrepancyCritical = 4;
        thresholds.growthWarningPerHour = 2.5;
        const WorkspaceResult written = writeThresholds(path, thresholds);
        QVERIFY2(written.ok(), qPrintable(written.errors.join(u'\n')));
        const WorkspaceResult reloaded = loadWorkspace(path);
        QVERIFY(reloaded.ok());
        QCOMPARE(reloaded.workspace->thresholds, thresholds);
        Workspace expected = ws;
        expected.thresholds = thresholds;
        QCOMPARE(*reloaded.workspace, expected);

        thresholds.discrepancyCritical = 1; // below warning: refused, the file keeps what it had
        QVERIFY(!writeThresholds(path, thresholds).ok());
        QCOMPARE(loadWorkspace(path).workspace->thresholds.discrepancyCritical, 4.0);
        QVERIFY(!writeThresholds(QString(), thresholds).ok());
    }

    void recentWorkspacesMostRecentFirst()
    {
        QCOMPARE(RecentWorkspaces::paths(), QStringList());
        QCOMPARE(RecentWorkspaces::last(), QString());
        QTemporaryDir dir;
        for (int i = 0; i < RecentWorkspaces::kMax + 2; ++i)
            RecentWorkspaces::add(dir.filePath(u"ws%1.json"_s.arg(i)));
        QStringList paths = RecentWorkspaces::paths();
        QCOMPARE(paths.size(), RecentWorkspaces::kMax);
        QCOMPARE(paths.first(), dir.filePath(u"ws%1.json"_s.arg(RecentWorkspaces::kMax + 1)));
        RecentWorkspaces::add(dir.filePath(u"ws5.json"_s));
        QCOMPARE(RecentWorkspaces::last(), dir.filePath(u"ws5.json"_s));
        QCOMPARE(RecentWorkspaces::paths().count(dir.filePath(u"ws5.json"_s)), 1);
        RecentWorkspaces::remove(dir.filePath(u"ws5.json"_s));
        QVERIFY(!RecentWorkspaces::paths().contains(dir.filePath(u"ws5.json"_s)));
        // Stored where the test put QSettings, never in the user's configuration.
        QVERIFY(QSettings().fileName().startsWith(m_settings.path()));
    }

private:
    QTemporaryDir m_settings;
};

QTEST_GUILESS_MAIN(TestWorkspaceSave)
#include "tst_workspacesave.moc"
