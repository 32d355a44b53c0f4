// The Prometheus text exposition (0.0.4) and OpenMetrics 1.0 parser, and PromQL-style series selectors.
#include "profiles/Exposition.h"
#include "profiles/Profile.h"
#include "profiles/SeriesSelector.h"

#include <QJsonObject>
#include <QTest>

#include <cmath>

using namespace poolscope;
using namespace Qt::StringLiterals;

class TestExposition : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void familiesAndSamples();
    void labelEscapes();
    void specialValues();
    void timestamps();
    void missingTypeIsUntyped();
    void duplicateSeriesKeepsTheFirst();
    void errorsNameTheLine_data();
    void errorsNameTheLine();
    void hugeLineIsRefused();
    void openMetricsEofAndExemplars();
    void sniffing();
    void familyOfSuffixedSamples();
    void selectors_data();
    void selectors();
    void selectorErrors_data();
    void selectorErrors();
    void wellKnownNames_data();
    void wellKnownNames();
    void severalPoolsAreNeverSummed();
    void explicitSelectors();
    void valuesThatAreNotCounts();
    void fieldsOfTheWrongKind();
    void recognisedNothingSaysWhatItSaw();
};

void TestExposition::familiesAndSamples()
{
    const QByteArray text = "# HELP hikaricp_connections_active Active connections\n"
                            "# TYPE hikaricp_connections_active gauge\n"
                            "hikaricp_connections_active{pool=\"main\",} 7.0\n"
                            "hikaricp_connections_active{pool=\"aux\",} 2.0\n"
                            "\n"
                            "# a free comment\n"
                            "go_sql_in_use_connections{db_name=\"orders\"} 3\n";
    const Exposition e = Exposition::parse(text);
    QVERIFY2(e.ok(), qPrintable(e.error));
    QCOMPARE(e.samples.size(), 3);
    QCOMPARE(e.samples[0].name, u"hikaricp_connections_active"_s);
    QCOMPARE(e.samples[0].label(u"pool"), u"main"_s);
    QCOMPARE(e.samples[0].value, 7.0);
    QCOMPARE(e.samples[0].line, 3);
    QCOMPARE(e.samples[1].label(u"pool"), u"aux"_s);
    QVERIFY(e.samples[1].label(u"absent").isNull());
    QCOMPARE(e.samples[2].value, 3.0);
    QCOMPARE(e.families.value(u"hikaricp_connections_active"_s).type, u"gauge"_s);
    QCOMPARE(e.families.value(u"hikaricp_connections_active"_s).help, u"Active connections"_s);
    QCOMPARE(e.familyNames(), QStringList({ u"hikaricp_connections_active"_s, u"go_sql_in_use_connections"_s }));
}

void TestExposition::labelEscapes()
{
    const QByteArray text = R"(m{path="C:\\dir\\x",quote="say \"hi\"",nl="a\nb",other="\q"} 1)"
                            "\n";
    const Exposition e = Exposition::parse(text);
    QVERIFY2(e.ok(), qPrintable(e.error));
    QCOMPARE(e.samples.size(), 1);
    QCOMPARE(e.samples[0].label(u"path"), u"C:\\dir\\x"_s);
    QCOMPARE(e.samples[0].label(u"quote"), u"say \"hi\""_s);
    QCOMPARE(e.samples[0].label(u"nl"), u"a\nb"_s);
    QCOMPARE(e.samples[0].label(u"other"), u"\\q"_s); // an unknown escape is kept as written
    QCOMPARE(e.samples[0].seriesKey(), uR"(m{nl="a\nb",other="\\q",path="C:\\dir\\x",quote="say \"hi\""})"_s);
}

