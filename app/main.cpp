// poolscope: parses the command line and hands over to the GUI or a headless command. Only wiring.
#include "Commands.h"
#include "StopSignals.h"

#include "cli/CommandLine.h"

#include <cstdio>

using namespace Qt::StringLiterals;
using namespace poolscope;

int main(int argc, char** argv)
{
    // First: a SIGINT/SIGTERM during start-up must stop the process cleanly, not kill it half-started.
    if (!installStopSignals())
        std::fprintf(stderr, "poolscope: warning: cannot install the SIGINT/SIGTERM handlers\n");
    QStringList arguments;
    for (int i = 1; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    const CommandLine commandLine = parseCommandLine(arguments);

    if (!commandLine.error.isEmpty()) {
        std::fprintf(stderr, "poolscope: %s\nTry 'poolscope --help'.\n", qPrintable(commandLine.error));
        return 3;
    }
    switch (commandLine.command) {
    case CommandLine::Command::Help:
        std::fputs(qPrintable(usageText(commandLine.helpTopic)), stdout);
        return 0;
    case CommandLine::Command::Version:
        std::printf("PoolScope %s\n", POOLSCOPE_VERSION);
        return 0;
    case CommandLine::Command::Status:
        return runStatus(argc, argv, commandLine);
    case CommandLine::Command::Explain:
        return runExplain(argc, argv, commandLine);
    case CommandLine::Command::Record:
        return runRecord(argc, argv, commandLine);
    case CommandLine::Command::Export:
        return runExport(argc, argv, commandLine);
    case CommandLine::Command::Agent:
        return runAgent(argc, argv, commandLine);
    case CommandLine::Command::Convert:
        return runConvert(argc, argv, commandLine);
    case CommandLine::Command::Screenshot:
    case CommandLine::Command::Gui:
        break;
    }
    return runGui(argc, argv, commandLine);
}
