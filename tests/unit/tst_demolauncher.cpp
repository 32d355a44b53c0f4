// DemoLauncher starts and stops the demo without blocking: stop() returns at once, `stopped` follows when
// the child has exited; a child that ignores its closed stdin is terminated after the grace period.
// The demo here is a stand-in demo.py (POOLSCOPE_DEMO_DIR) so that no PostgreSQL is needed.

#include "demo/DemoLauncher.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {
// Announces its workspace, then either waits for stdin to close (a well-behaved demo) or ignores it.
QByteArray standIn(bool ignoresStdin)
{
    QByteArray script = "import sys, time\nprint('POOLSCOPE_DEMO_WORKSPACE=/nowhere/workspace.json', flush=True)\n";
    script += ignoresStdin ? "sys.stdin.read()\ntime.sleep(600)\n" : "sys.stdin.read()\n";
    return script;
}
} // namespace

class tst_DemoLauncher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stopsWhenStdinCloses_data()
    {
        QTest::addColumn<bool>("ignoresStdin");
        QTest::addRow("well-behaved") << false;
        QTest::addRow("ignores stdin: terminated after the grace period") << true;
    }
    void stopsWhenStdinCloses()
    {
        QFETCH(bool, ignoresStdin);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile script(dir.filePath(u"demo.py"_s));
        QVERIFY(script.open(QIODevice::WriteOnly));
        script.write(standIn(ignoresStdin));
        script.close();
        qputenv("POOLSCOPE_DEMO_DIR", QFile::encodeName(dir.path()));

        DemoLauncher demo;
        QSignalSpy ready(&demo, &DemoLauncher::ready);
        QSignalSpy stopped(&demo, &DemoLauncher::stopped);
        demo.start();
        QTRY_COMPARE_WITH_TIMEOUT(ready.size(), 1, 30000);
        QCOMPARE(ready.at(0).at(0).toString(), u"/nowhere/workspace.json"_s);
        QVERIFY(demo.isRunning());

        demo.stop(300);
        QVERIFY(stopped.isEmpty()); // returned without waiting for the child
        QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 30000);
        QVERIFY(!demo.isRunning());
    }

    void stopWhenNotRunningSaysStopped()
    {
        DemoLauncher demo;
        QSignalSpy stopped(&demo, &DemoLauncher::stopped);
        demo.stop();
        QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 10000);
    }
};

QTEST_GUILESS_MAIN(tst_DemoLauncher)
#include "tst_demolauncher.moc"
