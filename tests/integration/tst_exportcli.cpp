// `poolscope record` and `poolscope export` end to end: the real binary against the demo fixture (a real
// PostgreSQL and real psycopg_pool services), the recording read back with RecordingReader, the CSV parsed
// back as RFC 4180.
#include "DemoState.h"
#include "export/Exporter.h"
#include "record/RecordingReader.h"
#include "store/Session.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <limits>

using namespace Qt::StringLiterals;
using namespace poolscope;
using namespace poolscope::test;

namespace {

// A strict RFC 4180 parser: CRLF line ends, quoted fields with doubled quotes. Fails on anything else.
QList<QStringList> parseCsv(const QByteArray& bytes, QString* error)
{
    QList<QStringList> rows;
    QStringList row;
    QByteArray field;
    bool quoted = false;
    bool fieldStarted = false;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const char c = bytes.at(i);
        if (quoted) {
            if (c != '"') {
                field.append(c);
            } else if (i + 1 < bytes.size() && bytes.at(i + 1) == '"') {
                field.append('"');
                ++i;
            } else {
                quoted = false;
                if (i + 1 < bytes.size() && bytes.at(i + 1) != ',' && bytes.at(i + 1) != '\r') {
                    *error = u"garbage after a quoted field at byte %1"_s.arg(i + 1);
                    return {};
                }
            }
        } else if (c == '"' && !fieldStarted) {
            quoted = true;
            fieldStarted = true;
        } else if (c == ',') {
            row.append(QString::fromUtf8(field));
            field.clear();
            fieldStarted = false;
        } else if (c == '\r') {
            if (i + 1 >= bytes.size() || bytes.at(i + 1) != '\n') {
                *error = u"bare CR at byte %1"_s.arg(i);
                return {};
            }
            ++i;
            row.append(QString::fromUtf8(field));
            rows.append(row);
            row.clear();
            field.clear();
            fieldStarted = false;
        } else if (c == '\n' || c == '"') {
            *error = u"bare LF or quote at byte %1"_s.arg(i);
            return {};
        } else {
            field.append(c);
            fieldStarted = true;
        }
    }
    if (quoted || fieldStarted || !row.isEmpty()) {
        *error = u"the last row does not end with CRLF"_s;
        return {};
    }
    return rows;
}

QList<QStringList> readCsv(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read %1"_s.arg(path);
        return {};
    }
    return parseCsv(file.readAll(), error);
}

// Reads stderr of a running `record` until a progress line shows at least `ticks` ticks; the samples it
// reported then.
qint64 waitForProgress(QProcess& process, qint64 ticks, QByteArray* log)
{
    static const QRegularExpression progress(u"^record: \\S+, (\\d+) ticks, (\\d+) samples"_s);
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 60000) {
        process.waitForReadyRead(1000);
        log->append(process.readAllStandardError());
        qint64 samples = -1;
        for (const QByteArray& line : log->split('\n')) {
            const auto m = progress.match(QString::fromUtf8(line));
            if (m.hasMatch() && m.captured(1).toLongLong() >= ticks)
                samples = m.captured(2).toLongLong();
        }
        if (samples >= 0)
            return samples;
    }
    return -1;
}

qint64 sampleCount(const Session& session)
{
    qint64 n = 0;
    for (int t = 0; t < session.targetCount(); ++t)
        n += static_cast<qint64>(session.target(t).history.size());
    return n;
}
} // namespace

class TestExportCli : public QObject
{
    Q_OBJECT

    QJsonObject m_state;
    QString m_workspace;
    QTemporaryDir m_dir;
    QString m_recording;