void TestExposition::specialValues()
{
    const Exposition e = Exposition::parse("a NaN\nb +Inf\nc -Inf\nd 1.5e3\ne -0.25\nf Inf\n");
    QVERIFY2(e.ok(), qPrintable(e.error));
    QCOMPARE(e.samples.size(), 6);
    QVERIFY(std::isnan(e.samples[0].value));
    QVERIFY(std::isinf(e.samples[1].value) && e.samples[1].value > 0);
    QVERIFY(std::isinf(e.samples[2].value) && e.samples[2].value < 0);
    QCOMPARE(e.samples[3].value, 1500.0);
    QCOMPARE(e.samples[4].value, -0.25);
    QVERIFY(std::isinf(e.samples[5].value));
}

void TestExposition::timestamps()
{
    const Exposition prom = Exposition::parse("a 1 1700000000123\nb 2\n");
    QVERIFY2(prom.ok(), qPrintable(prom.error));
    QCOMPARE(prom.samples[0].timestampMs, 1700000000123);
    QCOMPARE(prom.samples[1].timestampMs, ExpositionSample::kNoTimestamp);

    const Exposition om = Exposition::parse("a 1 1700000000.5\n# EOF\n", Exposition::Format::OpenMetrics);
    QVERIFY2(om.ok(), qPrintable(om.error));
    QCOMPARE(om.samples[0].timestampMs, 1700000000500);
}

void TestExposition::missingTypeIsUntyped()
{
    const Exposition e = Exposition::parse("# HELP x only help\nx 1\n");
    QVERIFY(e.ok());
    QCOMPARE(e.families.value(u"x"_s).type, u"untyped"_s);
    const Exposition bare = Exposition::parse("y 1\n");
    QVERIFY(bare.ok());
    QVERIFY(!bare.families.contains(u"y"_s));
    QCOMPARE(bare.familyNames(), QStringList { u"y"_s });
}

void TestExposition::duplicateSeriesKeepsTheFirst()
{
    const Exposition e = Exposition::parse("a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 5\na{x=\"2\"} 3\n");
    QVERIFY(e.ok());
    QCOMPARE(e.samples.size(), 2);
    QCOMPARE(e.samples[0].value, 1.0);
    QCOMPARE(e.warnings.size(), 1);
    QVERIFY2(e.warnings[0].startsWith(u"line 2: "_s) && e.warnings[0].contains(u"line 1"_s), qPrintable(e.warnings[0]));
}

void TestExposition::errorsNameTheLine_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error");
    QTest::addRow("no value") << QByteArray("ok 1\nbroken\n") << u"line 2: expected a space and a value after broken"_s;
    QTest::addRow("not a number") << QByteArray("a 12abc\n") << u"line 1: '12abc' is not a number"_s;
    QTest::addRow("hex is not a number") << QByteArray("a 0x10\n") << u"line 1: '0x10' is not a number"_s;
    QTest::addRow("unterminated labels") << QByteArray("a{x=\"1\" 1\n")
                                         << u"line 1: expected ',' or '}' after label x"_s;
    QTest::addRow("unterminated value") << QByteArray("a{x=\"1} 1\n") << u"line 1: unterminated value of label x"_s;
    QTest::addRow("label twice") << QByteArray("a{x=\"1\",x=\"2\"} 1\n") << u"line 1: label x appears twice"_s;
    QTest::addRow("bad label name") << QByteArray("a{1x=\"1\"} 1\n")
                                    << u"line 1: expected a label name at '1x=\"1\"} 1'"_s;
    QTest::addRow("bad timestamp") << QByteArray("a 1 soon\n")
                                   << u"line 1: 'soon' is not a timestamp in milliseconds"_s;
    QTest::addRow("trailing text") << QByteArray("a 1 2 3\n") << u"line 1: unexpected text after the timestamp: '3'"_s;
    QTest::addRow("bad metric name") << QByteArray("9a 1\n") << u"line 1: expected a metric name"_s;
    QTest::addRow("unknown type") << QByteArray("# TYPE a weird\n") << u"line 1: unknown metric type 'weird' for a"_s;
    QTest::addRow("control characters are not echoed")
        << QByteArray("a \x1b[31m\n") << u"line 1: '?[31m' is not a number"_s;
}

