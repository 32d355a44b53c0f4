#include "analysis/Holders.h"
#include "export/Exporter.h"
#include "profiles/HoldersReader.h"
#include "profiles/Profile.h"
#include "record/Recorder.h"
#include "record/RecordingReader.h"
#include "store/Session.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

// JSON written with single quotes (moc trips over raw string literals holding brackets).
QByteArray j(const char* text)
{
    return QByteArray(text).replace('\'', '"');
}

QJsonValue parse(const QByteArray& json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad test JSON: %s", qPrintable(error.errorString()));
    return document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
}

constexpr qint64 kNow = 1'795'748'472'000; // 2026-11-27T03:01:12Z

Backend backend(int pid, const QString& state, qint64 stateChangeMs, const QString& app = u"web"_s)
{
    Backend b;
    b.pid = pid;
    b.applicationName = app;
    b.state = state;
    b.stateChangeMs = stateChangeMs;
    b.backendStartMs = stateChangeMs - 1000;
    b.query = u"SELECT 1"_s;
    return b;
}

Holder holder(int pid, bool tracked, qint64 acquiredAtMs, const QString& frame)
{
    Holder h;
    h.backendPid = pid;
    h.tracked = tracked;
    h.acquiredAtMs = acquiredAtMs;
    if (!frame.isEmpty())
        h.stack = QStringList { frame, u"worker.py:12:main"_s };
    return h;
}

