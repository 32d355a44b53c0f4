#include "analysis/Verdict.h"
#include "cli/CommandLine.h"
#include "cli/ExplainReport.h"
#include "cli/StatusReport.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace poolscope;

class TestCommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A recording is told by its name or, under any name, by its first bytes (format 1: SQLite; format 2).
    void recognisesRecordings_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("recording");
        QTest::addRow("format 2 under any name") << u"shift.rec"_s << QByteArray("PSREC\r\n\x1a\x02\0\0\0", 12) << true;
        QTest::addRow("format 1 under any name") << u"old.db"_s << QByteArray("SQLite format 3\0", 16) << true;
        QTest::addRow(".psrec") << u"new.psrec"_s << QByteArray() << true;
        QTest::addRow(".sqlite") << u"old.sqlite"_s << QByteArray() << true;
        QTest::addRow("workspace") << u"ws.json"_s << QByteArray("{\"version\": 1}") << false;
    }

    void recognisesRecordings()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QFETCH(bool, recording);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
        file.close();
        QCOMPARE(poolscope::looksLikeRecording(file.fileName()), recording);
    }

    void parsesStatusWithAdHocFlags()
    {
        const auto cl = parseCommandLine(
            { u"status"_s, u"--health"_s, u"http://127.0.0.1:8000/health/detailed"_s, u"--name"_s, u"web"_s,
                u"--profile=seed"_s, u"--health"_s, u"http://10.0.0.5/stats"_s, u"--app"_s, u"worker"_s, u"--pg"_s,
                u"host=db dbname=app"_s, u"--pg"_s, u"service=replica"_s, u"--json"_s, u"--wait"_s, u"2.5"_s });
        QVERIFY2(cl.error.isEmpty(), qPrintable(cl.error));
        QCOMPARE(cl.command, CommandLine::Command::Status);
        QVERIFY(cl.json);
        QCOMPARE(cl.waitSeconds, 2.5);
        QCOMPARE(cl.adHoc.targets.size(), 2);
        QCOMPARE(cl.adHoc.targets[0].name, u"web"_s);
        QCOMPARE(cl.adHoc.targets[0].profile, u"seed"_s);
        QCOMPARE(cl.adHoc.targets[1].name, u"10.0.0.5"_s);
        QCOMPARE(cl.adHoc.targets[1].applicationName, u"worker"_s);
        QCOMPARE(cl.adHoc.databases.size(), 2);
        QCOMPARE(cl.adHoc.databases[0].name, u"app"_s);
        QCOMPARE(cl.adHoc.databases[1].name, u"replica"_s);

        const auto ws = workspaceFor(cl);
        QVERIFY2(ws.ok(), qPrintable(ws.errors.join(u'\n')));
        // Ad-hoc targets get the defaults a workspace file would: application_name = name.
        QCOMPARE(ws.workspace->targets[0].applicationName, u"web"_s);
        QCOMPARE(ws.workspace->targets[0].database, QString()); // two databases: no guess
    }

    void parsesScreenshot()
    {
        const auto cl = parseCommandLine({ u"screenshot"_s, u"--demo"_s, u"--out"_s, u"shots/x.png"_s, u"--after"_s,
            u"3"_s, u"--size"_s, u"1200x800"_s, u"--tab"_s, u"explain"_s });
        QVERIFY2(cl.error.isEmpty(), qPrintable(cl.error));
        QCOMPARE(cl.tab, u"explain"_s);
        QCOMPARE(cl.command, CommandLine::Command::Screenshot);
        QVERIFY(cl.demo);
        QCOMPARE(cl.out, u"shots/x.png"_s);
        QCOMPARE(cl.afterSeconds, 3.0);
        QCOMPARE(cl.size, QSize(1200, 800));
    }

    void parsesGui()
    {
        auto cl = parseCommandLine({ u"team.json"_s });
        QCOMPARE(cl.command, CommandLine::Command::Gui);
        QCOMPARE(cl.workspacePath, u"team.json"_s);
        cl = parseCommandLine({ u"--demo"_s });
        QVERIFY(cl.demo);
        QVERIFY(cl.error.isEmpty());
        QCOMPARE(cl.demoLeakPerMinute, 0.0);
        cl = parseCommandLine({ u"--demo"_s, u"--leak"_s, u"6"_s });
        QVERIFY2(cl.error.isEmpty(), qPrintable(cl.error));
        QCOMPARE(cl.demoLeakPerMinute, 6.0);
        QCOMPARE(parseCommandLine({ u"--help"_s }).command, CommandLine::Command::Help);
    }

    // poolscope SUBCOMMAND --help prints that sub-command's usage (the man pages are made from it).
    void subcommandHelp_data()
    {
        QTest::addColumn<QString>("subcommand");
        QTest::addColumn<QString>("mentions");
        QTest::addColumn<QString>("omits");
        QTest::newRow("status") << u"status"_s << u"status and explain exit codes"_s << u"poolscope export"_s;
        QTest::newRow("export") << u"export"_s << u"Output files (--out)"_s << u"exit codes"_s;
        QTest::newRow("screenshot") << u"screenshot"_s << u"--scale F"_s << u"poolscope record"_s;
        QTest::newRow("explain") << u"explain"_s << u"--watch SECONDS"_s << u"--what"_s;
        QTest::newRow("record") << u"record"_s << u"--duration D"_s << u"exit codes"_s;
    }
    void subcommandHelp()
    {
        QFETCH(QString, subcommand);
        QFETCH(QString, mentions);
        QFETCH(QString, omits);
        QVERIFY(subcommands().contains(subcommand));
        const CommandLine cl = parseCommandLine({ subcommand, u"--help"_s });
        QCOMPARE(cl.command, CommandLine::Command::Help);
        QCOMPARE(cl.helpTopic, subcommand);
        const QString text = usageText(cl.helpTopic);
        QVERIFY2(text.startsWith(u"Usage:\n  poolscope %1 "_s.arg(subcommand)), qPrintable(text));
        QVERIFY2(text.contains(mentions), qPrintable(text));
        QVERIFY2(!text.contains(omits), qPrintable(text));
        QVERIFY(text.contains(u"Targets are health endpoints"_s)); // the general notes too
    }
    void subcommandsAreThoseTheUsageLists()
    {
        // In the usage's order; a new sub-command (agent, ...) joins by its synopsis line alone.
        const QStringList names = subcommands();
        QCOMPARE(names.mid(0, 6),
            (QStringList { u"status"_s, u"screenshot"_s, u"record"_s, u"export"_s, u"convert"_s, u"agent"_s }));
        QVERIFY(!names.contains(u"FILE"_s) && !names.contains(u"poolscope"_s));
        QCOMPARE(usageText(QString()), usageText());
        QVERIFY(parseCommandLine({ u"--help"_s }).helpTopic.isEmpty());
    }

    void themeAndScale()
    {
        auto cl = parseCommandLine(
            { u"screenshot"_s, u"--demo"_s, u"--theme"_s, u"dark"_s, u"--scale=2"_s, u"--out"_s, u"a.png"_s });
        QVERIFY2(cl.error.isEmpty(), qPrintable(cl.error));
        QCOMPARE(cl.theme, u"dark"_s);
        QCOMPARE(cl.scale, 2.0);
        QVERIFY(parseCommandLine({ u"--theme"_s, u"pink"_s }).error.contains(u"--theme: \"pink\""_s));
        QVERIFY(parseCommandLine({ u"--scale"_s, u"0.5"_s }).error.contains(u"--scale"_s));
        QVERIFY(parseCommandLine({ u"--scale"_s, u"8"_s }).error.contains(u"between 1 and 4"_s));
    }

    // explain's default watch reaches a verdict: the Verdict's minimum coverage plus polls to spare.
    void defaultWatchIsLongEnoughForAVerdict()
    {
        QCOMPARE(parseCommandLine({ u"explain"_s, u"w.json"_s }).watchSeconds, 0.0); // = automatic
        Workspace workspace;
        TargetConfig target;
        target.intervalMs = 2000;
        workspace.targets.append(target);
        const double minimum = VerdictOptions {}.minCoverageSeconds;
        QCOMPARE(defaultWatchSeconds(workspace), 90.0);
        QVERIFY(defaultWatchSeconds(workspace) >= minimum + 3 * 2.0);
        DatabaseConfig slow;
        slow.intervalMs = 60'000;
        workspace.databases.append(slow);
        QCOMPARE(defaultWatchSeconds(workspace), minimum + 180.0);
    }

    // status and explain text: no escape sequence from a payload reaches the terminal.
    void terminalSafeText_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("shown");
        QTest::addRow("plain") << u"web  ok\n"_s << u"web  ok\n"_s;
        QTest::addRow("title escape") << u"\x1b]0;pwned\x07x"_s << u"?]0;pwned?x"_s;
        QTest::addRow("clear screen") << u"\x1b[2J"_s << u"?[2J"_s;
        QTest::addRow("C1 CSI and DEL") << u"a\u009b31mb\x7f"_s << u"a?31mb?"_s;
        QTest::addRow("tab and CR") << u"a\tb\rc"_s << u"a b c"_s;
        QTest::addRow("bidi override") << u"abc\u202Efdp.exe"_s << u"abc?fdp.exe"_s;
        QTest::addRow("NUL") << QString(u"a\0b"_s) << u"a?b"_s;
        QTest::addRow("unicode kept") << u"café → 漢字"_s << u"café → 漢字"_s;
    }
    void terminalSafeText()
    {
        QFETCH(QString, text);
        QFETCH(QString, shown);
        QCOMPARE(terminalSafe(text), shown);
    }

    void rejects_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::addRow("status without source") << QStringList { u"status"_s } << u"status needs a workspace file"_s;
        QTest::addRow("missing value") << QStringList { u"status"_s, u"--health"_s } << u"--health needs a value"_s;
        QTest::addRow("name first") << QStringList { u"--name"_s, u"x"_s, u"--health"_s, u"http://h/"_s }
                                    << u"--name must follow the --health URL it describes"_s;
        QTest::addRow("bad wait") << QStringList { u"status"_s, u"w.json"_s, u"--wait"_s, u"soon"_s }
                                  << u"--wait: \"soon\" is not a number of seconds"_s;
        QTest::addRow("bad size") << QStringList { u"screenshot"_s, u"--demo"_s, u"--out"_s, u"a.png"_s, u"--size"_s,
            u"big"_s } << u"--size: \"big\" is not WIDTHxHEIGHT"_s;
        QTest::addRow("bad tab") << QStringList { u"screenshot"_s, u"--demo"_s, u"--out"_s, u"a.png"_s, u"--tab"_s,
            u"chart"_s } << u"--tab: \"chart\" is not one of backends, routes, explain, events"_s;
        QTest::addRow("tab outside screenshot") << QStringList { u"status"_s, u"w.json"_s, u"--tab"_s, u"explain"_s }
                                                << u"--tab belongs to the screenshot command"_s;
        QTest::addRow("holders at") << QStringList { u"export"_s, u"r.sqlite"_s, u"--what"_s, u"events"_s, u"--at"_s,
            u"03:00"_s, u"--out"_s, u"x.csv"_s }
                                    << u"--at applies to --what backends, routes or holders"_s;
        QTest::addRow("no out") << QStringList { u"screenshot"_s, u"--demo"_s }
                                << u"screenshot needs --out FILE.png or FILE.svg"_s;
        QTest::addRow("force outside export") << QStringList { u"status"_s, u"w.json"_s, u"--force"_s }
                                              << u"--force belongs to the export and screenshot commands"_s;
        QTest::addRow("raw outside export") << QStringList { u"screenshot"_s, u"--demo"_s, u"--out"_s, u"a.png"_s,
            u"--raw"_s } << u"--raw belongs to the export command"_s;
        QTest::addRow("two sources") << QStringList { u"w.json"_s, u"--demo"_s } << u"not several"_s;
        QTest::addRow("unknown option") << QStringList { u"--frobnicate"_s } << u"unknown option --frobnicate"_s;
        QTest::addRow("leak without demo")
            << QStringList { u"w.json"_s, u"--leak"_s, u"6"_s } << u"--leak belongs to --demo"_s;
        QTest::addRow("bad leak") << QStringList { u"--demo"_s, u"--leak"_s, u"lots"_s }
                                  << u"--leak: \"lots\" is not a number of connections a minute"_s;
        QTest::addRow("explain without source") << QStringList { u"explain"_s } << u"explain needs a workspace file"_s;
        QTest::addRow("watch outside explain")
            << QStringList { u"status"_s, u"w.json"_s, u"--watch"_s, u"5"_s } << u"--watch"_s;
        QTest::addRow("export without what")
            << QStringList { u"export"_s, u"r.sqlite"_s, u"--out"_s, u"x.csv"_s } << u"--what"_s;
        QTest::addRow("two workspaces") << QStringList { u"a.json"_s, u"b.json"_s } << u"only one workspace"_s;
        QTest::addRow("agent without source") << QStringList { u"agent"_s } << u"agent needs a workspace file"_s;
        QTest::addRow("agent on the demo")
            << QStringList { u"agent"_s, u"--demo"_s } << u"agent does not run the demo"_s;
        QTest::addRow("agent cert without key") << QStringList { u"agent"_s, u"w.json"_s, u"--tls-cert"_s, u"c.pem"_s }
                                                << u"--tls-cert and --tls-key go together"_s;
        QTest::addRow("agent listen without port")
            << QStringList { u"agent"_s, u"w.json"_s, u"--listen"_s, u"localhost"_s } << u"is not ADDRESS:PORT"_s;
        QTest::addRow("listen outside agent")
            << QStringList { u"status"_s, u"w.json"_s, u"--listen"_s, u"127.0.0.1:1"_s }
            << u"--listen, --token-env, --tls-cert, --tls-key, --web.config.file and --history belong to the agent"_s;
        QTest::addRow("web config and token")
            << QStringList { u"agent"_s, u"w.json"_s, u"--web.config.file"_s, u"web.yml"_s, u"--token-env"_s, u"T"_s }
            << u"do not combine it with --token-env"_s;
        QTest::addRow("agent history too short")
            << QStringList { u"agent"_s, u"w.json"_s, u"--history"_s, u"5m"_s } << u"shorter than 10 minutes"_s;
        QTest::addRow("redact outside export, screenshot and agent") << QStringList { u"status"_s, u"w.json"_s,
            u"--redact"_s } << u"--redact belongs to the export, screenshot and agent commands"_s;
        QTest::addRow("at outside export and screenshot") << QStringList { u"agent"_s, u"w.json"_s, u"--at"_s,
            u"03:12"_s } << u"--at belongs to the export and screenshot commands"_s;
        QTest::addRow("convert without recording")
            << QStringList { u"convert"_s, u"--out"_s, u"new.psrec"_s } << u"convert needs a recording"_s;
        QTest::addRow("convert without out")
            << QStringList { u"convert"_s, u"old.sqlite"_s } << u"convert needs --out"_s;
        QTest::addRow("convert of a workspace")
            << QStringList { u"convert"_s, u"w.json"_s, u"--out"_s, u"new.psrec"_s } << u"convert needs a recording"_s;
        QTest::addRow("out outside its commands") << QStringList { u"status"_s, u"w.json"_s, u"--out"_s, u"x.csv"_s }
                                                  << u"--out belongs to the screenshot, record, export and convert"_s;
    }

    void parsesConvert()
    {
        const auto cl = parseCommandLine({ u"convert"_s, u"old.sqlite"_s, u"--out"_s, u"new.psrec"_s });
        QVERIFY2(cl.error.isEmpty(), qPrintable(cl.error));
        QCOMPARE(cl.command, CommandLine::Command::Convert);
        QCOMPARE(cl.recordingPath, u"old.sqlite"_s);
        QCOMPARE(cl.out, u"new.psrec"_s);
    }

    void parsesAgent()
    {
        auto cl = parseCommandLine({ u"agent"_s, u"w.json"_s });
        QVERIFY2(cl.error.isEmpty(), qPrintable(cl.error));
        QCOMPARE(cl.command, CommandLine::Command::Agent);
        QCOMPARE(cl.listen, u"127.0.0.1:9478"_s); // loopback unless told otherwise
        cl = parseCommandLine({ u"agent"_s, u"--health"_s, u"http://h:1/health"_s, u"--listen=[::1]:9000"_s,
            u"--token-env"_s, u"TOKEN"_s, u"--tls-cert"_s, u"c.pem"_s, u"--tls-key"_s, u"k.pem"_s });
        QVERIFY2(cl.error.isEmpty(), qPrintable(cl.error));
        QCOMPARE(cl.listen, u"[::1]:9000"_s);
        QCOMPARE(cl.tokenEnv, u"TOKEN"_s);
        QCOMPARE(cl.tlsCert, u"c.pem"_s);
        QCOMPARE(cl.tlsKey, u"k.pem"_s);
        cl = parseCommandLine({ u"agent"_s, u"w.json"_s, u"--history"_s, u"6h"_s });
        QVERIFY2(cl.error.isEmpty(), qPrintable(cl.error));
        QCOMPARE(cl.historyMs, 6LL * 3600 * 1000);
        QVERIFY(!cl.redact);
        cl = parseCommandLine({ u"agent"_s, u"w.json"_s, u"--redact"_s }); // the snapshot as export --redact
        QVERIFY2(cl.error.isEmpty(), qPrintable(cl.error));
        QVERIFY(cl.redact);
    }

    void rejects()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        const auto cl = parseCommandLine(args);
        QVERIFY2(cl.error.contains(expected), qPrintable(u"«%1» not in «%2»"_s.arg(expected, cl.error)));
    }

    void adHocErrorsNameTheFlag()
    {
        const auto cl
            = parseCommandLine({ u"status"_s, u"--health"_s, u"http://ok/"_s, u"--health"_s, u"gopher://x"_s });
        QVERIFY(cl.error.isEmpty());
        const auto ws = workspaceFor(cl);
        QVERIFY(!ws.ok());
        QVERIFY2(ws.errors.join(u'\n').startsWith(u"--health #2 (url): \"gopher://x\""_s),
            qPrintable(ws.errors.join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
