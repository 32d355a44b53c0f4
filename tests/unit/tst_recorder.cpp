#include "SyntheticSession.h"
#include "record/Recorder.h"
#include "record/RecordingReader.h"
#include "store/Session.h"
#include "workspace/WorkspaceFile.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

namespace {

// A second, independent connection to the recording, as another process would see it.
class Peek
{
public:
    explicit Peek(const QString& path)
    {
        sqlite3_open_v2(QFile::encodeName(path).constData(), &m_db, SQLITE_OPEN_READONLY, nullptr);
    }
    ~Peek() { sqlite3_close(m_db); }
    int integer(const char* sql) const
    {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr) != SQLITE_OK)
            return -1000;
        int value = -1;
        if (sqlite3_step(stmt) == SQLITE_ROW)
            value = sqlite3_column_int(stmt, 0);
        sqlite3_finalize(stmt);
        return value;
    }
    QString text(const char* sql) const
    {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr) != SQLITE_OK)
            return u"<error>"_s;
        QString value;
        if (sqlite3_step(stmt) == SQLITE_ROW)
            value = QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
        sqlite3_finalize(stmt);
        return value;
    }

private:
    sqlite3* m_db = nullptr;
};

} // namespace

class tst_Recorder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(u"%1.psrec"_s.arg(QString::fromLatin1(QTest::currentTestFunction())));
    }

    void createsAWalFileWithMeta()
    {
        SyntheticFeed feed;
        Session session(feed.workspace());
        Recorder recorder(&session);
        QString error;
        QVERIFY2(recorder.open(m_path, &error), qPrintable(error));
        QVERIFY(recorder.isRecording());
        QCOMPARE(recorder.path(), m_path);
        {
            Peek peek(m_path);
            QCOMPARE(peek.text("PRAGMA journal_mode"), u"wal"_s);
            QCOMPARE(peek.integer("PRAGMA application_id"), 0x50534352);
            QCOMPARE(peek.integer("PRAGMA user_version"), 1);
            QCOMPARE(peek.text("SELECT value FROM meta WHERE key = 'format_version'"), u"1"_s);
            QCOMPARE(
                peek.text("SELECT value FROM meta WHERE key = 'poolscope_version'"), QStringLiteral(POOLSCOPE_VERSION));
            QVERIFY(peek.text("SELECT value FROM meta WHERE key = 'created_at'").endsWith(u'Z'));
            const QString json = peek.text("SELECT value FROM meta WHERE key = 'workspace'");
            const WorkspaceResult parsed = parseWorkspace(json.toUtf8(), u"meta"_s);
            QVERIFY2(parsed.ok(), qPrintable(parsed.errors.join(u'\n')));
            QCOMPARE(*parsed.workspace, feed.workspace());
            QCOMPARE(peek.integer("SELECT COUNT(*) FROM targets"), 3);
            QCOMPARE(peek.integer("SELECT COUNT(*) FROM databases"), 1);
        }
        recorder.close();
        QVERIFY(!recorder.isRecording());
    }

    void refusesAnExistingFile()
    {
        QFile file(m_path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("precious");
        file.close();
        Session session(syntheticWorkspace(1));
        Recorder recorder(&session);
        QString error;
        QVERIFY(!recorder.open(m_path, &error));
        QVERIFY2(error.startsWith(m_path + u" already exists"_s), qPrintable(error));
        QVERIFY(!recorder.isRecording());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("precious"));
    }

    void reportsAnUnwritablePlace()
    {
        Session session(syntheticWorkspace(1));
        Recorder recorder(&session);
        QString error;
        const QString path = m_dir.filePath(u"no/such/dir/x.psrec"_s);
        QVERIFY(!recorder.open(path, &error));
        QVERIFY2(error.contains(path), qPrintable(error));
    }

    void oneTransactionPerTick()
    {
        SyntheticFeed feed;
        Session session(feed.workspace());
        Recorder recorder(&session);
        QSignalSpy committed(&recorder, &Recorder::tickCommitted);
        QVERIFY(recorder.open(m_path));
        Peek peek(m_path);
        feed.feed(session, 0);
        // Written but not committed until control returns to the event loop.
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM samples"), 0);
        QTRY_COMPARE(committed.count(), 1);
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM samples"), 3);
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM snapshots"), 1);
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM events"), 1);
        feed.feed(session, 1);
        QTRY_COMPARE(committed.count(), 2);
        QCOMPARE(recorder.ticksCommitted(), 2);
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM samples"), 6);
        QVERIFY(recorder.bytesWritten() > 0);
        QVERIFY(recorder.fileSize() > 0);
    }

    void storesChangesOnly()
    {
        SyntheticOptions options;
        options.backends = 100;
        options.changeFraction = 0.02; // 2 backends change per tick
        options.churnEvery = 0;
        options.snapshotFailEvery = 0;
        options.failEvery = 0;
        options.eventEvery = 0;
        SyntheticFeed feed(options);
        Session session(feed.workspace());
        Recorder recorder(&session);
        QVERIFY(recorder.open(m_path));
        const int ticks = 50;
        for (int tick = 0; tick < ticks; ++tick) {
            feed.feed(session, tick);
            recorder.flush();
        }
        Peek peek(m_path);
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM samples"), 3 * ticks);
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM backends"), 100);
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM backend_changes WHERE kind = 0"), 100);
        // At most 2 changes per tick after the first (a random pick may hit the same backend twice,
        // or change nothing visible).
        const int changed = peek.integer("SELECT COUNT(*) FROM backend_changes WHERE kind = 1");
        QVERIFY2(changed > ticks && changed <= 2 * (ticks - 1), qPrintable(QString::number(changed)));
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM backend_changes WHERE kind = 2"), 0);
        // Query texts are stored once.
        QVERIFY(peek.integer("SELECT COUNT(*) FROM texts") <= SyntheticFeed::queries().size());
        // Routes: far fewer rows than routes x samples (only changed counters are written).
        const int routeRows = peek.integer("SELECT COUNT(*) FROM route_changes");
        QVERIFY2(routeRows < 10 * 3 * ticks * 6 / 10, qPrintable(QString::number(routeRows)));
        QVERIFY(routeRows >= 10 * 3);
    }

    void backendLeavingIsRecorded()
    {
        Workspace workspace = syntheticWorkspace(1);
        Session session(workspace);
        Recorder recorder(&session);
        QVERIFY(recorder.open(m_path));
        ActivitySnapshot snapshot;
        snapshot.database = u"main"_s;
        Backend a;
        a.pid = 1;
        a.backendStartMs = 1000;
        a.state = u"idle"_s;
        Backend b = a;
        b.pid = 2;
        snapshot.timestampMs = 10'000;
        snapshot.backends = { a, b };
        session.addSnapshot(snapshot);
        recorder.flush();
        snapshot.timestampMs = 12'000;
        snapshot.backends = { b };
        session.addSnapshot(snapshot);
        recorder.flush();
        // pid 2 restarted with a new backend_start: a different backend.
        Backend c = b;
        c.backendStartMs = 11'500;
        snapshot.timestampMs = 14'000;
        snapshot.backends = { c };
        session.addSnapshot(snapshot);
        recorder.close();

        Peek peek(m_path);
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM backends"), 3);
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM backend_changes WHERE kind = 2"), 2);
        QCOMPARE(peek.integer("SELECT COUNT(*) FROM backend_changes WHERE kind = 1"), 0);
        RecordingReader reader;
        QVERIFY(reader.open(m_path));
        QCOMPARE(reader.snapshotAt(u"main"_s, 10'000).backends, (QList<Backend> { a, b }));
        QCOMPARE(reader.snapshotAt(u"main"_s, 13'999).backends, (QList<Backend> { b }));
        QCOMPARE(reader.snapshotAt(u"main"_s, 14'000).backends, (QList<Backend> { c }));
    }

    void stopsWhenTheFileIsRemoved()
    {
        SyntheticFeed feed;
        Session session(feed.workspace());
        Recorder recorder(&session);
        QSignalSpy failed(&recorder, &Recorder::failed);
        QVERIFY(recorder.open(m_path));
        feed.feed(session, 0);
        QVERIFY(recorder.flush());
        QVERIFY(QFile::remove(m_path));
        feed.feed(session, 1);
        QTRY_COMPARE(failed.count(), 1);
        const QString message = failed.at(0).at(0).toString();
        QVERIFY2(message.contains(m_path) && message.contains(u"removed"_s), qPrintable(message));
        QVERIFY(!recorder.isRecording());
        QCOMPARE(recorder.lastError(), message);
        // The live session goes on.
        feed.feed(session, 2);
        QCOMPARE(session.target(0).history.size(), std::size_t(3));
        QCOMPARE(failed.count(), 1);
    }

    void survivesKillDashNine()
    {
        QProcess child;
        child.setProgram(QStringLiteral(RECORDER_CHILD));
        child.setArguments({ m_path, u"1000000"_s });
        child.setProcessChannelMode(QProcess::SeparateChannels);
        int announced = -1;
        QByteArray pending;
        auto readTicks = [&] {
            pending += child.readAllStandardOutput();
            qsizetype newline = 0;
            while ((newline = pending.indexOf('\n')) >= 0) {
                const QByteArray line = pending.left(newline);
                pending.remove(0, newline + 1);
                if (line.startsWith("tick "))
                    announced = line.mid(5).toInt();
            }
        };
        connect(&child, &QProcess::readyReadStandardOutput, this, readTicks);
        child.start();
        QVERIFY2(child.waitForStarted(10'000), qPrintable(child.errorString()));
        QTRY_VERIFY_WITH_TIMEOUT(announced >= 60, 30'000);
        child.kill(); // SIGKILL: no chance to commit, close or checkpoint
        QVERIFY(child.waitForFinished(10'000));
        readTicks();
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        QVERIFY(QFile::exists(m_path + u"-wal"_s));
        qInfo() << "killed after tick" << announced;

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_path, &error), qPrintable(error));
        QVERIFY2(reader.problems().isEmpty(), qPrintable(reader.problems().join(u'\n')));
        auto session = reader.load();
        QVERIFY(reader.problems().isEmpty());
        // Every announced tick is there; at most the one in flight (committed, not yet announced) more,
        // and never half a tick.
        const auto& history = session->target(0).history;
        const qint64 ticksInFile = static_cast<qint64>(history.size());
        QVERIFY2(ticksInFile >= announced + 1 && ticksInFile <= announced + 2,
            qPrintable(u"announced %1, file holds %2"_s.arg(announced + 1).arg(ticksInFile)));
        for (int t = 0; t < session->targetCount(); ++t)
            QCOMPARE(static_cast<qint64>(session->target(t).history.size()), ticksInFile);
        QCOMPARE(static_cast<qint64>(history.backendCountTimes().size()), ticksInFile);
        SyntheticOptions options;
        options.backends = 200;
        SyntheticFeed feed(options);
        for (qint64 tick = 0; tick < ticksInFile; ++tick)
            QCOMPARE(history.times()[static_cast<std::size_t>(tick)], feed.tickTime(static_cast<int>(tick)));
        // The rebuilt backends of the last tick are what the child saw.
        Session replayed(feed.workspace());
        for (qint64 tick = 0; tick < ticksInFile; ++tick)
            feed.feed(replayed, static_cast<int>(tick));
        QCOMPARE(session->database(0).lastOk.backends.size(), replayed.database(0).lastOk.backends.size());
        QCOMPARE(session->database(0).lastOk.timestampMs, replayed.database(0).lastOk.timestampMs);
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
};

QTEST_GUILESS_MAIN(tst_Recorder)
#include "tst_recorder.moc"