// The app holds 101-103 untracked (two at jobs.py:88, one at report.py:41) and 104 tracked; the pool keeps
// 105 and 106 idle; 107 is idle outside the pool (older than the pool's); the app also claims 199, which
// PostgreSQL does not show.
ReconcileInput sceneInput(bool withDead, bool withOutside)
{
    ReconcileInput input;
    input.target = u"web"_s;
    input.checkedOut = withDead ? 5 : 4;
    input.tracked = 1;
    input.poolIdle = 2;
    input.serverNowMs = kNow;
    input.snapshotAtMs = kNow;
    input.holdersAtMs = kNow - 500;
    input.holdersReported = true;
    input.backends = { backend(101, u"idle"_s, kNow - 600'000), backend(102, u"idle"_s, kNow - 500'000),
        backend(103, u"idle in transaction"_s, kNow - 400'000), backend(104, u"active"_s, kNow - 100),
        backend(105, u"idle"_s, kNow - 2'000), backend(106, u"idle"_s, kNow - 3'000) };
    if (withOutside)
        input.backends.append(backend(107, u"idle"_s, kNow - 900'000));
    input.holders = { holder(101, false, kNow - 600'000, u"settlement/jobs.py:88:refresh_odds"_s),
        holder(102, false, kNow - 500'000, u"settlement/jobs.py:88:refresh_odds"_s),
        holder(103, false, kNow - 400'000, u"web/report.py:41:export"_s), holder(104, true, kNow - 100, QString()) };
    if (withDead)
        input.holders.append(holder(199, false, kNow - 60'000, u"settlement/jobs.py:88:refresh_odds"_s));
    return input;
}

} // namespace

// The holders contract: parsed from a health payload (Profile) or a holders_url document (HoldersReader).
class TestHolders : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void insidePayload()
    {
        const QByteArray payload
            = j("{'database':{'pool':{'checked_out':2,'pool_size':4,'pool_available':2},"
                "'tracking':{'total_active':1}},'holders':["
                "{'backend_pid':4242,'acquired_at':'2026-11-27T03:01:12.301Z','tracked':false,"
                "'route':'refresh_odds','stack':['settlement/jobs.py:88:refresh_odds','worker.py:12:main']},"
                "{'backend_pid':4243,'acquired_at':1795662072.5,'tracked':true}]}");
        for (const QString& profile : Profile::builtinNames()) {
            const ProfileResult result = Profile::builtin(profile)->apply(parse(payload));
            QVERIFY2(result.ok() || profile != u"auto"_s, qPrintable(result.error));
            QVERIFY(result.holdersReported);
            QCOMPARE(result.holdersSource, u"/holders"_s);
            QCOMPARE(result.holders.size(), 2);
            const Holder& first = result.holders.at(0);
            QCOMPARE(first.backendPid, 4242);
            QCOMPARE(first.acquiredAtMs,
                QDateTime::fromString(u"2026-11-27T03:01:12.301Z"_s, Qt::ISODateWithMs).toMSecsSinceEpoch());
            QVERIFY(!first.tracked);
            QCOMPARE(first.route, u"refresh_odds"_s);
            QCOMPARE(first.location(), u"settlement/jobs.py:88 in refresh_odds()"_s);
            QCOMPARE(result.holders.at(1).acquiredAtMs, 1795662072500LL);
            QVERIFY(result.holders.at(1).tracked);
            QVERIFY(result.holders.at(1).stack.isEmpty());
        }
        // A holder's "tracked" member is never taken for the tracked metric.
        const ProfileResult result = Profile::builtin(u"auto"_s)->apply(
            parse(j("{'checked_out':1,'holders':[{'backend_pid':7,'tracked':false}]}")));
        QVERIFY2(result.ok(), qPrintable(result.error));
        QVERIFY(!result.metrics.has(Metric::Tracked));
    }

    void absentIsNotReported()
    {
        const ProfileResult result = Profile::builtin(u"auto"_s)->apply(parse(j("{'checked_out':1}")));
        QVERIFY(!result.holdersReported);
        const ProfileResult empty = Profile::builtin(u"auto"_s)->apply(parse(j("{'checked_out':0,'holders':[]}")));
        QVERIFY(empty.holdersReported);
        QVERIFY(empty.holders.isEmpty());
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("holders");
        QTest::addColumn<QString>("error");
        QTest::addRow("not an array") << QByteArray(j("{'a':1}"))
                                      << u"holders at /holders: expected an array of holders, got an object"_s;
        QTest::addRow("entry not an object")
            << QByteArray("[3]") << u"holders at /holders/0: expected an object, got a number (3)"_s;
        QTest::addRow("pid missing") << QByteArray(j("[{'tracked':true}]"))
                                     << u"holders at /holders/0: backend_pid is missing"_s;
        QTest::addRow("pid a string")
            << QByteArray(j("[{'backend_pid':'42','tracked':true}]"))
            << u"holders at /holders/0/backend_pid: expected a process id (a whole number above 0), got a string (\"42\")"_s;
        QTest::addRow("pid fractional")
            << QByteArray(j("[{'backend_pid':4.5,'tracked':true}]"))
            << u"holders at /holders/0/backend_pid: expected a process id (a whole number above 0), got a number (4.5)"_s;
        QTest::addRow("tracked missing") << QByteArray(j("[{'backend_pid':4}]"))
                                         << u"holders at /holders/0: tracked is missing"_s;
        QTest::addRow("tracked a number") << QByteArray(j("[{'backend_pid':4,'tracked':1}]"))
                                          << u"holders at /holders/0/tracked: expected a boolean, got a number (1)"_s;
        QTest::addRow("time without zone")
            << QByteArray(j("[{'backend_pid':4,'tracked':true,'acquired_at':'2026-11-27T03:01:12'}]"))
            << u"holders at /holders/0/acquired_at: expected an RFC 3339 time (\"2026-11-27T03:01:12.301Z\") or "
               u"seconds since the epoch, got a string (\"2026-11-27T03:01:12\")"_s;
        QTest::addRow("negative epoch")
            << QByteArray(j("[{'backend_pid':4,'tracked':true,'acquired_at':-5}]"))
            << u"holders at /holders/0/acquired_at: expected an RFC 3339 time (\"2026-11-27T03:01:12.301Z\") or "
               u"seconds since the epoch, got a number (-5)"_s;
        QTest::addRow("route a number") << QByteArray(j("[{'backend_pid':4,'tracked':true,'route':5}]"))
                                        << u"holders at /holders/0/route: expected a string, got a number (5)"_s;
        QTest::addRow("stack a string")
            << QByteArray(j("[{'backend_pid':4,'tracked':true,'stack':'a.py:1:f'}]"))
            << u"holders at /holders/0/stack: expected an array of \"file:line:function\" strings, got a string (\"a.py:1:f\")"_s;
        QTest::addRow("frame a number")
            << QByteArray(j("[{'backend_pid':4,'tracked':true,'stack':['a.py:1:f',2]}]"))
            << u"holders at /holders/0/stack/1: expected a string (\"file:line:function\"), got a number (2)"_s;
        QByteArray frames = "[";
        for (int i = 0; i < HoldersReader::kMaxFrames + 1; ++i)
            frames += (i ? ",\"a.py:1:f\"" : "\"a.py:1:f\"");
        frames += "]";
        QTest::addRow("too many frames") << (j("[{'backend_pid':4,'tracked':true,'stack':") + frames + "}]")
                                         << u"holders at /holders/0/stack: 33 frames, more than the 32 allowed"_s;
        QTest::addRow("route too long") << (j("[{'backend_pid':4,'tracked':true,'route':'") + QByteArray(1001, 'x')
            + "\"}]") << u"holders at /holders/0/route: a string of 1001 characters, more than the 1000 allowed"_s;
        QByteArray many = "[";
        for (int i = 0; i < HoldersReader::kMaxHolders + 1; ++i)
            many += (i ? ",{}" : "{}");
        many += "]";
        QTest::addRow("too many holders")
            << many << u"holders at /holders: 10001 holders, more than the 10000 allowed"_s;
    }

    void errors()
    {
        QFETCH(QByteArray, holders);
        QFETCH(QString, error);
        const ProfileResult result
            = Profile::builtin(u"auto"_s)->apply(parse(j("{'checked_out':1,'holders':") + holders + "}"));
        QCOMPARE(result.error, error);
        QCOMPARE(result.metrics[Metric::CheckedOut], 1.0); // what was read is kept
    }

    void parseTime_data()
    {
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<qint64>("ms");
        QTest::addRow("Z") << QJsonValue(u"2026-11-27T03:01:12Z"_s) << qint64(1795748472000);
        QTest::addRow("fraction") << QJsonValue(u"2026-11-27T03:01:12.25Z"_s) << qint64(1795748472250);
        QTest::addRow("offset") << QJsonValue(u"2026-11-27T04:01:12+01:00"_s) << qint64(1795748472000);
        QTest::addRow("lower case and space") << QJsonValue(u"2026-11-27 03:01:12z"_s) << qint64(1795748472000);
        QTest::addRow("epoch seconds") << QJsonValue(1795748472.25) << qint64(1795748472250);
        QTest::addRow("no zone") << QJsonValue(u"2026-11-27T03:01:12"_s) << qint64(-1);
        QTest::addRow("date only") << QJsonValue(u"2026-11-27"_s) << qint64(-1);
        QTest::addRow("garbage") << QJsonValue(u"yesterday at noon, roughly"_s) << qint64(-1);
        QTest::addRow("bool") << QJsonValue(true) << qint64(-1);
    }

    void parseTime()
    {
        QFETCH(QJsonValue, value);
        QFETCH(qint64, ms);
        const auto parsed = HoldersReader::parseTime(value);
        QCOMPARE(parsed.has_value(), ms >= 0);
        if (parsed)
            QCOMPARE(*parsed, ms);
    }

    void document()
    {
        QList<Holder> holders;
        QCOMPARE(HoldersReader::readDocument(parse(j("[{'backend_pid':5,'tracked':false}]")), &holders), QString());
        QCOMPARE(holders.size(), 1);
        holders.clear();
        QCOMPARE(HoldersReader::readDocument(parse(j("{'holders':[{'backend_pid':5,'tracked':false}]}")), &holders),
            QString());
        QCOMPARE(holders.size(), 1);
        QCOMPARE(HoldersReader::readDocument(parse(j("{'other':1}")), &holders),
            u"holders_url: expected an array of holders or an object with a \"holders\" member, got an object"_s);
    }

    void location_data()
    {
        QTest::addColumn<QStringList>("stack");
        QTest::addColumn<QString>("location");
        QTest::addRow("plain") << QStringList { u"jobs.py:88:refresh_odds"_s } << u"jobs.py:88 in refresh_odds()"_s;
        QTest::addRow("windows path") << QStringList { u"C:\\app\\jobs.py:88:run"_s }
                                      << u"C:\\app\\jobs.py:88 in run()"_s;
        QTest::addRow("parentheses kept")
            << QStringList { u"a.js:3:Pool.connect()"_s } << u"a.js:3 in Pool.connect()"_s;
        QTest::addRow("no function") << QStringList { u"a.js:3:"_s } << u"a.js:3"_s;
        QTest::addRow("no colon") << QStringList { u"somewhere"_s } << u"somewhere"_s;
        QTest::addRow("empty") << QStringList {} << QString();
    }

    void location()
    {
        QFETCH(QStringList, stack);
        QFETCH(QString, location);
        Holder holder;
        holder.stack = stack;
        QCOMPARE(holder.location(), location);
    }

    void exactSuspects()
    {
        const Reconciliation r = reconcile(sceneInput(false, false));
        QVERIFY(r.exact);
        QCOMPARE(r.confidence, ReconcileConfidence::Exact);
        QList<int> pids;
        for (const Suspect& s : r.suspects)
            pids << s.pid;
        QCOMPARE(pids, (QList<int> { 101, 102, 103 })); // longest held first; never the tracked 104
        QCOMPARE(r.suspects.first().heldSeconds, 599.5);
        QCOMPARE(r.suspects.first().holder->location(), u"settlement/jobs.py:88 in refresh_odds()"_s);
        QCOMPARE(r.summary(),
            u"3 of 3 held connections reported by the app: 2 at settlement/jobs.py:88 in refresh_odds(), 1 at "
            u"web/report.py:41 in export(); 0 unexplained."_s);
        QVERIFY(r.disagreements.isEmpty());
        QCOMPARE(r.reportedHolders, 4);
        QCOMPARE(r.reportedUntracked, 3);
    }

    void disagreements()
    {
        const Reconciliation r = reconcile(sceneInput(true, true));
        QCOMPARE(r.disagreements.size(), 2);
        QCOMPARE(r.disagreements.at(0).kind, Disagreement::Kind::ClaimedNotShown);
        QCOMPARE(r.disagreements.at(0).pid, 199);
        QVERIFY2(r.disagreements.at(0).text.contains(u"a dead connection in the pool"_s),
            qPrintable(r.disagreements.at(0).text));
        QCOMPARE(r.disagreements.at(1).kind, Disagreement::Kind::Unclaimed);
        QCOMPARE(r.disagreements.at(1).pid, 107);
        QVERIFY(r.disagreements.at(1).text.contains(u"outside the pool"_s));
        // The discrepancy is 4 and only 3 untracked holders are in pg_stat_activity.
        QCOMPARE(r.confidence, ReconcileConfidence::Medium);
        QCOMPARE(r.unexplainedCount, 1);
        QVERIFY(r.summary().endsWith(u"; 1 unexplained; 2 disagreements with pg_stat_activity."_s));

        // A pid taken after (or just before) the snapshot is too new to be in it: not dead.
        ReconcileInput young = sceneInput(true, false);
        young.holders.last().acquiredAtMs = kNow - 1'000;
        QVERIFY(reconcile(young).disagreements.isEmpty());
        // Without pool_idle the idle backends cannot be told apart: none is called outside the pool.
        ReconcileInput unknownIdle = sceneInput(false, true);
        unknownIdle.poolIdle = kAbsent;
        QVERIFY(reconcile(unknownIdle).disagreements.isEmpty());
    }

    void inferredWithoutHolders()
    {
        ReconcileInput input = sceneInput(false, false);
        input.holdersReported = false;
        const Reconciliation r = reconcile(input);
        QVERIFY(!r.exact);
        QVERIFY(r.confidence != ReconcileConfidence::Exact);
        for (const Suspect& s : r.suspects)
            QVERIFY(!s.holder);
    }

    void redaction_data()
    {
        QTest::addColumn<QString>("frame");
        QTest::addColumn<QString>("redacted");
        QTest::addRow("plain") << u"jobs.py:88:refresh_odds"_s << u"jobs.py:88:refresh_odds"_s;
        QTest::addRow("literals") << u"jobs.py:88:load(user='bob', 42, \"x\")"_s << u"jobs.py:88:load(user=?, ?, ?)"_s;
        QTest::addRow("identifier digits kept") << u"a1.py:3:step2(v3)"_s << u"a1.py:3:step2(v3)"_s;
        QTest::addRow("location") << u"jobs.py:88 in load('bob')"_s << u"jobs.py:88 in load(?)"_s;
        QTest::addRow("unterminated") << u"x.js:1:f('abc"_s << u"x.js:1:f(?"_s;
    }

    void redaction()
    {
        QFETCH(QString, frame);
        QFETCH(QString, redacted);
        QCOMPARE(redactFrame(frame), redacted);
    }

    void recordedAndExported()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Workspace workspace;
        TargetConfig target;
        target.name = u"web"_s;
        target.url = u"http://127.0.0.1:1/health"_s;
        workspace.targets.append(target);
        Session session(workspace);
        Recorder recorder(&session);
        const QString path = dir.filePath(u"r.sqlite"_s);
        QString error;
        QVERIFY2(recorder.open(path, &error), qPrintable(error));
        Sample sample;
        sample.target = u"web"_s;
        sample.metrics.set(Metric::CheckedOut, 2);
        sample.holdersReported = true;
        const Holder a = holder(101, false, kNow - 60'000, u"jobs.py:88:load(user='bob')"_s);
        const Holder b = holder(102, true, kNow - 1'000, QString());
        sample.holders = { a, b };
        for (int i = 0; i < 3; ++i) { // the same set three times: one row
            sample.timestampMs = kNow + i * 1000;
            session.addSample(sample);
        }
        sample.timestampMs = kNow + 3000;
        sample.holders = { a };
        session.addSample(sample);
        recorder.close();

        RecordingReader reader;
        QVERIFY2(reader.open(path, &error), qPrintable(error));
        const HolderReport at = reader.holdersAt(u"web"_s, kNow + 1500);
        QVERIFY(at.reported);
        QCOMPARE(at.holders, (QList<Holder> { a, b }));
        QCOMPARE(reader.holdersAt(u"web"_s, kNow + 3000).holders, QList<Holder> { a });
        QCOMPARE(reader.holderChanges(kNow, kNow + 10'000).size(), 2);
        const auto loaded = reader.load();
        QCOMPARE(loaded->target(0).lastOk.holders, QList<Holder> { a });
        QVERIFY(reader.problems().isEmpty());

        const QString csv = dir.filePath(u"h.csv"_s);
        ExportOptions options;
        options.redact = true;
        QVERIFY2(exportHolders(reader, csv, options, &error), qPrintable(error));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        QVERIFY2(text.startsWith(u"timestamp,target,backend_pid,acquired_at,tracked,route,location,stack\r\n"_s),
            qPrintable(text));
        QCOMPARE(text.count(u",web,101,"_s), 2); // the set at the first change and at the second
        QCOMPARE(text.count(u",web,102,"_s), 1);
        QVERIFY2(text.contains(u"jobs.py:88 in load(user=?)"_s) && !text.contains(u"bob"_s), qPrintable(text));
    }
};

// (the test class continues in the analysis, recording and export slots below)
QTEST_GUILESS_MAIN(TestHolders)
#include "tst_holders.moc"
