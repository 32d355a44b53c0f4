#pragma once

// A live window on a workspace for GUI tests: session, monitor and window, wired as the app wires them
// (app/Commands.cpp), the monitor polling.

#include "EvidenceActions.h"
#include "MainWindow.h"
#include "sources/Monitor.h"
#include "store/Session.h"

#include <memory>

namespace poolscope::test {

struct LiveWindow
{
    std::unique_ptr<Session> session;
    std::unique_ptr<Monitor> monitor;
    std::unique_ptr<MainWindow> window;

    explicit LiveWindow(Workspace workspace)
        : session(std::make_unique<Session>(std::move(workspace)))
        , monitor(std::make_unique<Monitor>(session.get()))
        , window(std::make_unique<MainWindow>(session.get(), nullptr, nullptr))
    {
        window->setMonitor(monitor.get());
        if (!session->workspace().path.isEmpty())
            window->evidence()->setReadFiles({ session->workspace().path });
        window->show();
        monitor->start();
    }
    ~LiveWindow()
    {
        window.reset();
        monitor.reset();
    }
    LiveWindow(const LiveWindow&) = delete;
    LiveWindow& operator=(const LiveWindow&) = delete;
};

} // namespace poolscope::test