void TestExposition::errorsNameTheLine()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, error);
    const Exposition e = Exposition::parse(text);
    QCOMPARE(e.error, error);
}

void TestExposition::hugeLineIsRefused()
{
    QByteArray text = "first 1\nhuge{x=\"";
    text.append(QByteArray(Exposition::kMaxLineBytes, 'a'));
    text.append("\"} 1\n");
    const Exposition e = Exposition::parse(text);
    QCOMPARE(e.error, u"line 2: longer than %1 bytes"_s.arg(Exposition::kMaxLineBytes));
    QCOMPARE(e.samples.size(), 1); // what was read before the error is kept
}

void TestExposition::openMetricsEofAndExemplars()
{
    const QByteArray text = "# TYPE db_client_connections_usage gauge\n"
                            "# UNIT db_client_connections_usage connections\n"
                            "db_client_connections_usage{state=\"used\",pool_name=\"p\"} 4 # {trace_id=\"ab\"} 1 1.5\n"
                            "# EOF\n";
    const Exposition e = Exposition::parse(text, Exposition::Format::OpenMetrics);
    QVERIFY2(e.ok(), qPrintable(e.error));
    QCOMPARE(e.samples.size(), 1);
    QCOMPARE(e.samples[0].value, 4.0);
    QCOMPARE(e.families.value(u"db_client_connections_usage"_s).unit, u"connections"_s);

    QCOMPARE(Exposition::parse("a 1\n", Exposition::Format::OpenMetrics).error,
        u"line 1: OpenMetrics text must end with # EOF"_s);
    QCOMPARE(
        Exposition::parse("a 1\n# EOF\nb 2\n", Exposition::Format::OpenMetrics).error, u"line 3: text after # EOF"_s);
    // In the Prometheus format, '#' after a value is not an exemplar.
    QCOMPARE(Exposition::parse("a 1 # {x=\"y\"} 1\n").error, u"line 1: unexpected '#' after the value"_s);
}

void TestExposition::sniffing()
{
    QCOMPARE(Exposition::sniffFormat("application/openmetrics-text; version=1.0.0; charset=utf-8", "a 1\n"),
        Exposition::Format::OpenMetrics);
    QCOMPARE(Exposition::sniffFormat("text/plain; version=0.0.4", "a 1\n# EOF\n"), Exposition::Format::Prometheus);
    QCOMPARE(Exposition::sniffFormat("", "a 1\n# EOF\n\n"), Exposition::Format::OpenMetrics);
    QCOMPARE(Exposition::sniffFormat("", "a 1\n"), Exposition::Format::Prometheus);
    QVERIFY(Exposition::looksLikeExposition("\n# HELP a b\n"));
    QVERIFY(Exposition::looksLikeExposition("up 1\n"));
    QVERIFY(!Exposition::looksLikeExposition("  {\"a\": 1}"));
    QVERIFY(!Exposition::looksLikeExposition("[1]"));
    QVERIFY(!Exposition::looksLikeExposition(""));
}

void TestExposition::familyOfSuffixedSamples()
{
    const Exposition e = Exposition::parse("# TYPE hikaricp_connections_timeout counter\n"
                                           "hikaricp_connections_timeout_total{pool=\"main\"} 4\n"
                                           "hikaricp_connections_timeout_created{pool=\"main\"} 1700000000\n"
                                           "lonely_total 1\n");
    QVERIFY2(e.ok(), qPrintable(e.error));
    QCOMPARE(e.familyOf(u"hikaricp_connections_timeout_total"_s), u"hikaricp_connections_timeout"_s);
    QCOMPARE(e.familyOf(u"hikaricp_connections_timeout_created"_s), u"hikaricp_connections_timeout"_s);
    QCOMPARE(e.familyOf(u"lonely_total"_s), u"lonely_total"_s); // no declared family: the name itself
}

