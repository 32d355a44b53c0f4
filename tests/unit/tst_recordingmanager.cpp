// RecordingManager: file naming, pruning of the recordings folder, start/stop with the archive attached;
// and the command line's time and duration arguments (cli/TimeArgument.h).
#include "cli/TimeArgument.h"
#include "record/RecordingManager.h"
#include "store/Session.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {
void writeFile(const QString& path, qint64 size)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.write(QByteArray(size, 'x')) == size);
}

Workspace oneTarget()
{
    Workspace ws;
    TargetConfig t;
    t.name = u"web"_s;
    t.url = u"http://127.0.0.1:1/health"_s;
    ws.targets.append(t);
    return ws;
}
} // namespace

class TestRecordingManager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void namesFilesAfterTheLocalStartTime()
    {
        const QDateTime t(QDate(2026, 11, 27), QTime(3, 12, 5));
        QCOMPARE(RecordingManager::fileNameFor(t), u"poolscope-20261127-031205.psrec"_s);
    }

    void defaultPathIsInTheFolderAndNeverTaken()
    {
        QTemporaryDir dir;
        RecordingManager manager;
        manager.setFolder(dir.path());
        const QString first = manager.defaultPath();
        QCOMPARE(QFileInfo(first).absolutePath(), QFileInfo(dir.path()).absoluteFilePath());
        QVERIFY(QFileInfo(first).fileName().startsWith(u"poolscope-"_s));
        writeFile(first, 10);
        const QString second = manager.defaultPath();
        QVERIFY(second != first);
        QVERIFY2(second.endsWith(u"-2.psrec"_s) || !QFileInfo::exists(second), qPrintable(second));
    }

    void folderFromTheEnvironment()
    {
        QTemporaryDir dir;
        qputenv("POOLSCOPE_RECORDINGS_DIR", dir.path().toUtf8());
        RecordingManager manager;
        QCOMPARE(manager.folder(), dir.path());
        qunsetenv("POOLSCOPE_RECORDINGS_DIR");
        QVERIFY(manager.folder().endsWith(u"/recordings"_s));
    }

    void prunesTheOldestPastTheLimitButNeverTheCurrent()
    {
        QTemporaryDir dir;
        RecordingManager manager;
        manager.setFolder(dir.path());
        manager.setSizeLimit(2500);
        const QDir d(dir.path());
        const QString oldest = d.filePath(u"poolscope-20261101-000000.sqlite"_s);
        const QString older = d.filePath(u"poolscope-20261102-000000.sqlite"_s);
        // Format 1 recordings (SQLite, with a WAL) made before, then format 2 ones.
        const QString newer = d.filePath(u"poolscope-20261103-000000.psrec"_s);
        const QString current = d.filePath(u"poolscope-20261104-000000.psrec"_s);
        const QString unrelated = d.filePath(u"notes.sqlite"_s);
        const QString unrelated2 = d.filePath(u"notes.psrec"_s);
        writeFile(oldest, 1000);
        writeFile(oldest + u"-wal"_s, 200);
        writeFile(older, 1000);
        writeFile(newer, 1000);
        writeFile(current, 1000);
        writeFile(unrelated, 5000);
        writeFile(unrelated2, 5000);

        // 4200 bytes of recordings: the two oldest go (4200 -> 3000 -> 2000), the WAL with its file.
        const QStringList deleted = manager.prune(current);
        QCOMPARE(deleted, QStringList({ QFileInfo(oldest).absoluteFilePath(), QFileInfo(older).absoluteFilePath() }));
        QVERIFY(!QFileInfo::exists(oldest));
        QVERIFY(!QFileInfo::exists(oldest + u"-wal"_s));
        QVERIFY(!QFileInfo::exists(older));
        QVERIFY(QFileInfo::exists(newer));
        QVERIFY(QFileInfo::exists(current));
        QVERIFY(QFileInfo::exists(unrelated));
        QVERIFY(QFileInfo::exists(unrelated2));

        // The current one alone over the limit stays.
        manager.setSizeLimit(10);
        QCOMPARE(manager.prune(current), QStringList { QFileInfo(newer).absoluteFilePath() });
        QVERIFY(QFileInfo::exists(current));
    }

    void startAttachesTheArchiveAndPrunes()
    {
        QTemporaryDir dir;
        const QString old = QDir(dir.path()).filePath(u"poolscope-20200101-000000.sqlite"_s);
        writeFile(old, 4096);
        RecordingManager manager;
        manager.setFolder(dir.path());
        manager.setSizeLimit(1);
        Session session(oneTarget());
        QSignalSpy state(&manager, &RecordingManager::stateChanged);
        QVERIFY2(manager.start(&session), qPrintable(manager.lastError()));
        QVERIFY(manager.isRecording());
        QCOMPARE(state.size(), 1);
        QVERIFY(QFileInfo::exists(manager.path()));
        QVERIFY(!QFileInfo::exists(old));
        QVERIFY(session.archive() != nullptr);

        Sample s;
        s.target = u"web"_s;
        s.timestampMs = 1'800'000'000'000;
        RouteStats r;
        r.name = u"/api/bets"_s;
        r.acquired = 5;
        r.released = 3;
        s.routes.append(r);
        session.addSample(s);
        // Committed when control returns to the event loop; the live archive sees it then.
        QTRY_COMPARE(session.archive()->routesAt(u"web"_s, s.timestampMs).size(), 1);
        QCOMPARE(session.archive()->routesAt(u"web"_s, s.timestampMs).first().name, u"/api/bets"_s);
        QVERIFY(manager.fileSize() > 0);

        manager.stop();
        QVERIFY(!manager.isRecording());
        QCOMPARE(session.archive(), nullptr);
        QCOMPARE(state.size(), 2);
    }

    void startFailsOnAnExistingFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"taken.sqlite"_s);
        writeFile(path, 100);
        RecordingManager manager;
        Session session(oneTarget());
        QSignalSpy failed(&manager, &RecordingManager::failed);
        QVERIFY(!manager.start(&session, path));
        QCOMPARE(failed.size(), 1);
        QVERIFY(failed.first().first().toString().contains(path));
        QVERIFY(!session.events().isEmpty());
        QCOMPARE(session.events().last().kind, u"recording"_s);
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms");
        QTest::addRow("plain") << u"90"_s << qint64(90'000);
        QTest::addRow("seconds") << u"90s"_s << qint64(90'000);
        QTest::addRow("minutes") << u"10m"_s << qint64(600'000);
        QTest::addRow("hours") << u"12h"_s << qint64(43'200'000);
        QTest::addRow("fraction") << u"1.5s"_s << qint64(1500);
        QTest::addRow("bad unit") << u"10x"_s << qint64(-1);
        QTest::addRow("zero") << u"0"_s << qint64(-1);
        QTest::addRow("empty") << QString() << qint64(-1);
    }
    void durations()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        qint64 got = 0;
        QString error;
        const bool ok = parseDuration(text, &got, &error);
        QCOMPARE(ok, ms >= 0);
        if (ok)
            QCOMPARE(got, ms);
        else
            QVERIFY(error.contains(u"--duration"_s));
    }

    void times_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("first");
        QTest::addColumn<qint64>("last");
        QTest::addColumn<qint64>("expected"); // -1: an error
        const qint64 first = QDateTime(QDate(2026, 11, 27), QTime(3, 0)).toMSecsSinceEpoch();
        const qint64 last = QDateTime(QDate(2026, 11, 27), QTime(4, 0)).toMSecsSinceEpoch();
        const qint64 at0312 = QDateTime(QDate(2026, 11, 27), QTime(3, 12)).toMSecsSinceEpoch();
        QTest::addRow("utc") << u"2026-11-27T03:12:00Z"_s << qint64(0) << qint64(0)
                             << QDateTime(QDate(2026, 11, 27), QTime(3, 12), QTimeZone::utc()).toMSecsSinceEpoch();
        QTest::addRow("offset") << u"2026-11-27T04:12:00+01:00"_s << qint64(0) << qint64(0)
                                << QDateTime(QDate(2026, 11, 27), QTime(3, 12), QTimeZone::utc()).toMSecsSinceEpoch();
        QTest::addRow("local iso") << u"2026-11-27T03:12"_s << qint64(0) << qint64(0) << at0312;
        QTest::addRow("space") << u"2026-11-27 03:12:00"_s << qint64(0) << qint64(0) << at0312;
        QTest::addRow("time of day") << u"03:12"_s << first << last << at0312;
        QTest::addRow("with seconds") << u"03:12:30"_s << first << last << at0312 + 30'000;
        QTest::addRow("outside") << u"05:00"_s << first << last << qint64(-1);
        QTest::addRow("bad hour") << u"25:00"_s << first << last << qint64(-1);
        QTest::addRow("garbage") << u"yesterday"_s << first << last << qint64(-1);
        // Spanning midnight: the latest 23:30 inside is the first day's, the latest 00:30 the second day's.
        const qint64 nightFirst = QDateTime(QDate(2026, 11, 26), QTime(23, 0)).toMSecsSinceEpoch();
        const qint64 nightLast = QDateTime(QDate(2026, 11, 28), QTime(1, 0)).toMSecsSinceEpoch();
        QTest::addRow("midnight, late") << u"23:30"_s << nightFirst << nightLast
                                        << QDateTime(QDate(2026, 11, 27), QTime(23, 30)).toMSecsSinceEpoch();
        QTest::addRow("midnight, early") << u"00:30"_s << nightFirst << nightLast
                                         << QDateTime(QDate(2026, 11, 28), QTime(0, 30)).toMSecsSinceEpoch();
    }
    void times()
    {
        QFETCH(QString, text);
        QFETCH(qint64, first);
        QFETCH(qint64, last);
        QFETCH(qint64, expected);
        qint64 got = 0;
        QString error;
        const bool ok = parseTimeArgument(u"--at"_s, text, first, last, false, &got, &error);
        QVERIFY2(ok == (expected >= 0), qPrintable(error));
        if (ok)
            QCOMPARE(got, expected);
        else
            QVERIFY2(error.startsWith(u"--at: "_s), qPrintable(error));
    }

    void isoOutsideTheRecordingWhenItMustBeInside()
    {
        qint64 got = 0;
        QString error;
        QVERIFY(!parseTimeArgument(
            u"--at"_s, u"2020-01-01T00:00:00Z"_s, 1'800'000'000'000, 1'800'000'060'000, true, &got, &error));
        QVERIFY2(error.contains(u"outside the recording"_s), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestRecordingManager)
#include "tst_recordingmanager.moc"
