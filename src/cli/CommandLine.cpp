#include "CommandLine.h"
#include "record/RecordingFile.h"
#include "workspace/WorkspaceFile.h"

#include "TimeArgument.h"

#include <QFile>
#include <QRegularExpression>
#include <QUrl>

#include <libpq-fe.h>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// The dbname (or service) a conninfo names, to give an ad-hoc database a readable name.
QString databaseLabel(const QString& conninfo)
{
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.toUtf8().constData(), &error);
    PQfreemem(error);
    if (!options)
        return {};
    QString dbname;
    QString service;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        if (!o->val)
            continue;
        if (qstrcmp(o->keyword, "dbname") == 0)
            dbname = QString::fromUtf8(o->val);
        else if (qstrcmp(o->keyword, "service") == 0)
            service = QString::fromUtf8(o->val);
    }
    PQconninfoFree(options);
    return !dbname.isEmpty() ? dbname : service;
}

QString uniqueName(QString name, const QStringList& taken)
{
    if (!taken.contains(name))
        return name;
    for (int i = 2;; ++i) {
        const QString candidate = u"%1-%2"_s.arg(name).arg(i);
        if (!taken.contains(candidate))
            return candidate;
    }
}

} // namespace

CommandLine parseCommandLine(const QStringList& arguments)
{
    CommandLine cl;
    qsizetype i = 0;
    if (!arguments.isEmpty()) {
        const QString& first = arguments.first();
        if (first == u"status"_s) {
            cl.command = CommandLine::Command::Status;
            ++i;
        } else if (first == u"screenshot"_s) {
            cl.command = CommandLine::Command::Screenshot;
            ++i;
        } else if (first == u"record"_s) {
            cl.command = CommandLine::Command::Record;
            ++i;
        } else if (first == u"export"_s) {
            cl.command = CommandLine::Command::Export;
            ++i;
        } else if (first == u"explain"_s) {
            cl.command = CommandLine::Command::Explain;
            ++i;
        } else if (first == u"agent"_s) {
            cl.command = CommandLine::Command::Agent;
            ++i;
        } else if (first == u"convert"_s) {
            cl.command = CommandLine::Command::Convert;
            ++i;
        }
        if (i == 1)
            cl.subcommand = first;
    }

    QStringList targetNames;
    QStringList databaseNames;
    TargetConfig* lastTarget = nullptr;
    bool sizeGiven = false;
    bool durationGiven = false;
    bool watchGiven = false;
    bool agentOptionGiven = false;

    auto fail = [&cl](const QString& message) {
        if (cl.error.isEmpty())
            cl.error = message;
    };

    for (; i < arguments.size(); ++i) {
        QString arg = arguments.at(i);
        QString inlineValue;
        bool hasInline = false;
        if (arg.startsWith(u"--"_s) && arg.contains(u'=')) {
            const qsizetype eq = arg.indexOf(u'=');
            inlineValue = arg.mid(eq + 1);
            arg = arg.left(eq);
            hasInline = true;
        }
        auto value = [&](QString* out) {
            if (hasInline) {
                *out = inlineValue;
                return true;
            }
            if (i + 1 >= arguments.size()) {
                fail(u"%1 needs a value"_s.arg(arg));
                return false;
            }
            *out = arguments.at(++i);
            return true;
        };
        auto number = [&](double* out, double min, double max) {
            QString text;
            if (!value(&text))
                return;
            bool ok = false;
            const double v = text.toDouble(&ok);
            if (!ok || v < min || v > max) {
                fail(u"%1: \"%2\" is not a number of seconds between %3 and %4"_s.arg(arg, text).arg(min).arg(max));
                return;
            }
            *out = v;
        };

        if (arg == u"-h"_s || arg == u"--help"_s) {
            cl.command = CommandLine::Command::Help;
            cl.helpTopic = cl.subcommand;
        } else if (arg == u"--version"_s) {
            cl.command = CommandLine::Command::Version;
        } else if (arg == u"--demo"_s) {
            cl.demo = true;
        } else if (arg == u"--json"_s) {
            cl.json = true;
        } else if (arg == u"--health"_s) {
            QString url;
            if (!value(&url))
                break;
            TargetConfig t;
            t.url = url;
            const QUrl parsed(url);
            const QString base = parsed.host().isEmpty()
                ? u"target"_s
                : (parsed.port() > 0 ? u"%1:%2"_s.arg(parsed.host()).arg(parsed.port()) : parsed.host());
            t.name = uniqueName(base, targetNames);
            targetNames.append(t.name);
            cl.adHoc.targets.append(t);
            lastTarget = &cl.adHoc.targets.last();
        } else if (arg == u"--name"_s || arg == u"--profile"_s || arg == u"--app"_s) {
            QString v;
            if (!value(&v))
                break;
            if (!lastTarget) {
                fail(u"%1 must follow the --health URL it describes"_s.arg(arg));
                break;
            }
            if (arg == u"--name"_s) {
                targetNames.removeOne(lastTarget->name);
                lastTarget->name = v;
                targetNames.append(v);
            } else if (arg == u"--profile"_s) {
                lastTarget->profile = v;
            } else {
                lastTarget->applicationName = v;
            }
        } else if (arg == u"--pg"_s) {
            QString conninfo;
            if (!value(&conninfo))
                break;
            DatabaseConfig d;
            d.conninfo = conninfo;
            const QString label = databaseLabel(conninfo);
            d.name = uniqueName(label.isEmpty() ? u"postgres"_s : label, databaseNames);
            databaseNames.append(d.name);
            cl.adHoc.databases.append(d);
        } else if (arg == u"--leak"_s) {
            QString text;
            if (!value(&text))
                break;
            bool ok = false;
            const double rate = text.toDouble(&ok);
            if (!ok || rate <= 0 || rate > 600) {
                fail(u"--leak: \"%1\" is not a number of connections a minute between 0 and 600"_s.arg(text));
                break;
            }
            cl.demoLeakPerMinute = rate;
        } else if (arg == u"--wait"_s) {
            number(&cl.waitSeconds, 0.1, 3600);
        } else if (arg == u"--watch"_s) {
            number(&cl.watchSeconds, 1, 86400);
            watchGiven = true;
        } else if (arg == u"--duration"_s) {
            QString text;
            if (!value(&text))
                break;
            QString durationError;
            if (!parseDuration(text, &cl.durationMs, &durationError))
                fail(durationError);
            durationGiven = true;
        } else if (arg == u"--what"_s) {
            if (!value(&cl.what))
                break;
            static const QStringList kinds { u"timeline"_s, u"routes"_s, u"backends"_s, u"events"_s, u"holders"_s,
                u"poolers"_s };
            if (!kinds.contains(cl.what))
                fail(u"--what: \"%1\" is not one of %2"_s.arg(cl.what, kinds.join(u", "_s)));
        } else if (arg == u"--from"_s) {
            value(&cl.fromText);
        } else if (arg == u"--to"_s) {
            value(&cl.toText);
        } else if (arg == u"--at"_s) {
            value(&cl.atText);
        } else if (arg == u"--redact"_s) {
            cl.redact = true;
        } else if (arg == u"--force"_s) {
            cl.force = true;
        } else if (arg == u"--raw"_s) {
            cl.raw = true;
        } else if (arg == u"--web.config.file"_s) {
            agentOptionGiven = true;
            value(&cl.webConfigFile);
        } else if (arg == u"--listen"_s || arg == u"--token-env"_s || arg == u"--tls-cert"_s || arg == u"--tls-key"_s) {
            agentOptionGiven = true;
            QString v;
            if (!value(&v))
                break;
            if (arg == u"--listen"_s)
                cl.listen = v;
            else if (arg == u"--token-env"_s)
                cl.tokenEnv = v;
            else if (arg == u"--tls-cert"_s)
                cl.tlsCert = v;
            else
                cl.tlsKey = v;
        } else if (arg == u"--history"_s) {
            agentOptionGiven = true;
            QString text;
            if (!value(&text))
                break;
            QString durationError;
            if (!parseDuration(text, &cl.historyMs, &durationError))
                fail(durationError.replace(u"--duration"_s, u"--history"_s));
            else if (cl.historyMs < 10LL * 60 * 1000)
                fail(u"--history: %1 is shorter than 10 minutes, too short for a verdict"_s.arg(text));
        } else if (arg == u"--after"_s) {
            number(&cl.afterSeconds, 0, 3600);
        } else if (arg == u"--theme"_s) {
            if (!value(&cl.theme))
                break;
            static const QStringList themes { u"system"_s, u"light"_s, u"dark"_s };
            if (!themes.contains(cl.theme))
                fail(u"--theme: \"%1\" is not one of %2"_s.arg(cl.theme, themes.join(u", "_s)));
        } else if (arg == u"--scale"_s) {
            QString text;
            if (!value(&text))
                break;
            bool ok = false;
            const double scale = text.toDouble(&ok);
            if (!ok || scale < 1 || scale > 4) {
                fail(u"--scale: \"%1\" is not a factor between 1 and 4"_s.arg(text));
                break;
            }
            cl.scale = scale;
        } else if (arg == u"--out"_s) {
            value(&cl.out);
        } else if (arg == u"--size"_s) {
            QString text;
            if (!value(&text))
                break;
            const QStringList parts = text.split(u'x');
            bool okW = false;
            bool okH = false;
            const int w = parts.size() == 2 ? parts[0].toInt(&okW) : 0;
            const int h = parts.size() == 2 ? parts[1].toInt(&okH) : 0;
            if (!okW || !okH || w < 320 || h < 240 || w > 8192 || h > 8192) {
                fail(u"--size: \"%1\" is not WIDTHxHEIGHT between 320x240 and 8192x8192"_s.arg(text));
                break;
            }
            cl.size = QSize(w, h);
            sizeGiven = true;
        } else if (arg == u"--tab"_s) {
            if (!value(&cl.tab))
                break;
            static const QStringList tabs { u"backends"_s, u"routes"_s, u"explain"_s, u"events"_s };
            if (!tabs.contains(cl.tab))
                fail(u"--tab: \"%1\" is not one of %2"_s.arg(cl.tab, tabs.join(u", "_s)));
        } else if (arg.startsWith(u'-')) {
            fail(u"unknown option %1 (see poolscope --help)"_s.arg(arg));
        } else if (cl.recordingPath.isEmpty() && cl.workspacePath.isEmpty() && looksLikeRecording(arg)) {
            cl.recordingPath = arg;
        } else if (cl.workspacePath.isEmpty() && cl.recordingPath.isEmpty()) {
            cl.workspacePath = arg;
        } else {
            fail(u"unexpected argument \"%1\": only one workspace can be given"_s.arg(arg));
        }
    }

    if (!cl.error.isEmpty() || cl.command == CommandLine::Command::Help || cl.command == CommandLine::Command::Version)
        return cl;

    const int sources = (cl.workspacePath.isEmpty() ? 0 : 1) + (cl.hasAdHoc() ? 1 : 0) + (cl.demo ? 1 : 0)
        + (cl.recordingPath.isEmpty() ? 0 : 1);
    if (sources > 1)
        fail(u"give a workspace file, --health/--pg flags, --demo or a recording, not several"_s);
    using C = CommandLine::Command;
    const C command = cl.command;
    if ((command == C::Status || command == C::Explain || command == C::Record) && !cl.recordingPath.isEmpty())
        fail(u"%1 watches live targets; give it a workspace, not the recording %2"_s.arg(command == C::Status
                ? u"status"_s
                : command == C::Explain ? u"explain"_s
                                        : u"record"_s,
            cl.recordingPath));
    if (command == C::Agent) {
        if (sources == 0)
            fail(u"agent needs a workspace file, --health URL or --pg CONNINFO"_s);
        if (cl.demo)
            fail(u"agent does not run the demo; start it and point the agent at its workspace"_s);
        if (!cl.recordingPath.isEmpty())
            fail(u"agent watches live targets; give it a workspace, not the recording %1"_s.arg(cl.recordingPath));
        if (cl.tlsCert.isEmpty() != cl.tlsKey.isEmpty())
            fail(u"--tls-cert and --tls-key go together"_s);
        if (!cl.webConfigFile.isEmpty() && (!cl.tlsCert.isEmpty() || !cl.tokenEnv.isEmpty()))
            fail(
                u"--web.config.file holds the token and TLS settings; do not combine it with --token-env or --tls-*"_s);
        if (!cl.listen.contains(u':'))
            fail(u"--listen: \"%1\" is not ADDRESS:PORT"_s.arg(cl.listen));
    }
    if (command != C::Agent && agentOptionGiven)
        fail(
            u"--listen, --token-env, --tls-cert, --tls-key, --web.config.file and --history belong to the agent command"_s);
    if (command == C::Record) {
        if (sources == 0)
            fail(u"record needs a workspace file, --health URL or --pg CONNINFO"_s);
        if (cl.demo)
            fail(u"record does not run the demo; start it and point record at its workspace"_s);
        if (cl.out.isEmpty())
            fail(u"record needs --out FILE.psrec"_s);
    }
    if (command != C::Record && durationGiven)
        fail(u"--duration belongs to the record command"_s);
    if (command == C::Export) {
        if (cl.recordingPath.isEmpty())
            fail(u"export needs a recording (FILE.psrec)"_s);
        if (cl.what.isEmpty())
            fail(u"export needs --what timeline|routes|backends|events|holders|poolers"_s);
        if (cl.out.isEmpty())
            fail(u"export needs --out FILE.csv"_s);
        if (!cl.atText.isEmpty() && (!cl.fromText.isEmpty() || !cl.toText.isEmpty()))
            fail(u"--at gives one moment; do not combine it with --from/--to"_s);
        if (!cl.atText.isEmpty() && cl.what != u"backends"_s && cl.what != u"routes"_s && cl.what != u"holders"_s)
            fail(u"--at applies to --what backends, routes or holders; use --from/--to for %1"_s.arg(cl.what));
    }
    if (command == C::Convert) {
        if (cl.recordingPath.isEmpty())
            fail(u"convert needs a recording (FILE.sqlite, format 1)"_s);
        if (sources > 1 || cl.demo || cl.hasAdHoc() || !cl.workspacePath.isEmpty())
            fail(u"convert reads one recording; give it nothing else"_s);
        if (cl.out.isEmpty())
            fail(u"convert needs --out FILE.psrec"_s);
    }
    if (command != C::Export && (!cl.what.isEmpty() || !cl.fromText.isEmpty() || !cl.toText.isEmpty()))
        fail(u"--what, --from and --to belong to the export command"_s);
    if (command != C::Export && command != C::Screenshot && !cl.atText.isEmpty())
        fail(u"--at belongs to the export and screenshot commands"_s);
    if (command != C::Export && command != C::Screenshot && command != C::Agent && cl.redact)
        fail(u"--redact belongs to the export, screenshot and agent commands"_s);
    if (command == C::Screenshot && !cl.atText.isEmpty() && cl.recordingPath.isEmpty())
        fail(u"screenshot --at needs a recording (FILE.psrec)"_s);
    if (cl.demoLeakPerMinute > 0 && !cl.demo)
        fail(u"--leak belongs to --demo"_s);
    if (cl.command == CommandLine::Command::Status && sources == 0)
        fail(u"status needs a workspace file, --health URL or --pg CONNINFO"_s);
    if (cl.command == CommandLine::Command::Status && cl.demo)
        fail(u"status does not run the demo; start it and point status at its workspace"_s);
    if (cl.command == CommandLine::Command::Explain && sources == 0)
        fail(u"explain needs a workspace file, --health URL or --pg CONNINFO"_s);
    if (cl.command == CommandLine::Command::Explain && cl.demo)
        fail(u"explain does not run the demo; start it and point explain at its workspace"_s);
    if (cl.command != CommandLine::Command::Explain && watchGiven)
        fail(u"--watch belongs to the explain command"_s);
    if (cl.command == CommandLine::Command::Screenshot && cl.out.isEmpty())
        fail(u"screenshot needs --out FILE.png or FILE.svg"_s);
    if (command != C::Export && command != C::Screenshot && cl.force)
        fail(u"--force belongs to the export and screenshot commands"_s);
    if (command != C::Export && cl.raw)
        fail(u"--raw belongs to the export command"_s);
    if (command != C::Screenshot && command != C::Record && command != C::Export && command != C::Convert
        && !cl.out.isEmpty())
        fail(u"--out belongs to the screenshot, record, export and convert commands"_s);
    if (command != C::Screenshot && sizeGiven)
        fail(u"--size belongs to the screenshot command"_s);
    if (command != C::Screenshot && !cl.tab.isEmpty())
        fail(u"--tab belongs to the screenshot command"_s);
    return cl;
}

