// Format-1 recordings (SQLite) made by the release before format 2 still open and read exactly as that release
// read them: the CSVs it exported from them then (the CSV files of tests/data/recording-v1, written by `poolscope
// export`) are reproduced byte for byte, and reading changes nothing. demo-40s.sqlite is 40 s of the demo (four
// targets, routes, holders, backends); pgbouncer-5-reads.sqlite is tst_poolerrecording's five pgbouncer reads (one
// failed) with the links of clients to backends. `poolscope convert` rewrites both in format 2, and the converted
// files give the same CSVs and the same moments.

#include "DemoState.h" // poolscopeBinary()
#include "RecordingCompare.h"
#include "TestFiles.h"
#include "export/Exporter.h"
#include "record/RecordingReader.h"
#include "store/Session.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

using namespace Qt::StringLiterals;
using namespace poolscope;
using poolscope::test::readAll;

namespace {

const QString kFixtureDir = QStringLiteral(POOLSCOPE_TEST_DATA_DIR "/recording-v1");

// The first line that differs, for a readable failure.
QString firstDifference(const QByteArray& expected, const QByteArray& actual)
{
    const QList<QByteArray> a = expected.split('\n');
    const QList<QByteArray> b = actual.split('\n');
    for (qsizetype i = 0; i < std::max(a.size(), b.size()); ++i) {
        const QByteArray x = a.value(i);
        const QByteArray y = b.value(i);
        if (x != y)
            return u"line %1: expected \"%2\", got \"%3\""_s.arg(i + 1).arg(
                QString::fromUtf8(x.left(200)), QString::fromUtf8(y.left(200)));
    }
    return {};
}

struct Run
{
    int exitCode = -1;
    QByteArray err;
};

Run runPoolscope(const QStringList& arguments)
{
    QProcess process;
    process.start(poolscope::test::poolscopeBinary(), arguments);
    if (!process.waitForFinished(120'000))
        return { -1, "did not finish: " + process.readAllStandardError() };
    return { process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardError() };
}

} // namespace

class TestRecordingV1 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(u"demo-40s.sqlite"_s);
        QVERIFY(QFile::copy(kFixtureDir + u"/demo-40s.sqlite"_s, m_path));
        m_poolerPath = m_dir.filePath(u"pgbouncer-5-reads.sqlite"_s);
        QVERIFY(QFile::copy(kFixtureDir + u"/pgbouncer-5-reads.sqlite"_s, m_poolerPath));
        m_hash = QCryptographicHash::hash(readAll(m_path), QCryptographicHash::Sha256);
        QVERIFY(!m_hash.isEmpty());
        // Both converted to format 2 by the command line, once for the tests below.
        for (const QString& name : { u"demo-40s"_s, u"pgbouncer-5-reads"_s }) {
            const Run run = runPoolscope(
                { u"convert"_s, m_dir.filePath(name + u".sqlite"_s), u"--out"_s, m_dir.filePath(name + u".psrec"_s) });
            QVERIFY2(run.exitCode == 0, run.err.constData());
            QVERIFY2(run.err.contains("convert: wrote"), run.err.constData());
        }
    }

    void convertedIsFormatTwoOverTheSameTime()
    {
        RecordingReader old;
        RecordingReader converted;
        QVERIFY(old.open(m_path));
        QVERIFY(converted.open(m_dir.filePath(u"demo-40s.psrec"_s)));
        QCOMPARE(converted.formatVersion(), 2);
        QVERIFY2(converted.problems().isEmpty(), qPrintable(converted.problems().join(u'\n')));
        QCOMPARE(converted.timeRange().firstMs, old.timeRange().firstMs);
        QCOMPARE(converted.timeRange().lastMs, old.timeRange().lastMs);
        QCOMPARE(converted.workspace().targets.size(), old.workspace().targets.size());
        // Every moment's backends and routes are the same (each second of the recording).
        for (qint64 t = old.timeRange().firstMs; t <= old.timeRange().lastMs; t += 1000) {
            const ActivitySnapshot a = old.snapshotAt(u"demo"_s, t);
            const ActivitySnapshot b = converted.snapshotAt(u"demo"_s, t);
            QCOMPARE(b.timestampMs, a.timestampMs);
            QVERIFY2(b.backends == a.backends, qPrintable(isoTimestamp(t)));
            QVERIFY(converted.routesAt(u"web"_s, t) == old.routesAt(u"web"_s, t));
        }
    }

