#include "RecordingWalk.h"
#include "SyntheticSession.h"
#include "record/Recorder.h"
#include "record/RecordingReader.h"
#include "store/Session.h"
#include "workspace/WorkspaceFile.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

class tst_Recorder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(u"%1.psrec"_s.arg(QString::fromLatin1(QTest::currentTestFunction())));
    }

    void createsAFileWithHeaderAndMeta()
    {
        SyntheticFeed feed;
        Session session(feed.workspace());
        Recorder recorder(&session);
        QString error;
        QVERIFY2(recorder.open(m_path, &error), qPrintable(error));
        QVERIFY(recorder.isRecording());
        QCOMPARE(recorder.path(), m_path);
        {
            // Already on disk (another process can read it): header, meta, and the empty keyframe of block 1.
            const WalkedRecording walked = walkRecording(m_path);
            QVERIFY2(walked.error.isEmpty(), qPrintable(walked.error));
            QCOMPARE(walked.bytes.left(8), QByteArray("PSREC\r\n\x1a", 8));
            QCOMPARE(walked.bytes.mid(8, 8), QByteArray("\x02\0\0\0\0\0\0\0", 8));
            QCOMPARE(walked.records.size(), 2);
            QCOMPARE(walked.records.at(0).type, recording::RecordType::Meta);
            QCOMPARE(walked.records.at(1).type, recording::RecordType::Keyframe);
            QCOMPARE(walked.meta.value(u"format_version"_s).toInt(), 2);
            QCOMPARE(walked.meta.value(u"application"_s).toString(), u"PoolScope"_s);
            QCOMPARE(walked.meta.value(u"poolscope_version"_s).toString(), QStringLiteral(POOLSCOPE_VERSION));
            QVERIFY(walked.meta.value(u"created_at"_s).toString().endsWith(u'Z'));
            const WorkspaceResult parsed
                = parseWorkspace(walked.meta.value(u"workspace"_s).toString().toUtf8(), u"meta"_s);
            QVERIFY2(parsed.ok(), qPrintable(parsed.errors.join(u'\n')));
            QCOMPARE(*parsed.workspace, feed.workspace());
            QCOMPARE(walked.meta.value(u"targets"_s).toArray().size(), 3);
            QCOMPARE(walked.meta.value(u"databases"_s).toArray().size(), 1);
            QCOMPARE(recorder.bytesWritten(), walked.bytes.size());
        }
        recorder.close();
        QVERIFY(!recorder.isRecording());
    }

    void metaHoldsNoSecret()
    {
        Workspace workspace = syntheticWorkspace(1);
        workspace.databases.first().conninfo = u"host=127.0.0.1 dbname=app user=app password=hunter2"_s;
        Session session(workspace);
        Recorder recorder(&session);
        QVERIFY(recorder.open(m_path));
        recorder.close();
        QFile file(m_path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        QVERIFY(!bytes.contains("hunter2"));
        QVERIFY(bytes.contains("dbname='app'"));
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

    void oneWritePerTick()
    {
        SyntheticFeed feed;
        Session session(feed.workspace());
        Recorder recorder(&session);
        QSignalSpy committed(&recorder, &Recorder::tickCommitted);
        QVERIFY(recorder.open(m_path));
        const qint64 opened = QFileInfo(m_path).size();
        feed.feed(session, 0);
        // Kept in memory until control returns to the event loop, then written as one frame.
        QCOMPARE(QFileInfo(m_path).size(), opened);
        QTRY_COMPARE(committed.count(), 1);
        WalkedRecording walked = walkRecording(m_path);
        QVERIFY2(walked.error.isEmpty(), qPrintable(walked.error));
        QCOMPARE(walked.frames().size(), 1);
        QCOMPARE(walked.items(recording::ItemKind::Sample), 3);
        QCOMPARE(walked.items(recording::ItemKind::Snapshot), 1);
        QCOMPARE(walked.items(recording::ItemKind::Event), 1);
        feed.feed(session, 1);
        QTRY_COMPARE(committed.count(), 2);
        QCOMPARE(recorder.ticksCommitted(), 2);
        walked = walkRecording(m_path);
        QCOMPARE(walked.frames().size(), 2);
        QCOMPARE(walked.items(recording::ItemKind::Sample), 6);
        // Nothing is ever rewritten: what was written is what the file holds.
        QCOMPARE(recorder.bytesWritten(), recorder.fileSize());
        QCOMPARE(recorder.fileSize(), walked.bytes.size());
        // A flush with nothing new writes nothing.
        QVERIFY(recorder.flush());
        QCOMPARE(recorder.ticksCommitted(), 2);
        QCOMPARE(recorder.fileSize(), walked.bytes.size());
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
        recorder.close();
        const WalkedRecording walked = walkRecording(m_path);
        QVERIFY2(walked.error.isEmpty(), qPrintable(walked.error));
        const QList<WalkedRecord> frames = walked.frames();
        QCOMPARE(frames.size(), ticks);
        QCOMPARE(walked.items(recording::ItemKind::Sample), 3 * ticks);
        QCOMPARE(walked.items(recording::ItemKind::Snapshot), ticks);
        // The first frame holds 100 whole backends; each later one the few that changed and the routes whose
        // counters moved: a small fraction of it.
        qint64 later = 0;
        for (qsizetype i = 1; i < frames.size(); ++i)
            later += frames.at(i).size;
        const qint64 average = later / (frames.size() - 1);
        qInfo() << "first frame" << frames.first().size << "bytes, later frames" << average << "bytes on average";
        QVERIFY2(average * 5 < frames.first().size, qPrintable(QString::number(average)));
        // Query texts are interned: each is in the file once per block (keyframe), however many backends ran it
        // (or as many times as the texts that contain it).
        const qsizetype blocks = walked.count(recording::RecordType::Keyframe);
        QVERIFY(blocks >= 1 && blocks <= 3);
        const QStringList queries = SyntheticFeed::queries();
        for (const QString& query : queries) {
            if (query.isEmpty())
                continue;
            const qsizetype containing
                = std::count_if(queries.cbegin(), queries.cend(), [&](const QString& q) { return q.contains(query); });
            QVERIFY2(walked.bytes.count(query.toUtf8()) <= containing * blocks, qPrintable(query));
        }
        // And every snapshot decodes to what the session had.
        QCOMPARE(frames.last().items.at(3).snapshot.backends.size(), 100);
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

        const WalkedRecording walked = walkRecording(m_path);
        QVERIFY2(walked.error.isEmpty(), qPrintable(walked.error));
        QCOMPARE(walked.frames().size(), 3);
        QCOMPARE(walked.frames().at(1).items.first().snapshot.backends, (QList<Backend> { b }));
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
        qInfo() << "killed after tick" << announced;

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_path, &error), qPrintable(error));
        // A write() cut by the kill leaves its record short: it is named and ignored, nothing else is.
        const QStringList problems = reader.problems();
        QVERIFY2(problems.isEmpty() || (problems.size() == 1 && problems.first().contains(u"cut short"_s)),
            qPrintable(problems.join(u'\n')));
        auto session = reader.load();
        QCOMPARE(reader.problems(), problems);
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