void TestExposition::selectors_data()
{
    QTest::addColumn<QString>("selector");
    QTest::addColumn<QString>("metric");
    QTest::addColumn<QList<int>>("matching"); // indices into the samples below

    QTest::addRow("name") << u"hikaricp_connections_active"_s << u"hikaricp_connections_active"_s
                          << QList<int> { 0, 1 };
    QTest::addRow("name and label") << uR"(hikaricp_connections_active{pool="main"})"_s
                                    << u"hikaricp_connections_active"_s << QList<int> { 0 };
    QTest::addRow("trailing comma, spaces") << uR"( hikaricp_connections_active { pool = "aux" , } )"_s
                                            << u"hikaricp_connections_active"_s << QList<int> { 1 };
    QTest::addRow("not equal") << uR"(hikaricp_connections_active{pool!="main"})"_s << u"hikaricp_connections_active"_s
                               << QList<int> { 1 };
    QTest::addRow("regex is anchored") << uR"({__name__=~"hikaricp_.*",pool=~"ma")"
                                          "}"_s
                                       << QString() << QList<int> {};
    QTest::addRow("regex") << uR"({__name__=~"hikaricp_.*",pool=~"ma.*"})"_s << QString() << QList<int> { 0 };
    QTest::addRow("negative regex") << uR"(db_client_connection_count{db_client_connection_state!~"idle"})"_s
                                    << u"db_client_connection_count"_s << QList<int> { 2 };
    QTest::addRow("absent label matches empty")
        << uR"(db_client_connection_count{pool=""})"_s << u"db_client_connection_count"_s << QList<int> { 2, 3 };
}

void TestExposition::selectors()
{
    QFETCH(QString, selector);
    QFETCH(QString, metric);
    QFETCH(QList<int>, matching);
    const Exposition e = Exposition::parse("hikaricp_connections_active{pool=\"main\",} 7\n"
                                           "hikaricp_connections_active{pool=\"aux\",} 2\n"
                                           "db_client_connection_count{db_client_connection_state=\"used\"} 3\n"
                                           "db_client_connection_count{db_client_connection_state=\"idle\"} 1\n");
    QVERIFY(e.ok());
    QString error;
    const std::optional<SeriesSelector> s = SeriesSelector::parse(selector, &error);
    QVERIFY2(s, qPrintable(error));
    QCOMPARE(s->metricName(), metric);
    QList<int> matched;
    for (int i = 0; i < e.samples.size(); ++i) {
        if (s->matches(e.samples[i]))
            matched.append(i);
    }
    QCOMPARE(matched, matching);
}

void TestExposition::selectorErrors_data()
{
    QTest::addColumn<QString>("selector");
    QTest::addColumn<QString>("error");
    QTest::addRow("empty") << QString() << u"at 0: empty selector"_s;
    QTest::addRow("no operator") << u"a{pool \"x\"}"_s << u"at 7: expected =, !=, =~ or !~ after pool"_s;
    QTest::addRow("unquoted") << u"a{pool=x}"_s << u"at 7: expected a quoted value for pool"_s;
    QTest::addRow("bad regex") << u"a{pool=~\"(\"}"_s
                               << u"at 11: bad regular expression for pool: missing closing parenthesis"_s;
    QTest::addRow("unclosed") << u"a{pool=\"x\""_s << u"at 10: expected ',' or '}'"_s;
    QTest::addRow("junk after") << u"a b"_s << u"at 2: unexpected 'b'"_s;
}

void TestExposition::selectorErrors()
{
    QFETCH(QString, selector);
    QFETCH(QString, error);
    QString actual;
    QVERIFY(!SeriesSelector::parse(selector, &actual));
    QCOMPARE(actual, error);
}

