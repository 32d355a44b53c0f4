#pragma once

namespace poolscope {
struct CommandLine;

// `poolscope status`: a QCoreApplication, no window.
int runStatus(int& argc, char** argv, const CommandLine& commandLine);
// The window, live or on the demo; `screenshot` is the same window rendered offscreen and saved.
int runGui(int& argc, char** argv, const CommandLine& commandLine);
} // namespace poolscope
