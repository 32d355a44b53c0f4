#include "StopSignals.h"

#include <cerrno>
#include <csignal>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace poolscope {

namespace {

int g_fds[2] = { -1, -1 };

void onStopSignal(int signal)
{
    const int saved = errno;
    const char byte = static_cast<char>(signal);
    [[maybe_unused]] const ssize_t written = ::write(g_fds[0], &byte, 1);
    errno = saved;
}

} // namespace

bool installStopSignals()
{
    if (g_fds[0] >= 0)
        return true;
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_fds) != 0)
        return false;
    // Never block the handler, and let the reader poll without waiting.
    ::fcntl(g_fds[0], F_SETFL, ::fcntl(g_fds[0], F_GETFL) | O_NONBLOCK);
    ::fcntl(g_fds[1], F_SETFL, ::fcntl(g_fds[1], F_GETFL) | O_NONBLOCK);
    struct sigaction action = {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (::sigaction(SIGINT, &action, nullptr) != 0 || ::sigaction(SIGTERM, &action, nullptr) != 0)
        return false;
    // A parent may have started us with them blocked: a signal pending since then is delivered now.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    return ::sigprocmask(SIG_UNBLOCK, &stop, nullptr) == 0;
}

int stopSignalFd()
{
    return g_fds[1];
}

int takeStopSignal()
{
    if (g_fds[1] < 0)
        return 0;
    char byte = 0;
    return ::read(g_fds[1], &byte, 1) == 1 ? static_cast<int>(byte) : 0;
}

void restoreDefaultStopSignals()
{
    struct sigaction action = {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    if (const int pending = takeStopSignal())
        std::raise(pending);
}

} // namespace poolscope
