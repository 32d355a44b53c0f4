#include "profiles/HoldersReader.h"
#include "profiles/Profile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
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
};

QTEST_GUILESS_MAIN(TestHolders)
#include "tst_holders.moc"
