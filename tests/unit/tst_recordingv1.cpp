// Format-1 recordings (SQLite) made by the release before format 2 still open and read exactly as that release
// read them: the CSVs it exported from them then (the CSV files of tests/data/recording-v1, written by `poolscope
// export`) are reproduced byte for byte, and reading changes nothing. demo-40s.psrec is 40 s of the demo (four
// targets, routes, holders, backends); pgbouncer-5-reads.psrec is tst_poolerrecording's five pgbouncer reads (one
// failed) with the links of clients to backends. Converted to format 2 (a Session fed item by item with a
// Recorder attached), they export the same CSVs.

#include "export/Exporter.h"
#include "record/Recorder.h"
#include "record/RecordingReader.h"
#include "store/Session.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

const QString kFixtureDir = QStringLiteral(POOLSCOPE_TEST_DATA_DIR "/recording-v1");

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

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

} // namespace

class TestRecordingV1 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(u"demo-40s.psrec"_s);
        QVERIFY(QFile::copy(kFixtureDir + u"/demo-40s.psrec"_s, m_path));
        m_poolerPath = m_dir.filePath(u"pgbouncer-5-reads.psrec"_s);
        QVERIFY(QFile::copy(kFixtureDir + u"/pgbouncer-5-reads.psrec"_s, m_poolerPath));
        m_hash = QCryptographicHash::hash(readAll(m_path), QCryptographicHash::Sha256);
        QVERIFY(!m_hash.isEmpty());
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

    // pgbouncer reads at a moment: a failed read is a gap (the moment shows the read before it), and the
    // servers/clients rows written once apply to the later reads that did not write them again.
    void poolerReadsAtAMoment()
    {
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_poolerPath, &error), qPrintable(error));
        QCOMPARE(reader.formatVersion(), 1);
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
        const QString demo = u"demo-40s.psrec"_s;
        QTest::newRow("timeline") << demo << u"timeline"_s << u"timeline.csv"_s << QString();
        QTest::newRow("events") << demo << u"events"_s << u"events.csv"_s << QString();
        QTest::newRow("routes") << demo << u"routes"_s << u"routes.csv"_s << QString();
        QTest::newRow("holders") << demo << u"holders"_s << u"holders.csv"_s << QString();
        QTest::newRow("backends, every change") << demo << u"backends"_s << u"backends-all.csv"_s << QString();
        QTest::newRow("backends at 05:21:07")
            << demo << u"backends"_s << u"backends-at.csv"_s << u"2026-11-30T05:21:07Z"_s;
        QTest::newRow("pgbouncer pools") << u"pgbouncer-5-reads.psrec"_s << u"poolers"_s << u"pgbouncer-poolers.csv"_s
                                         << QString();
    }

    void exportsAsThatReleaseDid()
    {
        QFETCH(QString, recording);
        exportAndCompare(m_dir.filePath(recording));
    }

    // What `poolscope convert` will do: the format 1 recording fed to a Session item by item with a Recorder
    // attached (a frame per item here). The format 2 file exports exactly what that release exported.
    void convertedToFormatTwoExportsTheSame_data() { exportsAsThatReleaseDid_data(); }

    void convertedToFormatTwoExportsTheSame()
    {
        QFETCH(QString, recording);
        QTemporaryDir dir; // not beside the fixtures: readingChangesNothing lists them
        QVERIFY(dir.isValid());
        const QString converted = dir.filePath(u"converted.psrec"_s);
        {
            RecordingReader v1;
            QString error;
            QVERIFY2(v1.open(m_dir.filePath(recording), &error), qPrintable(error));
            Session session(v1.workspace());
            Recorder recorder(&session);
            // Connected before the Recorder's own slots: each item flushes the ones before it.
            QObject context;
            const auto flush = [&recorder] { recorder.flush(); };
            connect(&session, &Session::sampleAdded, &context, flush);
            connect(&session, &Session::snapshotAdded, &context, flush);
            connect(&session, &Session::eventAdded, &context, flush);
            connect(&session, &Session::poolerSnapshotAdded, &context, flush);
            QVERIFY2(recorder.open(converted, &error), qPrintable(error));
            QVERIFY(v1.loadInto(session));
            recorder.close();
            QVERIFY(recorder.lastError().isEmpty());
        }
        RecordingReader v2;
        QVERIFY(v2.open(converted));
        QCOMPARE(v2.formatVersion(), 2);
        QVERIFY2(v2.problems().isEmpty(), qPrintable(v2.problems().join(u'\n')));
        exportAndCompare(converted);
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
        const QStringList beside = QDir(m_dir.path()).entryList({ u"*.psrec*"_s }, QDir::Files, QDir::Name);
        QCOMPARE(beside, (QStringList { u"demo-40s.psrec"_s, u"pgbouncer-5-reads.psrec"_s }));
    }

private:
    // Exports the row's `what` of the recording at `path` and compares it with the row's expected file.
    void exportAndCompare(const QString& path)
    {
        QFETCH(QString, what);
        QFETCH(QString, expected);
        QFETCH(QString, at);
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(path, &error), qPrintable(error));
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

    QTemporaryDir m_dir;
    QString m_path;
    QString m_poolerPath;
    QByteArray m_hash;
};

QTEST_GUILESS_MAIN(TestRecordingV1)
#include "tst_recordingv1.moc"
