#pragma once

// SIGINT/SIGTERM, from the first line of main: the handler only writes the signal number to a socket pair
// (async-signal-safe); a command reads it with a QSocketNotifier on stopSignalFd() once its event loop runs.
// A signal that arrives before that waits in the socket, so the process never dies half-started.
namespace poolscope {

// Installs the handlers and unblocks both signals (a parent may have blocked them; one pending since then is
// handled now). False (and errno set) when the socket pair or sigaction fails.
bool installStopSignals();
// The end to watch for reading; -1 when the handlers are not installed.
int stopSignalFd();
// Reads one pending signal number (SIGINT or SIGTERM); 0 when none is pending.
int takeStopSignal();
// For commands without an event loop: back to the default action, and a signal that already arrived is
// raised again now (the process ends as if the handlers had never been installed).
void restoreDefaultStopSignals();

} // namespace poolscope