void TestExposition::wellKnownNames_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<double>("checkedOut");
    QTest::addColumn<double>("idle");
    QTest::addColumn<double>("poolMax");
    QTest::addColumn<QString>("checkedOutSource");

    QTest::addRow("OpenTelemetry")
        << QByteArray("# TYPE db_client_connection_count gauge\n"
                      "db_client_connection_count{db_client_connection_pool_name=\"p\","
                      "db_client_connection_state=\"idle\"} 2\n"
                      "db_client_connection_count{db_client_connection_pool_name=\"p\","
                      "db_client_connection_state=\"used\"} 5\n"
                      "db_client_connection_max{db_client_connection_pool_name=\"p\"} 10\n")
        << 5.0 << 2.0 << 10.0
        << uR"(db_client_connection_count{db_client_connection_pool_name="p",db_client_connection_state="used"})"_s;
    QTest::addRow("OpenTelemetry, older names")
        << QByteArray("db_client_connections_usage{pool_name=\"p\",state=\"used\"} 4\n"
                      "db_client_connections_usage{pool_name=\"p\",state=\"idle\"} 1\n"
                      "db_client_connections_max{pool_name=\"p\"} 8\n")
        << 4.0 << 1.0 << 8.0 << uR"(db_client_connections_usage{pool_name="p",state="used"})"_s;
    QTest::addRow("HikariCP (Micrometer)") << QByteArray("hikaricp_connections_active{pool=\"main\",} 7.0\n"
                                                         "hikaricp_connections_idle{pool=\"main\",} 3.0\n"
                                                         "hikaricp_connections_max{pool=\"main\",} 20.0\n"
                                                         "hikaricp_connections{pool=\"main\",} 10.0\n")
                                           << 7.0 << 3.0 << 20.0 << uR"(hikaricp_connections_active{pool="main"})"_s;
    QTest::addRow("Go database/sql") << QByteArray("go_sql_in_use_connections{db_name=\"orders\"} 3\n"
                                                   "go_sql_idle_connections{db_name=\"orders\"} 2\n"
                                                   "go_sql_max_open_connections{db_name=\"orders\"} 25\n"
                                                   "go_sql_wait_count_total{db_name=\"orders\"} 12\n")
                                     << 3.0 << 2.0 << 25.0 << uR"(go_sql_in_use_connections{db_name="orders"})"_s;
}

void TestExposition::wellKnownNames()
{
    QFETCH(QByteArray, text);
    QFETCH(double, checkedOut);
    QFETCH(double, idle);
    QFETCH(double, poolMax);
    QFETCH(QString, checkedOutSource);
    const Exposition e = Exposition::parse(text);
    QVERIFY2(e.ok(), qPrintable(e.error));
    const ProfileResult r = Profile::builtin(u"auto"_s)->apply(e);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.metrics[Metric::CheckedOut], checkedOut);
    QCOMPARE(r.metrics[Metric::PoolIdle], idle);
    QCOMPARE(r.metrics[Metric::PoolMax], poolMax);
    QCOMPARE(r.source(Metric::CheckedOut), checkedOutSource);
    QVERIFY(!r.metrics.has(Metric::Tracked)); // nothing here says what the app tracks
}

void TestExposition::severalPoolsAreNeverSummed()
{
    const Exposition e = Exposition::parse("hikaricp_connections_active{pool=\"main\",} 7\n"
                                           "hikaricp_connections_active{pool=\"batch\",} 2\n"
                                           "hikaricp_connections_max{pool=\"main\",} 20\n"
                                           "hikaricp_connections_max{pool=\"batch\",} 5\n");
    const Profile profile = *Profile::builtin(u"auto"_s);
    const ProfileResult all = profile.apply(e);
    QVERIFY(!all.metrics.has(Metric::CheckedOut));
    QCOMPARE(all.error,
        u"the payload has 2 pools (batch, main): set \"pool\" on the target to choose one (a target per pool)"_s);

    const ProfileResult batch = profile.apply(e, u"batch"_s);
    QVERIFY2(batch.ok(), qPrintable(batch.error));
    QCOMPARE(batch.metrics[Metric::CheckedOut], 2.0);
    QCOMPARE(batch.metrics[Metric::PoolMax], 5.0);
}