    QString csvPath(const QString& name) const { return m_dir.filePath(name + u".csv"_s); }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        m_state = demoState(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_workspace = m_state.value(u"workspace"_s).toString();
        m_recording = m_dir.filePath(u"demo.sqlite"_s);
        const PoolscopeRun run
            = runPoolscope({ u"record"_s, m_workspace, u"--out"_s, m_recording, u"--duration"_s, u"6"_s });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.err.contains("is complete"), run.err.constData());
        RecordingReader reader;
        QVERIFY2(reader.open(m_recording, &error), qPrintable(error));
        QVERIFY(reader.problems().isEmpty());
        const std::unique_ptr<Session> session = reader.load();
        QVERIFY(reader.problems().isEmpty());
        QVERIFY(session->targetCount() >= 3);
        // About one poll a second per target for 6 s.
        QVERIFY2(
            session->target(0).history.size() >= 3, qPrintable(QString::number(session->target(0).history.size())));
        QVERIFY(session->database(0).lastOk.timestampMs != 0);
        qInfo("record --duration 6: %lld bytes, %lld samples", static_cast<long long>(QFileInfo(m_recording).size()),
            static_cast<long long>(sampleCount(*session)));
    }

    void recordRefusesAnExistingFile()
    {
        const PoolscopeRun run
            = runPoolscope({ u"record"_s, m_workspace, u"--out"_s, m_recording, u"--duration"_s, u"1"_s });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains(m_recording.toUtf8()) && run.err.contains("already exists"), run.err.constData());
    }

    void recordSurvivesSigkill()
    {
        const QString path = m_dir.filePath(u"killed.sqlite"_s);
        QProcess process;
        process.start(poolscopeBinary(), { u"record"_s, m_workspace, u"--out"_s, path });
        QVERIFY(process.waitForStarted());
        QByteArray log;
        const qint64 reported = waitForProgress(process, 3, &log);
        QVERIFY2(reported > 0, log.constData());
        process.kill(); // SIGKILL
        QVERIFY(process.waitForFinished());

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(path, &error), qPrintable(error));
        const std::unique_ptr<Session> session = reader.load();
        QVERIFY2(reader.problems().isEmpty(), qPrintable(reader.problems().join(u"; "_s)));
        // Every tick reported before the kill but one (a tick holds at most one poll per target).
        QVERIFY2(sampleCount(*session) >= reported - session->targetCount(),
            qPrintable(u"%1 samples in the file, %2 reported"_s.arg(sampleCount(*session)).arg(reported)));
    }

    void recordStopsCleanlyOnSigterm()
    {
        const QString path = m_dir.filePath(u"terminated.sqlite"_s);
        QProcess process;
        process.start(poolscopeBinary(), { u"record"_s, m_workspace, u"--out"_s, path });
        QVERIFY(process.waitForStarted());
        QByteArray log;
        const qint64 reported = waitForProgress(process, 1, &log);
        QVERIFY2(reported > 0, log.constData());
        process.terminate(); // SIGTERM
        QVERIFY(process.waitForFinished(20000));
        log.append(process.readAllStandardError());
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        QVERIFY2(log.contains("is complete"), log.constData());
        // Complete: the WAL was checkpointed into the file and removed.
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(path, &error), qPrintable(error));
        const std::unique_ptr<Session> session = reader.load();
        QVERIFY(reader.problems().isEmpty());
        QVERIFY(sampleCount(*session) >= reported);
    }

    void windowStopsCleanlyOnSigterm()
    {
        // The live window records by default; SIGTERM must close it like the window's close button. The
        // handlers are installed on main's first line, so no moment of start-up is unprotected (see
        // tst_safetycli::earlySignalStopsWindowCleanly); the waits are generous for loaded machines.
        QTemporaryDir folder;
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"POOLSCOPE_RECORDINGS_DIR"_s, folder.path());
        env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s); // a window that runs until told to stop
        process.setProcessEnvironment(env);
        process.start(poolscopeBinary(), { m_workspace });
        QVERIFY(process.waitForStarted());
        QByteArray log;
        QTRY_VERIFY_WITH_TIMEOUT((log.append(process.readAllStandardError()), log.contains("recording to")), 90000);
        QDir dir(folder.path());
        const QStringList files = dir.entryList({ u"poolscope-*.psrec"_s }, QDir::Files);
        QCOMPARE(files.size(), 1);
        const QString path = dir.filePath(files.first());
        const qint64 opened = QFileInfo(path).size(); // header, meta and the first (empty) keyframe
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(path).size() > opened, 90000); // ticks are being written
        process.terminate(); // SIGTERM
        QVERIFY(process.waitForFinished(90000));
        log.append(process.readAllStandardError());
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        QVERIFY2(log.contains("stopping on a signal"), log.constData());
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(path, &error), qPrintable(error));
        const std::unique_ptr<Session> session = reader.load();
        QVERIFY(reader.problems().isEmpty());
        QVERIFY(sampleCount(*session) > 0);
    }

    void exports_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QStringList>("header");
        QTest::addRow("timeline") << u"timeline"_s
                                  << QStringList { u"timestamp"_s, u"target"_s, u"ok"_s, u"error"_s, u"latency_ms"_s,
                                         u"checked_out"_s, u"tracked"_s, u"discrepancy"_s, u"acquired_total"_s,
                                         u"released_total"_s, u"leaks_total"_s, u"pool_min"_s, u"pool_max"_s,
                                         u"pool_size"_s, u"pool_idle"_s, u"waiting"_s, u"backends"_s };
        QTest::addRow("routes") << u"routes"_s
                                << QStringList { u"timestamp"_s, u"target"_s, u"route"_s, u"acquired"_s, u"released"_s,
                                       u"active"_s, u"leaks"_s };
        QTest::addRow("backends") << u"backends"_s
                                  << QStringList { u"timestamp"_s, u"database"_s, u"pid"_s, u"application_name"_s,
                                         u"usename"_s, u"client_addr"_s, u"client_port"_s, u"backend_type"_s,
                                         u"state"_s, u"backend_start"_s, u"xact_start"_s, u"query_start"_s,
                                         u"state_change"_s, u"wait_event_type"_s, u"wait_event"_s, u"query"_s };
        QTest::addRow("events") << u"events"_s
                                << QStringList { u"timestamp"_s, u"severity"_s, u"source"_s, u"kind"_s, u"message"_s };
        QTest::addRow("poolers") << u"poolers"_s
                                 << QStringList { u"timestamp"_s, u"pooler"_s, u"database"_s, u"user"_s, u"pool_mode"_s,
                                        u"cl_active"_s, u"cl_waiting"_s, u"sv_active"_s, u"sv_idle"_s, u"sv_used"_s,
                                        u"maxwait"_s };
    }
    void exports()
    {
        QFETCH(QString, what);
        QFETCH(QStringList, header);
        const QString out = csvPath(what);
        const PoolscopeRun run = runPoolscope({ u"export"_s, m_recording, u"--what"_s, what, u"--out"_s, out });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QString error;
        const QList<QStringList> rows = readCsv(out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(!rows.isEmpty());
        QCOMPARE(rows.first(), header);
        for (const QStringList& row : rows)
            QCOMPARE(row.size(), header.size());
        if (what == u"timeline"_s) {
            // Every successful poll carries its round trip, the demo's server-side count after the first read.
            for (qsizetype r = 1; r < rows.size(); ++r) {
                if (rows[r][2] == u"1"_s)
                    QVERIFY2(rows[r][4].toInt() >= 0 && !rows[r][4].isEmpty(), qPrintable(rows[r].join(u',')));
            }
            QVERIFY(!rows.last().last().isEmpty());
        }

        RecordingReader reader;
        QVERIFY2(reader.open(m_recording, &error), qPrintable(error));
        const std::unique_ptr<Session> session = reader.load();
        qint64 expected = 0;
        const qint64 min = std::numeric_limits<qint64>::min();
        const qint64 max = std::numeric_limits<qint64>::max();
        if (what == u"timeline"_s) {
            expected = sampleCount(*session);
        } else if (what == u"events"_s) {
            expected = session->events().size();
        } else if (what == u"poolers"_s) {
            for (int p = 0; p < session->poolerCount(); ++p) {
                for (const auto& pool : session->pooler(p).history.pools())
                    expected += static_cast<qint64>(pool.times.size());
            }
        } else if (what == u"routes"_s) {
            expected = reader.routeChanges(min, max).size();
            QVERIFY(expected > 0);
        } else {
            for (const DatabaseConfig& db : reader.workspace().databases)
                expected += reader.backendChanges(db.name, min, max).size();
            QVERIFY(expected > 0);
        }
        QCOMPARE(rows.size() - 1, expected);
    }

    void backendsAtAMoment()
    {
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_recording, &error), qPrintable(error));
        const std::unique_ptr<Session> session = reader.load();
        const qint64 t = session->database(0).lastOk.timestampMs;
        const QString database = session->database(0).config.name;
        const ActivitySnapshot expected = reader.snapshotAt(database, t);
        QVERIFY(!expected.backends.isEmpty());

        const QString out = csvPath(u"backends-at"_s);
        const PoolscopeRun run = runPoolscope(
            { u"export"_s, m_recording, u"--what"_s, u"backends"_s, u"--at"_s, isoTimestamp(t), u"--out"_s, out });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QList<QStringList> rows = readCsv(out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(rows.size() - 1, expected.backends.size());
        for (qsizetype i = 1; i < rows.size(); ++i) {
            QCOMPARE(rows.at(i).at(0), isoTimestamp(t));
            QCOMPARE(rows.at(i).at(2).toInt(), expected.backends.at(i - 1).pid);
        }

        // A range: the backends at --from, then the changes up to --to.
        const QString from = isoTimestamp(session->firstTimestampMs() + 2000);
        const QString to = isoTimestamp(session->lastTimestampMs() - 1000);
        const PoolscopeRun ranged = runPoolscope({ u"export"_s, m_recording, u"--what"_s, u"backends"_s, u"--from"_s,
            from, u"--to"_s, to, u"--out"_s, csvPath(u"backends-range"_s) });
        QVERIFY2(ranged.exitCode == 0, ranged.err.constData());
        const QList<QStringList> rangeRows = readCsv(csvPath(u"backends-range"_s), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(rangeRows.size() - 1,
            reader.backendChanges(database, session->firstTimestampMs() + 2000, session->lastTimestampMs() - 1000)
                .size());
        for (qsizetype i = 1; i < rangeRows.size(); ++i)
            QVERIFY(rangeRows.at(i).at(0) <= to);
    }

    // A workspace of two databases: the backends at a moment are every database's, in one file, each row naming
    // its database, with the values of that database's read at the moment.
    void backendsAtAMomentCoverEveryDatabase()
    {
        QFile demo(m_workspace);
        QVERIFY(demo.open(QIODevice::ReadOnly));
        QJsonObject workspace = QJsonDocument::fromJson(demo.readAll()).object();
        QJsonArray databases = workspace.value(u"databases"_s).toArray();
        QCOMPARE(databases.size(), 1);
        QJsonObject second = databases.first().toObject();
        second.insert(u"name"_s, u"demo_copy"_s); // the same server read again under another name
        databases.append(second);
        workspace.insert(u"databases"_s, databases);
        const QString workspacePath = m_dir.filePath(u"two-databases.json"_s);
        QFile out(workspacePath);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(workspace).toJson());
        out.close();
        const QString recording = m_dir.filePath(u"two-databases.sqlite"_s);
        const PoolscopeRun record
            = runPoolscope({ u"record"_s, workspacePath, u"--out"_s, recording, u"--duration"_s, u"4"_s });
        QVERIFY2(record.exitCode == 0, record.err.constData());

        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(recording, &error), qPrintable(error));
        const std::unique_ptr<Session> session = reader.load();
        QCOMPARE(session->databaseCount(), 2);
        const qint64 t = std::max(session->database(0).lastOk.timestampMs, session->database(1).lastOk.timestampMs);
        QMap<QString, ActivitySnapshot> expected;
        for (const QString& name : { u"demo"_s, u"demo_copy"_s }) {
            expected[name] = reader.snapshotAt(name, t);
            QVERIFY2(!expected[name].backends.isEmpty(), qPrintable(name));
        }

        const QString csv = csvPath(u"backends-two-databases"_s);
        const PoolscopeRun run = runPoolscope(
            { u"export"_s, recording, u"--what"_s, u"backends"_s, u"--at"_s, isoTimestamp(t), u"--out"_s, csv });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QList<QStringList> rows = readCsv(csv, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(rows.first(), backendsColumns());
        QMap<QString, QMap<int, QStringList>> byDatabase; // database -> pid -> row
        for (qsizetype i = 1; i < rows.size(); ++i)
            byDatabase[rows.at(i).at(1)].insert(rows.at(i).at(2).toInt(), rows.at(i));
        QCOMPARE(byDatabase.keys(), QStringList({ u"demo"_s, u"demo_copy"_s }));
        for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
            const QMap<int, QStringList>& got = byDatabase.value(it.key());
            QCOMPARE(got.size(), it->backends.size());
            for (const Backend& backend : it->backends) {
                QVERIFY2(got.contains(backend.pid), qPrintable(u"%1 pid %2"_s.arg(it.key()).arg(backend.pid)));
                const QStringList& row = got.value(backend.pid);
                QCOMPARE(row.at(0), isoTimestamp(it->timestampMs));
                QCOMPARE(row.at(3), backend.applicationName);
                QCOMPARE(row.at(8), backend.state);
            }
        }
    }

    void redactedExportHidesLiteralsAndAddresses()
    {
        QString error;
        const QList<QStringList> plain = readCsv(csvPath(u"backends"_s), &error);
        QVERIFY2(!plain.isEmpty(), "run exports() first");
        const qsizetype queryColumn = plain.first().indexOf(u"query"_s);
        const qsizetype addressColumn = plain.first().indexOf(u"client_addr"_s);
        // The literals of the demo's queries ('feature_flags', "id = 83", "12.50") and its full client addresses.
        static const QRegularExpression literal(u"'([^']+)'|=\\s*(\\d+(?:\\.\\d+)?)|\\+\\s*(\\d+\\.\\d+)"_s);
        QSet<QString> literals;
        QSet<QString> addresses;
        for (qsizetype i = 1; i < plain.size(); ++i) {
            auto it = literal.globalMatch(plain.at(i).at(queryColumn));
            while (it.hasNext()) {
                const auto m = it.next();
                for (int g = 1; g <= 3; ++g) {
                    if (!m.captured(g).isEmpty())
                        literals.insert(m.captured(g));
                }
            }
            if (!plain.at(i).at(addressColumn).isEmpty())
                addresses.insert(plain.at(i).at(addressColumn));
        }
        QVERIFY2(literals.contains(u"feature_flags"_s), qPrintable(QStringList(literals.values()).join(u", "_s)));
        QVERIFY(!addresses.isEmpty());

        const QString out = csvPath(u"backends-redacted"_s);
        const PoolscopeRun run
            = runPoolscope({ u"export"_s, m_recording, u"--what"_s, u"backends"_s, u"--redact"_s, u"--out"_s, out });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QList<QStringList> redacted = readCsv(out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(redacted.size(), plain.size());
        for (qsizetype i = 1; i < redacted.size(); ++i) {
            const QString query = redacted.at(i).at(queryColumn);
            auto it = literal.globalMatch(query);
            while (it.hasNext()) {
                const auto m = it.next();
                for (int g = 1; g <= 3; ++g) {
                    QVERIFY2(m.captured(g).isEmpty() || !literals.contains(m.captured(g)),
                        qPrintable(u"row %1 keeps the literal %2: %3"_s.arg(i).arg(m.captured(g), query)));
                }
            }
            QVERIFY2(!query.contains(u"feature_flags"_s), qPrintable(query));
            QVERIFY2(!addresses.contains(redacted.at(i).at(addressColumn)),
                qPrintable(u"row %1 keeps the address %2"_s.arg(i).arg(redacted.at(i).at(addressColumn))));
            for (const QString& field : redacted.at(i)) {
                for (const QString& address : std::as_const(addresses))
                    QVERIFY2(!field.contains(address), qPrintable(field));
            }
        }
    }

    void errorsNameThePlace_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString missing = m_dir.filePath(u"missing.sqlite"_s);
        QTest::addRow("missing file") << QStringList { u"export"_s, missing, u"--what"_s, u"events"_s } << missing;
        QTest::addRow("bad time") << QStringList { u"export"_s, m_recording, u"--what"_s, u"backends"_s, u"--at"_s,
            u"noon"_s } << u"--at: \"noon\" is not a time"_s;
        QTest::addRow("outside") << QStringList { u"export"_s, m_recording, u"--what"_s, u"backends"_s, u"--at"_s,
            u"2001-01-01T00:00:00Z"_s }
                                 << u"--at: 2001-01-01T00:00:00Z is outside the recording"_s;
        QTest::addRow("bad what") << QStringList { u"export"_s, m_recording, u"--what"_s, u"everything"_s }
                                  << u"--what: \"everything\" is not one of"_s;
    }
    void errorsNameThePlace()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const QString out = csvPath(u"error"_s);
        const PoolscopeRun run = runPoolscope(arguments + QStringList { u"--out"_s, out });
        QVERIFY(run.exitCode != 0);
        QVERIFY2(QString::fromUtf8(run.err).contains(message), run.err.constData());
        QVERIFY(!QFileInfo::exists(out));
    }

    void screenshotOfARecordingAtAMoment()
    {
        RecordingReader reader;
        QString error;
        QVERIFY2(reader.open(m_recording, &error), qPrintable(error));
        const RecordingReader::TimeRange range = reader.timeRange();
        const QString png = m_dir.filePath(u"review.png"_s);
        const PoolscopeRun run = runPoolscope({ u"screenshot"_s, m_recording, u"--at"_s,
            isoTimestamp((range.firstMs + range.lastMs) / 2), u"--redact"_s, u"--out"_s, png });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.err.contains("reviewing"), run.err.constData());
        QImage image(png);
        QVERIFY(!image.isNull());
        // The 1400x900 window with the caption strip for the incident review below it.
        QCOMPARE(image.width(), 1400);
        QVERIFY2(image.height() > 900, qPrintable(QString::number(image.height())));
    }
};

QTEST_GUILESS_MAIN(TestExportCli)
#include "tst_exportcli.moc"