WorkspaceResult workspaceFor(const CommandLine& cl)
{
    if (!cl.workspacePath.isEmpty())
        return loadWorkspace(cl.workspacePath);
    WorkspaceResult result;
    Workspace ws = cl.adHoc;
    const QStringList errors = validateWorkspace(ws);
    if (!errors.isEmpty()) {
        // Name the flag, not the workspace field the user never wrote: "targets[1].url" -> "--health #2 (url)".
        static const QRegularExpression place(u"^(targets|databases)\\[(\\d+)\\]\\.?(\\w*)"_s);
        for (const QString& e : errors) {
            const auto m = place.match(e);
            if (!m.hasMatch()) {
                result.errors.append(e);
                continue;
            }
            const QString flag = m.captured(1) == u"targets"_s ? u"--health"_s : u"--pg"_s;
            result.errors.append(
                u"%1 #%2 (%3)"_s.arg(flag).arg(m.captured(2).toInt() + 1).arg(m.captured(3)) + e.mid(m.capturedEnd()));
        }
        return result;
    }
    result.workspace = std::move(ws);
    return result;
}

bool looksLikeRecording(const QString& path)
{
    if (path.endsWith(recording::kSuffix, Qt::CaseInsensitive)
        || path.endsWith(recording::kSuffixFormat1, Qt::CaseInsensitive))
        return true;
    return recording::formatOfFile(path) != 0;
}