void TestExposition::explicitSelectors()
{
    const Exposition e = Exposition::parse("app_pool_out{pool=\"main\"} 9\n"
                                           "app_tracked{pool=\"main\",kind=\"http\"} 4\n"
                                           "app_tracked{pool=\"main\",kind=\"jobs\"} 1\n");
    QString error;
    const std::optional<Profile> profile = Profile::create(u"auto"_s,
        { { u"checked_out"_s, u"app_pool_out"_s }, { u"tracked"_s, uR"(app_tracked{kind="http"})"_s } }, &error);
    QVERIFY2(profile, qPrintable(error));
    const ProfileResult r = profile->apply(e);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.metrics[Metric::CheckedOut], 9.0);
    QCOMPARE(r.metrics[Metric::Tracked], 4.0);
    QCOMPARE(r.metrics[Metric::Discrepancy], 5.0);
    QCOMPARE(r.source(Metric::Discrepancy), u"derived"_s);

    // A selector that matches two series is an error that says where, not a sum.
    const ProfileResult ambiguous = Profile::create(u"auto"_s, { { u"tracked"_s, u"app_tracked"_s } })->apply(e);
    QVERIFY(!ambiguous.metrics.has(Metric::Tracked));
    QCOMPARE(ambiguous.error, u"tracked: app_tracked matches 2 series (line 2 and line 3); narrow it with labels"_s);
}

void TestExposition::valuesThatAreNotCounts()
{
    const ProfileResult r = Profile::builtin(u"auto"_s)->apply(
        Exposition::parse("hikaricp_connections_active -1\nhikaricp_connections_idle NaN\n"));
    QVERIFY(!r.metrics.has(Metric::CheckedOut));
    QCOMPARE(r.error,
        u"checked_out at hikaricp_connections_active{} (line 1): expected a count (a whole number, 0 or more), got -1; "
        u"pool_idle at hikaricp_connections_idle{} (line 2): expected a count (a whole number, 0 or more), got nan"_s);
}

void TestExposition::fieldsOfTheWrongKind()
{
    QCOMPARE(validateFields({ { u"checked_out"_s, u"hikaricp_connections_active{pool=}"_s } }),
        QStringList { u"checked_out: invalid series selector \"hikaricp_connections_active{pool=}\": at 33: expected a "
                      u"quoted value for pool"_s });
    QCOMPARE(validateFields({ { u"routes"_s, u"app_routes"_s } }),
        QStringList { u"routes: expected a JSON Pointer (series selectors map only metrics), got \"app_routes\""_s });
    // A JSON Pointer on a Prometheus payload, and a selector on a JSON one, say what to use instead.
    const ProfileResult pointerOnText
        = Profile::create(u"auto"_s, { { u"checked_out"_s, u"/pool/out"_s } })->apply(Exposition::parse("x 1\n"));
    QVERIFY(pointerOnText.error.startsWith(u"checked_out: the JSON Pointer /pool/out applies to JSON payloads"_s));
    const ProfileResult selectorOnJson
        = Profile::create(u"auto"_s, { { u"checked_out"_s, u"x"_s } })->apply(QJsonValue(QJsonObject()));
    QVERIFY(selectorOnJson.error.startsWith(u"checked_out: the series selector x applies to Prometheus payloads"_s));
}

void TestExposition::recognisedNothingSaysWhatItSaw()
{
    const ProfileResult r = Profile::builtin(u"auto"_s)->apply(Exposition::parse(
        "# TYPE http_requests counter\nhttp_requests_total{code=\"200\"} 5\nprocess_cpu_seconds_total 1\n"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error,
        u"recognised no pool metric in this payload; its metric families are http_requests, "
        u"process_cpu_seconds_total; map them with \"fields\" (series selectors)"_s);
}

QTEST_GUILESS_MAIN(TestExposition)
#include "tst_exposition.moc"
