#pragma once

#include "workspace/WorkspaceFile.h"

#include <QSize>
#include <QString>
#include <QStringList>

namespace poolscope {

// What the user asked for on the command line. Parsed without side effects so it can be tested.
struct CommandLine
{
    enum class Command { Gui, Status, Screenshot, Help, Version, Explain, Record, Export, Agent, Convert };

    Command command = Command::Gui;
    bool demo = false; // --demo: run on the embedded demo service instead of a workspace
    double demoLeakPerMinute = 0; // --leak R: the demo's web process leaks R connections a minute
    QString workspacePath; // a positional WORKSPACE file
    Workspace adHoc; // targets and databases from --health / --pg flags
    bool json = false; // --json
    double waitSeconds = 10; // status --wait
    double watchSeconds = 0; // explain --watch; 0 = long enough for a verdict (defaultWatchSeconds())
    QString out; // screenshot/record/export/convert --out
    double afterSeconds = 5; // screenshot --after
    QSize size { 1400, 900 }; // screenshot --size
    QString tab; // screenshot --tab: backends, routes, explain or events (empty: as the window opens)
    QString recordingPath; // a positional FILE.psrec (or a format-1 FILE.sqlite): review mode, export, screenshot of a
                           // recording
    qint64 durationMs = 0; // record --duration; 0 = until SIGINT/SIGTERM
    QString what; // export --what: timeline, routes, backends or events
    QString fromText; // export --from (resolved against the recording: see cli/TimeArgument.h)
    QString toText; // export --to
    QString atText; // export/screenshot --at
    bool redact = false; // export/screenshot --redact
    bool force = false; // export/screenshot --force: replace an existing file of another kind (cli/OutputPath.h)
    bool raw = false; // export --raw: text cells as they are, no formula neutralisation
    // agent: where it listens, the environment variable holding its bearer token, its TLS certificate and key
    QString listen = QStringLiteral("127.0.0.1:9478");
    QString tokenEnv;
    QString tlsCert;
    QString tlsKey;
    QString webConfigFile; // agent --web.config.file (agent/WebConfig.h): instead of --token-env/--tls-*
    qint64 historyMs = 2LL * 3600 * 1000; // agent --history: how much of each target's history it keeps
    QString error; // non-empty: the command line is wrong; says why
    QString theme; // --theme system|light|dark: the window's palette for this run (not remembered); empty: the
                   // remembered one
    double scale = 1; // --scale F: device pixel ratio of the window and its screenshots (1..4)
    QString subcommand; // the sub-command word given first ("status", ...), empty for the window
    QString helpTopic; // --help after a sub-command: the sub-command whose usage to print

    bool hasAdHoc() const { return !adHoc.targets.isEmpty() || !adHoc.databases.isEmpty(); }
};

// Parses arguments (without the program name). Options that take a value accept "--opt VALUE" and "--opt=VALUE".
// --name, --profile and --app apply to the --health that precedes them.
CommandLine parseCommandLine(const QStringList& arguments);

QString usageText();
// The usage of one sub-command: its synopsis lines and the notes that concern it (the man page of
// poolscope-SUBCOMMAND(1) is made from it). An empty name gives usageText().
QString usageText(const QString& subcommand);
// The sub-commands the usage text lists ("status", "screenshot", ...), in its order.
QStringList subcommands();

// True when `path` names a recording: it ends in .psrec or .sqlite, or its first bytes are a recording's
// (record/RecordingFile.h).
bool looksLikeRecording(const QString& path);

// The workspace the command line names: a file, or the ad-hoc flags (validated), or an error message.
WorkspaceResult workspaceFor(const CommandLine& commandLine);

} // namespace poolscope
