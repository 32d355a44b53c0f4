#include "Commands.h"

#include "MainWindow.h"
#include "cli/CommandLine.h"
#include "cli/StatusReport.h"
#include "demo/DemoLauncher.h"
#include "sources/Monitor.h"
#include "store/Session.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTimer>

#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

void printErrors(const QStringList& errors)
{
    for (const auto& e : errors)
        std::fprintf(stderr, "poolscope: %s\n", qPrintable(e));
}

void warnUnsetEnvironment(const Monitor& monitor)
{
    for (const auto& name : monitor.unsetEnvironment())
        std::fprintf(
            stderr, "poolscope: warning: ${env:%s} is used but %s is not set\n", qPrintable(name), qPrintable(name));
}

bool haveDisplay()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

// Everything a running window needs, torn down in the right order (window, then sources, then session).
struct LiveWindow
{
    std::unique_ptr<Session> session;
    std::unique_ptr<Monitor> monitor;
    std::unique_ptr<MainWindow> window;
};

std::unique_ptr<LiveWindow> openWindow(Workspace workspace, const QSize& size)
{
    auto live = std::make_unique<LiveWindow>();
    live->session = std::make_unique<Session>(std::move(workspace));
    live->monitor = std::make_unique<Monitor>(live->session.get());
    warnUnsetEnvironment(*live->monitor);
    live->window = std::make_unique<MainWindow>(live->session.get());
    live->window->resize(size);
    live->window->show();
    live->monitor->start();
    return live;
}

bool saveScreenshot(MainWindow* window, const QString& path)
{
    const QImage image = window->renderToImage();
    if (image.isNull() || !image.save(path)) {
        std::fprintf(stderr, "poolscope: cannot write the screenshot to %s\n", qPrintable(path));
        return false;
    }
    std::fprintf(
        stderr, "poolscope: saved a screenshot of the window to %s\n", qPrintable(QFileInfo(path).absoluteFilePath()));
    return true;
}

} // namespace

int runStatus(int& argc, char** argv, const CommandLine& commandLine)
{
    QCoreApplication app(argc, argv);
    const WorkspaceResult loaded = workspaceFor(commandLine);
    if (!loaded.ok()) {
        printErrors(loaded.errors);
        return static_cast<int>(StatusLevel::Unknown);
    }
    Session session(*loaded.workspace);
    Monitor monitor(&session);
    warnUnsetEnvironment(monitor);

    auto finish = [&] {
        monitor.stop();
        if (commandLine.json)
            std::fputs(QJsonDocument(statusJson(session)).toJson(QJsonDocument::Indented).constData(), stdout);
        else
            std::fputs(qPrintable(statusTable(session)), stdout);
        app.exit(static_cast<int>(statusLevel(session)));
    };
    QObject::connect(&monitor, &Monitor::allAnswered, &app, finish, Qt::QueuedConnection);
    QTimer::singleShot(static_cast<int>(commandLine.waitSeconds * 1000), &app, finish);
    monitor.start();
    return app.exec();
}

int runGui(int& argc, char** argv, const CommandLine& commandLine)
{
    const bool screenshot = commandLine.command == CommandLine::Command::Screenshot;
    // Without a display (a server, CI) the window still runs, offscreen, and leaves a screenshot behind.
    const bool headless = qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && (screenshot || !haveDisplay());
    if (headless)
        qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setApplicationName(u"PoolScope"_s);
    QApplication::setApplicationVersion(QStringLiteral(POOLSCOPE_VERSION));
    QApplication::setOrganizationName(u"PoolScope"_s);

    QString screenshotPath = commandLine.out;
    double afterSeconds = commandLine.afterSeconds;
    if (!screenshot && headless) {
        screenshotPath
            = QDir::current().absoluteFilePath(commandLine.demo ? u"poolscope-demo.png"_s : u"poolscope-window.png"_s);
        afterSeconds = 12;
        std::fprintf(
            stderr, "poolscope: no display; running offscreen for %.0f s and saving a screenshot\n", afterSeconds);
    }

    std::unique_ptr<LiveWindow> live;
    int exitCode = 0;
    auto showWorkspace = [&](Workspace workspace) {
        live = openWindow(std::move(workspace), commandLine.size);
        if (!screenshotPath.isEmpty()) {
            QTimer::singleShot(static_cast<int>(afterSeconds * 1000), live->window.get(), [&] {
                exitCode = saveScreenshot(live->window.get(), screenshotPath) ? 0 : 1;
                app.quit();
            });
        }
    };

    DemoLauncher demo;
    if (commandLine.demo) {
        QObject::connect(&demo, &DemoLauncher::ready, &app, [&](const QString& path) {
            const WorkspaceResult loaded = loadWorkspace(path);
            if (!loaded.ok()) {
                printErrors(loaded.errors);
                exitCode = 1;
                app.quit();
                return;
            }
            std::fprintf(stderr, "poolscope: demo running (workspace %s)\n", qPrintable(path));
            showWorkspace(*loaded.workspace);
        });
        QObject::connect(&demo, &DemoLauncher::failed, &app, [&](const QString& message) {
            std::fprintf(stderr, "poolscope: %s\n", qPrintable(message));
            exitCode = 1;
            app.quit();
        });
        std::fprintf(stderr, "poolscope: starting the demo (a throwaway PostgreSQL and three services)...\n");
        demo.start();
    } else {
        const bool none = commandLine.workspacePath.isEmpty() && !commandLine.hasAdHoc();
        if (none) {
            std::fprintf(
                stderr, "poolscope: give a workspace file, --health/--pg flags or --demo\n%s", qPrintable(usageText()));
            return 3;
        }
        const WorkspaceResult loaded = workspaceFor(commandLine);
        if (!loaded.ok()) {
            printErrors(loaded.errors);
            return 3;
        }
        showWorkspace(*loaded.workspace);
    }

    const int code = app.exec();
    live.reset();
    demo.stop();
    return exitCode != 0 ? exitCode : code;
}

} // namespace poolscope
