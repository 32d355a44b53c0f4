#include "profiles/JsonPointer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using poolscope::JsonPointer;

namespace {

// The example document of RFC 6901, section 5.
QJsonValue rfcDocument()
{
    return QJsonObject {
        { u"foo"_s, QJsonArray { u"bar"_s, u"baz"_s } },
        { u""_s, 0 },
        { u"a/b"_s, 1 },
        { u"c%d"_s, 2 },
        { u"e^f"_s, 3 },
        { u"g|h"_s, 4 },
        { u"i\\j"_s, 5 },
        { u"k\"l"_s, 6 },
        { u" "_s, 7 },
        { u"m~n"_s, 8 },
    };
}

} // namespace

class TestJsonPointer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("tokens");

        QTest::addRow("whole document") << u""_s << QStringList {};
        QTest::addRow("empty member") << u"/"_s << QStringList { u""_s };
        QTest::addRow("two empty members") << u"//"_s << QStringList { u""_s, u""_s };
        QTest::addRow("path") << u"/database/pool/checked_out"_s
                              << QStringList { u"database"_s, u"pool"_s, u"checked_out"_s };
        QTest::addRow("~1 is slash") << u"/a~1b"_s << QStringList { u"a/b"_s };
        QTest::addRow("~0 is tilde") << u"/m~0n"_s << QStringList { u"m~n"_s };
        QTest::addRow("~01 is ~1, not /") << u"/~01"_s << QStringList { u"~1"_s };
        QTest::addRow("~10 is /0") << u"/~10"_s << QStringList { u"/0"_s };
        QTest::addRow("route with slashes")
            << u"/routes/~1api~1bets/acquired"_s << QStringList { u"routes"_s, u"/api/bets"_s, u"acquired"_s };
        QTest::addRow("dash token parses") << u"/foo/-"_s << QStringList { u"foo"_s, u"-"_s };
        QTest::addRow("unicode") << u"/caf\u00e9/\u00fc"_s << QStringList { u"caf\u00e9"_s, u"\u00fc"_s };
        QTest::addRow("trailing slash") << u"/a/"_s << QStringList { u"a"_s, u""_s };
        QTest::addRow("percent is literal") << u"/c%25d"_s << QStringList { u"c%25d"_s };
    }

    void parse()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, tokens);

        JsonPointer::SyntaxError error;
        const std::optional<JsonPointer> pointer = JsonPointer::parse(text, &error);
        QVERIFY2(pointer.has_value(), qPrintable(error.toString()));
        QCOMPARE(pointer->tokens(), tokens);
        QCOMPARE(pointer->isRoot(), tokens.isEmpty());
        // Round trip through the textual form.
        QCOMPARE(pointer->toString(), text);
        QCOMPARE(JsonPointer(tokens).toString(), text);
    }

    void syntaxErrors_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qsizetype>("position");
        QTest::addColumn<QString>("message");

        QTest::addRow("no leading slash")
            << u"database/pool"_s << qsizetype(0) << u"a JSON Pointer must be empty or start with '/'"_s;
        QTest::addRow("hash fragment form")
            << u"#/a"_s << qsizetype(0) << u"a JSON Pointer must be empty or start with '/'"_s;
        QTest::addRow("space first") << u" /a"_s << qsizetype(0) << u"a JSON Pointer must be empty or start with '/'"_s;
        QTest::addRow("~2") << u"/a~2b"_s << qsizetype(2) << u"invalid escape '~2' (use ~0 for '~' and ~1 for '/')"_s;
        QTest::addRow("~a late") << u"/ok/fine/x~a"_s << qsizetype(10)
                                 << u"invalid escape '~a' (use ~0 for '~' and ~1 for '/')"_s;
        QTest::addRow("~/") << u"/~/"_s << qsizetype(1) << u"invalid escape '~/' (use ~0 for '~' and ~1 for '/')"_s;
        QTest::addRow("tilde at end") << u"/a~"_s << qsizetype(2)
                                      << u"incomplete escape '~' (use ~0 for '~' and ~1 for '/')"_s;
        QTest::addRow("lone tilde") << u"/~"_s << qsizetype(1)
                                    << u"incomplete escape '~' (use ~0 for '~' and ~1 for '/')"_s;
    }

    void syntaxErrors()
    {
        QFETCH(QString, text);
        QFETCH(qsizetype, position);
        QFETCH(QString, message);

        JsonPointer::SyntaxError error;
        QVERIFY(!JsonPointer::parse(text, &error).has_value());
        QCOMPARE(error.message, message);
        QCOMPARE(error.position, position);
        QCOMPARE(error.toString(), message % u" at position "_s % QString::number(position));
        // Without an error out-parameter it still fails, quietly.
        QVERIFY(!JsonPointer::parse(text).has_value());
    }

    void rfcExamples_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QJsonValue>("expected");

        QTest::addRow("\"\"") << u""_s << rfcDocument();
        QTest::addRow("/foo") << u"/foo"_s << QJsonValue(QJsonArray { u"bar"_s, u"baz"_s });
        QTest::addRow("/foo/0") << u"/foo/0"_s << QJsonValue(u"bar"_s);
        QTest::addRow("/foo/1") << u"/foo/1"_s << QJsonValue(u"baz"_s);
        QTest::addRow("/") << u"/"_s << QJsonValue(0);
        QTest::addRow("/a~1b") << u"/a~1b"_s << QJsonValue(1);
        QTest::addRow("/c%%d") << u"/c%d"_s << QJsonValue(2);
        QTest::addRow("/e^f") << u"/e^f"_s << QJsonValue(3);
        QTest::addRow("/g|h") << u"/g|h"_s << QJsonValue(4);
        QTest::addRow("/i\\j") << u"/i\\j"_s << QJsonValue(5);
        QTest::addRow("/k\"l") << u"/k\"l"_s << QJsonValue(6);
        QTest::addRow("/ ") << u"/ "_s << QJsonValue(7);
        QTest::addRow("/m~0n") << u"/m~0n"_s << QJsonValue(8);
    }

    void rfcExamples()
    {
        QFETCH(QString, text);
        QFETCH(QJsonValue, expected);

        const std::optional<JsonPointer> pointer = JsonPointer::parse(text);
        QVERIFY(pointer);
        const JsonPointer::Resolution resolution = pointer->resolve(rfcDocument());
        QVERIFY2(resolution.ok(), qPrintable(resolution.error));
        QVERIFY(resolution.found());
        QCOMPARE(*resolution.value, expected);
    }

    void resolveMissingOrInvalid_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QString>("error"); // empty: simply not found

        const QString doc = uR"({"a":{"b":[10,20,{"c":null}]},"s":"text","n":5,"routes":[]})"_s;
        QTest::addRow("missing member") << doc << u"/nope"_s << QString();
        QTest::addRow("missing nested member") << doc << u"/a/x/y"_s << QString();
        QTest::addRow("index past the end") << doc << u"/a/b/3"_s << QString();
        QTest::addRow("index into empty array") << doc << u"/routes/0"_s << QString();
        QTest::addRow("member of a string") << doc << u"/s/length"_s << QString();
        QTest::addRow("member of a number") << doc << u"/n/0"_s << QString();
        QTest::addRow("member of null") << doc << u"/a/b/2/c/d"_s << QString();
        QTest::addRow("case matters") << doc << u"/A"_s << QString();
        QTest::addRow("dash is never readable")
            << doc << u"/a/b/-"_s << u"\"-\" names the element after the last of an array and cannot be read"_s;
        QTest::addRow("leading zero") << doc << u"/a/b/01"_s
                                      << u"\"01\" is not an array index (a decimal number without leading zeros)"_s;
        QTest::addRow("negative") << doc << u"/a/b/-1"_s
                                  << u"\"-1\" is not an array index (a decimal number without leading zeros)"_s;
        QTest::addRow("plus sign") << doc << u"/a/b/+1"_s
                                   << u"\"+1\" is not an array index (a decimal number without leading zeros)"_s;
        QTest::addRow("name on an array")
            << doc << u"/a/b/c"_s << u"\"c\" is not an array index (a decimal number without leading zeros)"_s;
        QTest::addRow("empty token on an array")
            << doc << u"/a/b/"_s << u"\"\" is not an array index (a decimal number without leading zeros)"_s;
        QTest::addRow("dash on top-level array")
            << u"[1,2]"_s << u"/-"_s << u"\"-\" names the element after the last of an array and cannot be read"_s;
    }

    void resolveMissingOrInvalid()
    {
        QFETCH(QString, json);
        QFETCH(QString, pointer);
        QFETCH(QString, error);

        const QJsonDocument document = QJsonDocument::fromJson(json.toUtf8());
        QVERIFY(!document.isNull());
        const QJsonValue root = document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
        const std::optional<JsonPointer> parsed = JsonPointer::parse(pointer);
        QVERIFY(parsed);
        const JsonPointer::Resolution resolution = parsed->resolve(root);
        QVERIFY(!resolution.found());
        QCOMPARE(resolution.error, error);
    }

    void resolveValues_data()
    {
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QJsonValue>("expected");

        QTest::addRow("null is found, not missing") << u"/a/b/2/c"_s << QJsonValue(QJsonValue::Null);
        QTest::addRow("index 0") << u"/a/b/0"_s << QJsonValue(10);
        QTest::addRow("index 1") << u"/a/b/1"_s << QJsonValue(20);
        QTest::addRow("numeric member of an object") << u"/obj/0"_s << QJsonValue(u"zero"_s);
        QTest::addRow("leading zero member of an object") << u"/obj/01"_s << QJsonValue(u"one"_s);
        QTest::addRow("dash member of an object") << u"/obj/-"_s << QJsonValue(u"dash"_s);
        QTest::addRow("false") << u"/f"_s << QJsonValue(false);
    }

    void resolveValues()
    {
        QFETCH(QString, pointer);
        QFETCH(QJsonValue, expected);

        const QJsonObject root = QJsonDocument::fromJson(
            R"({"a":{"b":[10,20,{"c":null}]},"obj":{"0":"zero","01":"one","-":"dash"},"f":false})")
                                     .object();
        const JsonPointer::Resolution resolution = JsonPointer::parse(pointer)->resolve(root);
        QVERIFY2(resolution.ok(), qPrintable(resolution.error));
        QVERIFY(resolution.found());
        QCOMPARE(*resolution.value, expected);
    }

    void arrayIndex_data()
    {
        QTest::addColumn<QString>("token");
        QTest::addColumn<qsizetype>("index"); // -1: not an index

        QTest::addRow("0") << u"0"_s << qsizetype(0);
        QTest::addRow("7") << u"7"_s << qsizetype(7);
        QTest::addRow("120") << u"120"_s << qsizetype(120);
        QTest::addRow("00") << u"00"_s << qsizetype(-1);
        QTest::addRow("07") << u"07"_s << qsizetype(-1);
        QTest::addRow("-") << u"-"_s << qsizetype(-1);
        QTest::addRow("empty") << u""_s << qsizetype(-1);
        QTest::addRow("1e2") << u"1e2"_s << qsizetype(-1);
        QTest::addRow(" 1") << u" 1"_s << qsizetype(-1);
        QTest::addRow("arabic-indic digit") << u"\u0661"_s << qsizetype(-1);
        QTest::addRow("huge") << u"99999999999999999999999"_s << qsizetype(-1);
    }

    void arrayIndex()
    {
        QFETCH(QString, token);
        QFETCH(qsizetype, index);

        const std::optional<qsizetype> parsed = JsonPointer::arrayIndex(token);
        QCOMPARE(parsed.value_or(-1), index);
    }

    void composition()
    {
        const JsonPointer routes = *JsonPointer::parse(u"/database/tracking/routes");
        const JsonPointer entry = routes.child(u"/api/bets"_s);
        QCOMPARE(entry.toString(), u"/database/tracking/routes/~1api~1bets"_s);
        QCOMPARE((entry + *JsonPointer::parse(u"/stats/acquired")).toString(),
            u"/database/tracking/routes/~1api~1bets/stats/acquired"_s);
        QCOMPARE(routes.child(qsizetype(3)).toString(), u"/database/tracking/routes/3"_s);
        QCOMPARE(JsonPointer::escapeToken(u"~/~"), u"~0~1~0"_s);
        QVERIFY(JsonPointer() + JsonPointer() == JsonPointer());
        QVERIFY(*JsonPointer::parse(u"/a") != *JsonPointer::parse(u"/b"));
    }
};

QTEST_GUILESS_MAIN(TestJsonPointer)
#include "tst_jsonpointer.moc"