    // convert refuses what it must not do, and says why: writing over its input or another recording, or
    // converting what is already format 2.
    void convertRefuses()
    {
        Run run = runPoolscope({ u"convert"_s, m_path, u"--out"_s, m_path });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("is the recording being read"), run.err.constData());
        run = runPoolscope({ u"convert"_s, m_poolerPath, u"--out"_s, m_dir.filePath(u"demo-40s.psrec"_s) });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("a recording is never appended to or overwritten"), run.err.constData());
        run = runPoolscope(
            { u"convert"_s, m_dir.filePath(u"demo-40s.psrec"_s), u"--out"_s, m_dir.filePath(u"again.psrec"_s) });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("is already in format 2"), run.err.constData());
        QVERIFY(!QFile::exists(m_dir.filePath(u"again.psrec"_s)));
    }

    void opensAsFormatOne()
    {
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_path, &error), qPrintable(error));
        QCOMPARE(reader.formatVersion(), 1);
        QVERIFY2(reader.problems().isEmpty(), qPrintable(reader.problems().join(u'\n')));
        QCOMPARE(reader.workspace().targets.size(), 4);
        const RecordingReader::TimeRange range = reader.timeRange();
        QCOMPARE(isoTimestamp(range.firstMs), u"2026-11-30T05:20:47.605Z"_s);
        QVERIFY(range.lastMs - range.firstMs >= 38'000);
        const std::unique_ptr<Session> session = reader.load();
        QCOMPARE(session->targetCount(), 4);
        QCOMPARE(session->target(0).history.size(), std::size_t(41));
    }

    // Opening a recording reads its timeline (read(): format 1 feeds every read as load does; format 2 counts
    // the backends as they change): the same Session as feeding every item (loadInto).
    void timelineReadEqualsFullRead_data()
    {
        QTest::addColumn<QString>("recording");
        for (const QString& name :
            { u"demo-40s.sqlite"_s, u"demo-40s.psrec"_s, u"pgbouncer-5-reads.sqlite"_s, u"pgbouncer-5-reads.psrec"_s })
            QTest::newRow(qPrintable(name)) << name;
    }
    void timelineReadEqualsFullRead()
    {
        QFETCH(QString, recording);
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_dir.filePath(recording), &error), qPrintable(error));
        Session full(reader.workspace());
        Session timeline(reader.workspace());
        QCOMPARE(poolscope::test::readBothWays(reader, &full, &timeline), QString());
        QCOMPARE(poolscope::test::diffSessions(full, timeline), QString());
        qint64 counted = 0;
        for (int t = 0; t < timeline.targetCount(); ++t)
            counted += static_cast<qint64>(timeline.target(t).history.backendCounts().size());
        QVERIFY(counted > 0);
        QVERIFY(!timeline.database(0).lastOk.backends.isEmpty());
    }

    // pgbouncer reads at a moment: a failed read is a gap (the moment shows the read before it), and the
    // servers/clients rows written once apply to the later reads that did not write them again.
    void poolerReadsAtAMoment_data()
    {
        QTest::addColumn<QString>("recording");
        QTest::addColumn<int>("format");
        QTest::newRow("format 1") << u"pgbouncer-5-reads.sqlite"_s << 1;
        QTest::newRow("converted") << u"pgbouncer-5-reads.psrec"_s << 2;
    }
    void poolerReadsAtAMoment()
    {
        QFETCH(QString, recording);
        QFETCH(int, format);
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_dir.filePath(recording), &error), qPrintable(error));
        QCOMPARE(reader.formatVersion(), format);
        QVERIFY(reader.hasPoolerTables());
        const qint64 t0 = QDateTime::fromString(u"2026-11-27T03:12:00Z"_s, Qt::ISODate).toMSecsSinceEpoch();
        const PoolerSnapshot second = reader.poolerSnapshotAt(u"pgb"_s, t0 + 1000);
        QCOMPARE(second.timestampMs, t0 + 1000);
        QCOMPARE(second.servers.size(), 3);
        QCOMPARE(second.clients.size(), 3);
        QCOMPARE(reader.poolerSnapshotAt(u"pgb"_s, t0 + 2000).timestampMs, t0 + 1000);
        const PoolerSnapshot last = reader.poolerSnapshotAt(u"pgb"_s, t0 + 4000);
        QCOMPARE(last.pools.size(), 2);
        QCOMPARE(last.servers.size(), 2);
        QCOMPARE(last.servers.at(1).remotePid, 101);
        QCOMPARE(last.clients.at(1).link, last.servers.at(1).ptr);
        QCOMPARE(reader.poolerSnapshotAt(u"pgb"_s, t0 - 1).timestampMs, 0);
    }

    // Each row: the recording, what to export, the expected file, --at (empty: the whole recording).
    void exportsAsThatReleaseDid_data()
    {
        QTest::addColumn<QString>("recording");
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("at");
        for (const QString& suffix : { u".sqlite"_s, u".psrec"_s }) {
            const QString demo = u"demo-40s"_s + suffix;
            QTest::addRow("timeline %s", qPrintable(suffix)) << demo << u"timeline"_s << u"timeline.csv"_s << QString();
            QTest::addRow("events %s", qPrintable(suffix)) << demo << u"events"_s << u"events.csv"_s << QString();
            QTest::addRow("routes %s", qPrintable(suffix)) << demo << u"routes"_s << u"routes.csv"_s << QString();
            QTest::addRow("holders %s", qPrintable(suffix)) << demo << u"holders"_s << u"holders.csv"_s << QString();
            QTest::addRow("backends, every change %s", qPrintable(suffix))
                << demo << u"backends"_s << u"backends-all.csv"_s << QString();
            QTest::addRow("backends at 05:21:07 %s", qPrintable(suffix))
                << demo << u"backends"_s << u"backends-at.csv"_s << u"2026-11-30T05:21:07Z"_s;
            QTest::addRow("pgbouncer pools %s", qPrintable(suffix))
                << u"pgbouncer-5-reads"_s + suffix << u"poolers"_s << u"pgbouncer-poolers.csv"_s << QString();
        }
    }

    void exportsAsThatReleaseDid()
    {
        QFETCH(QString, recording);
        QFETCH(QString, what);
        QFETCH(QString, expected);
        QFETCH(QString, at);
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_dir.filePath(recording), &error), qPrintable(error));
        ExportOptions options;
        if (!at.isEmpty()) {
            const QDateTime when = QDateTime::fromString(at, Qt::ISODate);
            QVERIFY(when.isValid());
            options.fromMs = options.toMs = when.toMSecsSinceEpoch();
        }
        const QString out = m_dir.filePath(what + u".csv"_s);
        QFile::remove(out);
        bool ok = false;
        if (what == u"timeline"_s || what == u"events"_s || what == u"poolers"_s) {
            const std::unique_ptr<Session> session = reader.load();
            ok = what == u"timeline"_s ? exportTimeline(*session, out, options, &error)
                : what == u"events"_s  ? exportEvents(*session, out, options, &error)
                                       : exportPoolers(*session, out, options, &error);
        } else if (what == u"routes"_s) {
            ok = exportRoutes(reader, out, options, &error);
        } else if (what == u"holders"_s) {
            ok = exportHolders(reader, out, options, &error);
        } else {
            ok = exportBackends(reader, out, options, &error);
        }
        QVERIFY2(ok, qPrintable(error));
        const QByteArray want = readAll(kFixtureDir + u'/' + expected);
        QVERIFY(want.count('\n') >= 1);
        const QByteArray got = readAll(out);
        QVERIFY2(got == want, qPrintable(firstDifference(want, got)));
    }

    // Reading never writes: the file is byte for byte as it was, and nothing was left beside it.
    void readingChangesNothing()
    {
        {
            RecordingReader reader;
            QVERIFY(reader.open(m_path));
            reader.load();
            reader.snapshotAt(u"demo"_s, reader.timeRange().lastMs);
        }
        QCOMPARE(QCryptographicHash::hash(readAll(m_path), QCryptographicHash::Sha256), m_hash);
        const QStringList beside = QDir(m_dir.path()).entryList({ u"*.sqlite*"_s }, QDir::Files, QDir::Name);
        QCOMPARE(beside, (QStringList { u"demo-40s.sqlite"_s, u"pgbouncer-5-reads.sqlite"_s }));
    }

    // A recording interrupted while it was written (its write-ahead log still beside it, as after a kill -9 of
    // the release that wrote format 1) opens with what the log holds, and the file and its log stay as they were:
    // SQLite recovers a private copy.
    void interruptedIsRecoveredInACopy()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"interrupted.sqlite"_s);
        QVERIFY(QFile::copy(kFixtureDir + u"/demo-40s.sqlite"_s, path));
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));
        {
            sqlite3* db = nullptr;
            QCOMPARE(
                sqlite3_open_v2(QFile::encodeName(path).constData(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
            // Closing would otherwise checkpoint the log into the file and delete it.
            QCOMPARE(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr), SQLITE_OK);
            char* message = nullptr;
            const int rc = sqlite3_exec(db,
                "INSERT INTO events(seq, ts, severity, source, kind, message) SELECT 1000000000, MAX(ts), 'warning', "
                "'test', 'note', 'written just before the crash' FROM samples",
                nullptr, nullptr, &message);
            const QByteArray why = message ? QByteArray(message) : QByteArray();
            sqlite3_free(message);
            QVERIFY2(rc == SQLITE_OK, why.constData());
            QCOMPARE(sqlite3_close_v2(db), SQLITE_OK);
        }
        QVERIFY(QFile::exists(path + u"-wal"_s));
        const QStringList before = QDir(dir.path()).entryList(QDir::Files, QDir::Name);
        const QByteArray fileHash = QCryptographicHash::hash(readAll(path), QCryptographicHash::Sha256);
        const QByteArray logHash = QCryptographicHash::hash(readAll(path + u"-wal"_s), QCryptographicHash::Sha256);
        {
            RecordingReader reader;
            QString error;
            QVERIFY2(reader.open(path, &error), qPrintable(error));
            const auto session = reader.load();
            QVERIFY(session);
            QVERIFY(!session->events().isEmpty());
            QCOMPARE(session->events().last().message, u"written just before the crash"_s);
        }
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files, QDir::Name), before);
        QCOMPARE(QCryptographicHash::hash(readAll(path), QCryptographicHash::Sha256), fileHash);
        QCOMPARE(QCryptographicHash::hash(readAll(path + u"-wal"_s), QCryptographicHash::Sha256), logHash);
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
    QString m_poolerPath;
    QByteArray m_hash;
};

QTEST_GUILESS_MAIN(TestRecordingV1)
#include "tst_recordingv1.moc"