QString usageText()
{
    return uR"(Usage:
  poolscope                                 the welcome page: recent workspaces, new, open, demo
  poolscope [WORKSPACE]                     open the monitor on a workspace file
  poolscope --demo [--leak R]               open the monitor on the built-in demo service
                                            (--leak: its web process leaks R connections a minute)
  poolscope [--health URL [--name N] [--profile P] [--app APPLICATION_NAME]]... [--pg CONNINFO]...
  poolscope status [WORKSPACE | flags] [--json] [--wait SECONDS]
                                            poll every target and database once and print their state
                                            (--json: as JSON); --wait: at most SECONDS (10) for the answers
  poolscope screenshot [WORKSPACE | flags | --demo] --out FILE.png|FILE.svg [--after SECONDS] [--size WxH]
                   [--theme T] [--scale F] [--tab backends|routes|explain|events] [--force]
                                            .svg: the chart, as vectors; else a PNG of the window
                                            (--scale 2: twice the pixels, for high-DPI screens)
  poolscope FILE.psrec                      review a recording (no live sources)
  poolscope screenshot FILE.psrec [--at T] [--redact] [--theme T] [--scale F] [--force] --out FILE.png|FILE.svg
  poolscope record [WORKSPACE | flags] --out FILE.psrec [--duration D]
                                            record headless until D (90, 90s, 10m, 12h) or SIGINT/SIGTERM
  poolscope export FILE.psrec --what timeline|routes|backends|events|holders|poolers [--from T] [--to T] [--at T]
                   [--redact] [--raw] [--force] --out FILE.csv
                                            text cells starting with = + - @ TAB CR get a ' in front so that a
                                            spreadsheet does not run them; --raw writes them as they are
                                            T: ISO 8601 (2026-11-27T03:12:00Z; no zone = local) or a time
                                            of day (03:12, 03:12:30) on the recording's day, local time
  poolscope convert FILE.sqlite --out FILE.psrec
                                            rewrite a format-1 recording (SQLite, the format before 2) in
                                            format 2; the old file is only read (it opens as it is, too)
  poolscope agent [WORKSPACE | flags] [--listen ADDR:PORT] [--token-env NAME] [--tls-cert FILE --tls-key FILE]
                  [--web.config.file FILE] [--history D] [--redact]
                                            headless: poll and serve /metrics (Prometheus) and /api/v1/snapshot
                                            (JSON) on ADDR:PORT (default 127.0.0.1:9478) until SIGINT/SIGTERM;
                                            --token-env: requests need "Authorization: Bearer $NAME";
                                            --web.config.file: Prometheus-style web config (tls_server_config,
                                            bearer_token: ${env:NAME}); --history: what it keeps for the
                                            verdict (default 2h); --redact: the snapshot's queries as
                                            fingerprints, client addresses masked, holders' frames without
                                            their literals
  poolscope explain [WORKSPACE | flags] [--watch SECONDS] [--json]
                                            watch (default: long enough for a verdict, 90 s with 2 s polls),
                                            then say per target whether the discrepancy is a stable baseline
                                            or a leak, and which backends hold it. SIGINT/SIGTERM: prints the
                                            report of what was seen so far and exits 4

Output files (--out) are checked before anything is written: never the file being read, never an existing
file of another kind (a recording, notes, CSV onto PNG...) unless --force; a recording is never replaced.

The window and its screenshots: --theme system|light|dark chooses the palette for this run (View > Theme
remembers one); --scale F draws at F device pixels per pixel (1 to 4).

Targets are health endpoints (HTTP/HTTPS JSON) of processes that own a pool; databases are read through
pg_stat_activity. Profiles: auto (default), seed, psycopg_pool, node-postgres.

status and explain exit codes: 0 OK, 1 WARNING, 2 CRITICAL (discrepancy thresholds), 3 UNKNOWN (a target or database failed);
explain: 4 interrupted by SIGINT/SIGTERM (the report printed is of what was seen until then).
)"_s;
}

