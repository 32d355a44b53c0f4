#pragma once

namespace poolscope {
struct CommandLine;

// `poolscope status`: a QCoreApplication, no window.
int runStatus(int& argc, char** argv, const CommandLine& commandLine);
// `poolscope explain`: watches for --watch seconds, then prints the verdict and suspects per target.
int runExplain(int& argc, char** argv, const CommandLine& commandLine);
// `poolscope record`: headless recording to --out until --duration or SIGINT/SIGTERM.
int runRecord(int& argc, char** argv, const CommandLine& commandLine);
// `poolscope agent`: headless, polls like the window and serves /metrics and /api/v1/snapshot until SIGINT/SIGTERM.
int runAgent(int& argc, char** argv, const CommandLine& commandLine);
// `poolscope export`: a recording to CSV.
int runExport(int& argc, char** argv, const CommandLine& commandLine);
// `poolscope convert`: a format-1 recording rewritten in the newest format.
int runConvert(int& argc, char** argv, const CommandLine& commandLine);
// The window, live or on the demo; `screenshot` is the same window rendered offscreen and saved.
int runGui(int& argc, char** argv, const CommandLine& commandLine);
} // namespace poolscope
