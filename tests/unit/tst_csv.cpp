#include "SyntheticSession.h"
#include "analysis/QueryFingerprint.h"
#include "export/CsvWriter.h"
#include "export/Exporter.h"
#include "record/Recorder.h"
#include "record/RecordingReader.h"
#include "store/Session.h"

#include <QBuffer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

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
    qsizetype i = 0;
    const qsizetype n = bytes.size();
    bool fieldStarted = false;
    auto endField = [&] {
        row.append(QString::fromUtf8(field));
        field.clear();
        fieldStarted = false;
    };
    while (i < n) {
        const char c = bytes.at(i);
        if (!fieldStarted && c == '"') {
            ++i;
            while (true) {
                if (i >= n) {
                    *error = u"unterminated quoted field"_s;
                    return {};
                }
                if (bytes.at(i) == '"') {
                    if (i + 1 < n && bytes.at(i + 1) == '"') {
                        field.append('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field.append(bytes.at(i++));
            }
            fieldStarted = true;
            if (i < n && bytes.at(i) != ',' && bytes.at(i) != '\r') {
                *error = u"garbage after a quoted field at byte %1"_s.arg(i);
                return {};
            }
            continue;
        }
        if (c == ',') {
            endField();
            ++i;
        } else if (c == '\r') {
            if (i + 1 >= n || bytes.at(i + 1) != '\n') {
                *error = u"bare CR at byte %1"_s.arg(i);
                return {};
            }
            endField();
            rows.append(row);
            row.clear();
            i += 2;
        } else if (c == '\n' || c == '"') {
            *error = u"bare LF or quote in an unquoted field at byte %1"_s.arg(i);
            return {};
        } else {
            field.append(c);
            fieldStarted = true;
            ++i;
        }
    }
    if (!row.isEmpty() || fieldStarted) {
        *error = u"the last line has no CRLF"_s;
        return {};
    }
    return rows;
}

QList<QStringList> readCsv(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = file.readAll();
    if (bytes.startsWith("\xEF\xBB\xBF"))
        return {}; // no BOM
    QString error;
    const QList<QStringList> rows = parseCsv(bytes, &error);
    if (!error.isEmpty())
        qWarning().noquote() << path << error;
    return rows;
}

Backend trickyBackend(int pid, const QString& query, const QString& address)
{
    Backend b;
    b.pid = pid;
    b.datname = u"app"_s;
    b.usename = u"app"_s;
    b.applicationName = u"web, \"main\""_s;
    b.clientAddr = address;
    b.clientPort = address.isEmpty() ? -1 : 50432;
    b.backendType = u"client backend"_s;
    b.backendStartMs = 1'795'000'000'123;
    b.stateChangeMs = 1'795'000'001'000;
    b.state = u"idle in transaction"_s;
    b.query = query;
    return b;
}

} // namespace

class tst_Csv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(u"%1.csv"_s.arg(QString::fromLatin1(QTest::currentTestFunction())));
    }

    void encodesFields_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QByteArray>("encoded");
        QTest::addRow("plain") << u"idle"_s << QByteArray("idle");
        QTest::addRow("empty") << QString() << QByteArray();
        QTest::addRow("space") << u" a b "_s << QByteArray(" a b ");
        QTest::addRow("comma") << u"a,b"_s << QByteArray("\"a,b\"");
        QTest::addRow("quote") << u"say \"hi\""_s << QByteArray("\"say \"\"hi\"\"\"");
        QTest::addRow("lf") << u"a\nb"_s << QByteArray("\"a\nb\"");
        QTest::addRow("cr") << u"a\rb"_s << QByteArray("\"a\rb\"");
        QTest::addRow("crlf") << u"a\r\nb"_s << QByteArray("\"a\r\nb\"");
        QTest::addRow("utf8") << u"café 漢字"_s << QByteArray("caf\xC3\xA9 \xE6\xBC\xA2\xE5\xAD\x97");
    }

    void encodesFields()
    {
        QFETCH(QString, field);
        QFETCH(QByteArray, encoded);
        QCOMPARE(CsvWriter::encodeField(field), encoded);
    }

    void writesRowsWithCrlf()
    {
        QBuffer buffer;
        QVERIFY(buffer.open(QIODevice::WriteOnly));
        CsvWriter writer(&buffer);
        writer.writeRow({ u"a"_s, u"b,c"_s, QString() });
        writer.writeRow({ u"x"_s });
        QVERIFY(writer.ok());
        QCOMPARE(buffer.data(), QByteArray("a,\"b,c\",\r\nx\r\n"));
    }

    void isoTimestamps()
    {
        QCOMPARE(isoTimestamp(1'795'749'120'000), u"2026-11-27T03:12:00.000Z"_s);
        QCOMPARE(isoTimestamp(1'795'749'120'007), u"2026-11-27T03:12:00.007Z"_s);
        QCOMPARE(isoTimestamp(kNoTime), QString());
    }

    void headersAreStable()
    {
        QCOMPARE(timelineColumns().join(u','),
            u"timestamp,target,ok,error,latency_ms,checked_out,tracked,discrepancy,acquired_total,released_total,"
            "leaks_total,pool_min,pool_max,pool_size,pool_idle,waiting,backends"_s);
        QCOMPARE(routesColumns().join(u','), u"timestamp,target,route,acquired,released,active,leaks"_s);
        QCOMPARE(backendsColumns().join(u','),
            u"timestamp,database,pid,application_name,usename,client_addr,client_port,backend_type,state,"
            "backend_start,xact_start,query_start,state_change,wait_event_type,wait_event,query"_s);
        QCOMPARE(eventsColumns().join(u','), u"timestamp,severity,source,kind,message"_s);
    }

    void backendsSurviveAParseBack()
    {
        const QStringList queries {
            u"SELECT a, b FROM t WHERE x = 'he said \"no, never\"'"_s,
            u"SELECT *\r\nFROM t\nWHERE name = 'café'\r-- 漢字"_s,
            u"\"quoted\""_s,
            u",,,"_s,
            QString(),
        };
        ActivitySnapshot snapshot;
        snapshot.database = u"main, primary"_s;
        snapshot.timestampMs = 1'795'749'120'000;
        for (int i = 0; i < queries.size(); ++i)
            snapshot.backends.append(trickyBackend(100 + i, queries.at(i), i % 2 ? u"10.20.30.40"_s : QString()));
        QString error;
        QVERIFY2(exportBackends(snapshot, m_path, {}, &error), qPrintable(error));
        const QList<QStringList> rows = readCsv(m_path);
        QCOMPARE(rows.size(), queries.size() + 1);
        QCOMPARE(rows.at(0), backendsColumns());
        for (int i = 0; i < queries.size(); ++i) {
            const QStringList& row = rows.at(i + 1);
            QCOMPARE(row.size(), backendsColumns().size());
            QCOMPARE(row.at(0), u"2026-11-27T03:12:00.000Z"_s);
            QCOMPARE(row.at(1), u"main, primary"_s);
            QCOMPARE(row.at(2), QString::number(100 + i));
            QCOMPARE(row.at(3), u"web, \"main\""_s);
            QCOMPARE(row.at(5), i % 2 ? u"10.20.30.40"_s : QString());
            QCOMPARE(row.at(6), i % 2 ? u"50432"_s : QString());
            QCOMPARE(row.at(8), u"idle in transaction"_s);
            QCOMPARE(row.at(9), isoTimestamp(1'795'000'000'123));
            QCOMPARE(row.at(10), QString()); // NULL xact_start
            QCOMPARE(row.at(15), queries.at(i));
        }
    }

    // OWASP's rule against CSV formula injection, on text cells only (see Exporter.h).
    void neutralisesFormulas_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("cell");
        QTest::addRow("equals") << u"=HYPERLINK(\"http://evil\",\"x\")"_s << u"'=HYPERLINK(\"http://evil\",\"x\")"_s;
        QTest::addRow("plus") << u"+cmd|' /C calc'!A0"_s << u"'+cmd|' /C calc'!A0"_s;
        QTest::addRow("minus") << u"-2+3"_s << u"'-2+3"_s;
        QTest::addRow("at") << u"@SUM(A1)"_s << u"'@SUM(A1)"_s;
        QTest::addRow("tab") << u"\t=1"_s << u"'\t=1"_s;
        QTest::addRow("cr") << u"\r=1"_s << u"'\r=1"_s;
        QTest::addRow("plain") << u"SELECT 1"_s << u"SELECT 1"_s;
        QTest::addRow("inner equals") << u"a=b"_s << u"a=b"_s;
        QTest::addRow("empty") << QString() << QString();
    }
    void neutralisesFormulas()
    {
        QFETCH(QString, text);
        QFETCH(QString, cell);
        QCOMPARE(CsvWriter::neutralised(text), cell);
    }

    void exportsNeutraliseTextButNotNumbers()
    {
        ActivitySnapshot snapshot;
        snapshot.database = u"@db"_s;
        snapshot.timestampMs = 1'795'749'120'000;
        Backend b = trickyBackend(7, u"=1+1"_s, u"10.0.0.1"_s);
        b.applicationName = u"=HYPERLINK(\"http://evil\")"_s;
        b.usename = u"-x"_s;
        snapshot.backends.append(b);
        for (const bool redact : { false, true }) {
            ExportOptions options;
            options.redact = redact;
            QString error;
            QVERIFY2(exportBackends(snapshot, m_path, options, &error), qPrintable(error));
            const QStringList row = readCsv(m_path).at(1);
            QCOMPARE(row.at(1), u"'@db"_s);
            QCOMPARE(row.at(2), u"7"_s);
            QCOMPARE(row.at(3), u"'=HYPERLINK(\"http://evil\")"_s);
            QCOMPARE(row.at(4), u"'-x"_s);
            QVERIFY2(row.at(15).startsWith(u"'="_s), qPrintable(row.at(15)));
        }
        ExportOptions raw;
        raw.raw = true;
        QVERIFY(exportBackends(snapshot, m_path, raw));
        QCOMPARE(readCsv(m_path).at(1).at(3), u"=HYPERLINK(\"http://evil\")"_s);

        // A negative discrepancy PoolScope writes as a number stays a number.
        Session session(syntheticWorkspace(1));
        Sample sample;
        sample.target = session.target(0).config.name;
        sample.timestampMs = 1'795'749'120'000;
        sample.metrics.set(Metric::CheckedOut, 2);
        sample.metrics.set(Metric::Tracked, 5);
        sample.metrics.set(Metric::Discrepancy, -3);
        session.addSample(sample);
        QVERIFY(exportTimeline(session, m_path));
        const QStringList row = readCsv(m_path).at(1);
        QCOMPARE(row.at(timelineColumns().indexOf(u"discrepancy"_s)), u"-3"_s);
    }

    void redactsQueriesAndAddresses()
    {
        ActivitySnapshot snapshot;
        snapshot.database = u"main"_s;
        snapshot.timestampMs = 1'795'749'120'000;
        const QString query = u"SELECT * FROM users WHERE email = 'bob@example.com' AND id = 4711 AND score > 3.5"_s;
        snapshot.backends.append(trickyBackend(1, query, u"192.168.77.201"_s));
        snapshot.backends.append(trickyBackend(2, query, u"2001:db8:85a3::7334"_s));
        ExportOptions options;
        options.redact = true;
        QString error;
        QVERIFY2(exportBackends(snapshot, m_path, options, &error), qPrintable(error));
        const QList<QStringList> rows = readCsv(m_path);
        QCOMPARE(rows.size(), 3);
        for (int i = 1; i <= 2; ++i) {
            const QString redactedQuery = rows.at(i).at(15);
            QCOMPARE(redactedQuery, fingerprintQuery(query));
            QVERIFY2(!redactedQuery.contains(u"bob"_s) && !redactedQuery.contains(u"4711"_s)
                    && !redactedQuery.contains(u"3.5"_s),
                qPrintable(redactedQuery));
            QVERIFY(redactedQuery.contains(u"FROM users WHERE email"_s));
        }
        QCOMPARE(rows.at(1).at(5), redactClientAddress(u"192.168.77.201"_s));
        QVERIFY(!rows.at(1).at(5).contains(u"77.201"_s));
        QVERIFY(!rows.at(2).at(5).contains(u"7334"_s));
        QVERIFY(!rows.at(2).at(5).isEmpty());
        // Without redaction the values are there.
        QVERIFY(exportBackends(snapshot, m_path, {}, &error));
        QCOMPARE(readCsv(m_path).at(1).at(15), query);
    }

    void timelineEventsAndRanges()
    {
        SyntheticFeed feed;
        Session session(feed.workspace());
        const int ticks = 40;
        for (int tick = 0; tick < ticks; ++tick)
            feed.feed(session, tick);
        QString error;
        QVERIFY2(exportTimeline(session, m_path, {}, &error), qPrintable(error));
        QList<QStringList> rows = readCsv(m_path);
        QCOMPARE(rows.size(), 1 + 3 * ticks);
        QCOMPARE(rows.at(0), timelineColumns());
        // Ordered by time; one row per target per tick.
        const QStringList first = rows.at(1);
        QCOMPARE(first.at(0), isoTimestamp(feed.tickTime(0)));
        QCOMPARE(first.at(1), u"web"_s);
        int failures = 0;
        for (int r = 1; r < rows.size(); ++r) {
            const QStringList& row = rows.at(r);
            QCOMPARE(row.size(), timelineColumns().size());
            QVERIFY(r == 1 || rows.at(r - 1).at(0) <= row.at(0));
            if (row.at(2) == u"0"_s) {
                ++failures;
                QVERIFY(!row.at(3).isEmpty());
                QCOMPARE(row.at(5), QString()); // no metrics for a failed poll
            } else {
                QCOMPARE(row.at(2), u"1"_s);
                QCOMPARE(row.at(3), QString());
                QVERIFY(!row.at(5).isEmpty());
            }
        }
        QVERIFY(failures > 0);
        // Exact values of one row: target web (index 0), tick 3.
        const TargetHistory& web = session.target(0).history;
        const QStringList& row = rows.at(1 + 3 * 3);
        QCOMPARE(row.at(1), u"web"_s);
        QCOMPARE(row.at(5), QString::number(web.column(Metric::CheckedOut)[3]));
        QCOMPARE(row.at(14), QString::number(web.column(Metric::PoolIdle)[3]));
        QCOMPARE(row.at(16), QString::number(web.backendCounts()[2])); // count from the tick before

        // A range keeps only its rows.
        ExportOptions range;
        range.fromMs = feed.tickTime(10);
        range.toMs = feed.tickTime(20) - 1;
        QVERIFY(exportTimeline(session, m_path, range, &error));
        QCOMPARE(readCsv(m_path).size(), 1 + 3 * 10);

        QVERIFY(exportEvents(session, m_path, {}, &error));
        rows = readCsv(m_path);
        QCOMPARE(rows.size(), 1 + session.events().size());
        QCOMPARE(rows.at(0), eventsColumns());
        const Event& event = session.events().at(1);
        QCOMPARE(rows.at(2),
            (QStringList { isoTimestamp(event.timestampMs), severityName(event.severity), event.source, event.kind,
                event.message }));
        QVERIFY(event.message.contains(u'\n') && event.message.contains(u"漢字"_s));
    }

    void exportsFromARecording()
    {
        SyntheticFeed feed;
        Session live(feed.workspace());
        const QString recording = m_dir.filePath(u"r.psrec"_s);
        {
            Recorder recorder(&live);
            QVERIFY(recorder.open(recording));
            for (int tick = 0; tick < 30; ++tick) {
                feed.feed(live, tick);
                recorder.flush();
            }
        }
        RecordingReader reader;
        QVERIFY(reader.open(recording));
        ExportOptions options;
        options.fromMs = feed.tickTime(10);
        options.toMs = feed.tickTime(15);
        QString error;
        QVERIFY2(exportRoutes(reader, m_path, options, &error), qPrintable(error));
        QList<QStringList> rows = readCsv(m_path);
        QCOMPARE(rows.at(0), routesColumns());
        // First the routes as they were at fromMs, for every target.
        int atStart = 0;
        for (const auto& target : feed.workspace().targets)
            atStart += reader.routesAt(target.name, options.fromMs).size();
        QVERIFY(atStart > 0);
        QVERIFY(rows.size() > 1 + atStart);
        for (int r = 1; r <= atStart; ++r)
            QCOMPARE(rows.at(r).at(0), isoTimestamp(options.fromMs));
        for (int r = atStart + 1; r < rows.size(); ++r) {
            QVERIFY(rows.at(r).at(0) > isoTimestamp(options.fromMs));
            QVERIFY(rows.at(r).at(0) <= isoTimestamp(options.toMs));
        }

        QVERIFY2(exportBackends(reader, m_path, options, &error), qPrintable(error));
        rows = readCsv(m_path);
        QCOMPARE(rows.at(0), backendsColumns());
        const ActivitySnapshot start = reader.snapshotAt(u"main"_s, options.fromMs);
        QVERIFY(rows.size() > 1 + start.backends.size());
        QCOMPARE(rows.at(1).at(0), isoTimestamp(start.timestampMs));
        QCOMPARE(rows.at(1).at(15), start.backends.first().query);

        // The routes view of the live session.
        QVERIFY(exportRoutes(live, m_path, {}, &error));
        rows = readCsv(m_path);
        qsizetype routes = 0;
        for (int t = 0; t < live.targetCount(); ++t)
            routes += live.target(t).lastOk.routes.size();
        QCOMPARE(rows.size(), 1 + routes);
        QVERIFY(exportBackends(live, m_path, {}, &error));
        QCOMPARE(readCsv(m_path).size(), 1 + live.database(0).lastOk.backends.size());
    }

    void failureNamesThePathAndKeepsTheOldFile()
    {
        const QString path = m_dir.filePath(u"missing/dir/out.csv"_s);
        Session session(syntheticWorkspace(1));
        QString error;
        QVERIFY(!exportEvents(session, path, {}, &error));
        QVERIFY2(error.startsWith(u"Cannot write %1"_s.arg(path)), qPrintable(error));
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
};

QTEST_GUILESS_MAIN(tst_Csv)
#include "tst_csv.moc"