QStringList subcommands()
{
    // Every synopsis line "  poolscope WORD ..." whose WORD is a lower-case word names a sub-command.
    static const QRegularExpression synopsis(u"^  poolscope ([a-z]+) "_s, QRegularExpression::MultilineOption);
    QStringList names;
    for (auto it = synopsis.globalMatch(usageText()); it.hasNext();) {
        const QString name = it.next().captured(1);
        if (!names.contains(name))
            names.append(name);
    }
    return names;
}

QString usageText(const QString& subcommand)
{
    if (subcommand.isEmpty())
        return usageText();
    // The sub-command's synopsis lines (with their indented continuations) out of the general usage, then the
    // notes that concern it: those naming it or one of its options, and those naming no sub-command and no option.
    const QStringList paragraphs = usageText().split(u"\n\n"_s);
    QStringList synopsis;
    bool inBlock = false;
    for (const QString& line : paragraphs.first().split(u'\n')) {
        if (line.startsWith(u"  poolscope"_s))
            inBlock = line.startsWith(u"  poolscope %1 "_s.arg(subcommand));
        else if (!line.startsWith(u"    "_s))
            inBlock = false;
        if (inBlock)
            synopsis.append(line);
    }
    static const QRegularExpression option(u"--[a-z]+"_s);
    QStringList options;
    for (auto it = option.globalMatch(synopsis.join(u'\n')); it.hasNext();)
        options.append(it.next().captured());
    const QStringList names = subcommands();
    QString text = u"Usage:\n"_s + synopsis.join(u'\n') + u'\n';
    for (qsizetype i = 1; i < paragraphs.size(); ++i) {
        const QString& note = paragraphs.at(i);
        const auto mentions = [&note](const QString& word) {
            return note.contains(QRegularExpression(u"(^|[^-\\w])%1\\b"_s.arg(QRegularExpression::escape(word))));
        };
        const bool general = std::none_of(names.begin(), names.end(), mentions) && !note.contains(option);
        const bool concerns = mentions(subcommand)
            || std::any_of(options.begin(), options.end(), [&note](const QString& o) { return note.contains(o); });
        if (concerns || general)
            text += u'\n' + note + (note.endsWith(u'\n') ? u""_s : u"\n"_s);
    }
    return text;
}

} // namespace poolscope
