#include "Commands.h"
#include "workspace/WorkspaceFile.h"

#include "agent/Agent.h"
#include "agent/WebConfig.h"

#include "BackendsPane.h"
#include "EventsPane.h"
#include "EvidenceActions.h"
#include "ExplainPane.h"
#include "FleetLauncher.h"
#include "FleetWindow.h"
#include "MainWindow.h"
#include "RoutesView.h"
#include "ScreenshotRenderer.h"
#include "StopSignals.h"
#include "Theme.h"
#include "WelcomePage.h"
#include "WindowActions.h"
#include "WorkspaceDialog.h"
#include "analysis/Diagnosis.h"
#include "cli/CommandLine.h"
#include "cli/ExplainReport.h"
#include "cli/OutputPath.h"
#include "cli/StatusReport.h"
#include "cli/TimeArgument.h"
#include "demo/DemoLauncher.h"
#include "export/Exporter.h"
#include "format/Format.h"
#include "jobs/JobTracker.h"
#include "record/Recorder.h"
#include "record/RecordingArchive.h"
#include "record/RecordingFile.h"
#include "record/RecordingLoader.h"
#include "record/RecordingManager.h"
#include "record/RecordingReader.h"
#include "sources/Monitor.h"
#include "store/Session.h"
#include "store/SessionAtCursor.h"
#include "store/ViewState.h"
#include "workspace/RecentWorkspaces.h"

#include <QAction>
#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonDocument>
#include <QMessageBox>
#include <QPointer>
#include <QSocketNotifier>
#include <QStatusBar>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// Writes a command's report to stdout and flushes it at once: the report is whole even when something in
// the teardown after it (a library's exit handler, a sanitizer) ends the process abnormally.
void printReport(const QByteArray& report)
{
    std::fwrite(report.constData(), 1, static_cast<std::size_t>(report.size()), stdout);
    std::fflush(stdout);
}

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

// The workspace the command line names, or nothing after printing every problem with its place.
std::optional<Workspace> workspaceOrReport(const CommandLine& commandLine)
{
    WorkspaceResult loaded = workspaceFor(commandLine);
    if (!loaded.ok()) {
        printErrors(loaded.errors);
        return std::nullopt;
    }
    return std::move(loaded.workspace);
}

bool haveDisplay()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

// Everything a running window needs, torn down in the right order (window, then sources, then session).
struct LiveWindow
{
    std::unique_ptr<RecordingArchive> archive; // review mode: outlives the session that points at it
    std::unique_ptr<Session> session;
    std::unique_ptr<Monitor> monitor;
    std::unique_ptr<ViewState> view; // the window's cursor and redaction, which the analysis follows
    std::unique_ptr<Diagnosis> diagnosis; // the live analysis the window shows
    std::unique_ptr<RecordingManager> recording; // live: stopped before the session goes
    std::unique_ptr<MainWindow> window;
};

// Recording is on by default for the interactive window (a new file per session in the recordings
// folder, see RecordingManager); POOLSCOPE_RECORD=0 turns it off. Screenshots never record.
std::unique_ptr<LiveWindow> openWindow(Workspace workspace, const QSize& size, bool record)
{
    auto live = std::make_unique<LiveWindow>();
    live->session = std::make_unique<Session>(std::move(workspace));
    live->monitor = std::make_unique<Monitor>(live->session.get());
    warnUnsetEnvironment(*live->monitor);
    live->view = std::make_unique<ViewState>();
    live->diagnosis = std::make_unique<Diagnosis>(live->session.get(), live->view.get());
    live->window = std::make_unique<MainWindow>(live->session.get(), live->view.get(), live->diagnosis.get());
    live->window->setMonitor(live->monitor.get());
    live->recording = std::make_unique<RecordingManager>();
    if (record && qEnvironmentVariable("POOLSCOPE_RECORD") != u"0"_s) {
        if (live->recording->start(live->session.get()))
            std::fprintf(stderr, "poolscope: recording to %s\n", qPrintable(live->recording->path()));
        else
            std::fprintf(stderr, "poolscope: warning: not recording: %s\n", qPrintable(live->recording->lastError()));
    }
    live->window->evidence()->setRecordingManager(live->recording.get());
    if (!live->session->workspace().path.isEmpty())
        live->window->evidence()->setReadFiles({ live->session->workspace().path });
    live->window->resize(size);
    live->window->show();
    live->monitor->start();
    return live;
}

// Review mode: a job reads the recording (RecordingLoader) off the GUI thread. The window appears as soon as
// the timeline is read (`opened` takes it); the events and the archive the time cursor asks follow, then
// `complete`. --at puts the cursor there, --redact turns redaction on. `failed` gets the reason when the
// file cannot be used.
void openReview(JobTracker& jobs, QObject* receiver, const CommandLine& commandLine,
    std::function<void(std::unique_ptr<LiveWindow>)> opened, std::function<void(const QString&)> failed,
    std::function<void(MainWindow*)> complete = {})
{
    const QString path = commandLine.recordingPath;
    auto shown = std::make_shared<std::pair<LiveWindow*, QPointer<MainWindow>>>(nullptr, nullptr);
    RecordingOpenCallbacks callbacks;
    callbacks.failed = failed;
    callbacks.timeline = [=](std::unique_ptr<Session> session, RecordingReader::TimeRange range) {
        auto live = std::make_unique<LiveWindow>();
        live->session = std::move(session);
        live->view = std::make_unique<ViewState>();
        if (!commandLine.atText.isEmpty()) {
            qint64 at = 0;
            QString error;
            if (!parseTimeArgument(u"--at"_s, commandLine.atText, range.firstMs, range.lastMs, true, &at, &error)) {
                failed(error);
                return;
            }
            live->view->setCursor(at);
        }
        if (commandLine.redact)
            live->view->setRedacted(true);
        std::fprintf(stderr, "poolscope: reviewing %s\n", qPrintable(path));
        live->diagnosis = std::make_unique<Diagnosis>(live->session.get(), live->view.get());
        live->window = std::make_unique<MainWindow>(live->session.get(), live->view.get(), live->diagnosis.get());
        live->window->evidence()->setReadFiles({ path });
        live->window->resize(commandLine.size);
        live->window->show();
        *shown = { live.get(), live->window.get() };
        opened(std::move(live));
    };
    callbacks.rest = [=](std::unique_ptr<RecordingArchive> archive, const QStringList& problems) {
        for (const QString& problem : problems)
            std::fprintf(stderr, "poolscope: warning: %s: %s\n", qPrintable(path), qPrintable(problem));
        if (!shown->second)
            return; // the window was closed meanwhile
        LiveWindow* live = shown->first;
        if (archive) {
            live->archive = std::move(archive);
            live->session->setArchive(live->archive.get());
            live->view->reloadAtCursor(); // the backends, routes and holders at the cursor come from the archive
        }
        if (complete)
            complete(live->window.get());
    };
    openRecording(jobs, path, receiver, std::move(callbacks));
}

// Demo ▸ leak switches, so the growing case can be seen without curl.
void wireDemoMenu(MainWindow* window, DemoLauncher* demo)
{
    using Id = WindowActions::Id;
    WindowActions* actions = window->windowActions();
    actions->setDemoMenuVisible(true);
    const std::pair<Id, double> leaks[] = { { Id::DemoLeakSlow, 6.0 }, { Id::DemoLeakFast, 30.0 } };
    for (const auto& leak : leaks) {
        const double rate = leak.second;
        QObject::connect(
            actions->action(leak.first), &QAction::triggered, demo, [demo, rate] { demo->setLeak(u"web"_s, rate); });
    }
    QObject::connect(
        actions->action(Id::DemoLeakStop), &QAction::triggered, demo, [demo] { demo->setLeak(u"web"_s, 0); });
    QObject::connect(demo, &DemoLauncher::leakSwitched, window,
        [window](const QString& message) { window->statusBar()->showMessage(message, 10000); });
    QObject::connect(demo, &DemoLauncher::leakSwitchFailed, window,
        [window](const QString& message) { window->statusBar()->showMessage(message, 10000); });
}

// screenshot --tab: the details tab to show (backends, routes, explain, events).
void showTab(MainWindow* window, const QString& tab)
{
    QWidget* page = tab == u"routes"_s ? static_cast<QWidget*>(window->routesPane())
        : tab == u"explain"_s          ? static_cast<QWidget*>(window->explainPane())
        : tab == u"events"_s           ? static_cast<QWidget*>(window->eventsPane())
        : tab == u"backends"_s         ? static_cast<QWidget*>(window->backendsPane())
                                       : nullptr;
    if (page)
        window->detailTabs()->setCurrentWidget(page);
}

// The window with the caption strip an incident review needs (targets, time range and zone, version, verdict),
// as PNG; or the chart with its caption as SVG. Written through QSaveFile: the file is whole or untouched.
bool saveScreenshot(MainWindow* window, const QString& path)
{
    QString error;
    const bool svg = screenshotKind(path) == FileKind::Svg;
    const bool saved = svg ? ScreenshotRenderer::saveChartSvg(window, path, &error)
                           : ScreenshotRenderer::savePng(renderWindowWithCaption(window), path, &error);
    if (!saved) {
        const QString prefix = path + u": "_s;
        std::fprintf(stderr, "poolscope: --out %s: cannot write: %s\n", qPrintable(path),
            qPrintable(error.startsWith(prefix) ? error.mid(prefix.size()) : error));
        return false;
    }
    std::fprintf(stderr, "poolscope: saved a screenshot of the %s to %s\n", svg ? "chart" : "window",
        qPrintable(QFileInfo(path).absoluteFilePath()));
    return true;
}

// Calls onSignal(signal number) on the event loop for each SIGINT/SIGTERM (see StopSignals.h), including one
// that arrived before the loop ran.
std::unique_ptr<QSocketNotifier> watchStopSignals(QObject* context, std::function<void(int)> onSignal)
{
    if (stopSignalFd() < 0)
        return nullptr;
    auto notifier = std::make_unique<QSocketNotifier>(stopSignalFd(), QSocketNotifier::Read);
    QObject::connect(notifier.get(), &QSocketNotifier::activated, context, [onSignal = std::move(onSignal)] {
        if (const int signal = takeStopSignal())
            onSignal(signal);
    });
    return notifier;
}

// Prints the refusal and returns false when `path` must not be written (see cli/OutputPath.h).
bool outputPathAllowed(const char* command, const QString& path, FileKind kind, const QStringList& inputs, bool force)
{
    const QString problem = checkOutputPath(u"--out"_s, path, kind, inputs, force);
    if (problem.isEmpty())
        return true;
    std::fprintf(stderr, "poolscope: %s%s\n", command, qPrintable(problem));
    return false;
}

} // namespace

int runStatus(int& argc, char** argv, const CommandLine& commandLine)
{
    QCoreApplication app(argc, argv);
    const std::optional<Workspace> workspace = workspaceOrReport(commandLine);
    if (!workspace)
        return static_cast<int>(StatusLevel::Unknown);
    Session session(*workspace);
    Monitor monitor(&session);
    warnUnsetEnvironment(monitor);

    bool done = false; // everyone answered and the --wait deadline may both fire
    auto finish = [&] {
        if (std::exchange(done, true))
            return;
        monitor.stop();
        if (commandLine.json)
            printReport(QJsonDocument(statusJson(session)).toJson(QJsonDocument::Indented));
        else
            printReport(statusTable(session).toLocal8Bit());
        app.exit(static_cast<int>(statusLevel(session)));
    };
    QObject::connect(&monitor, &Monitor::allAnswered, &app, finish, Qt::QueuedConnection);
    QTimer::singleShot(static_cast<int>(commandLine.waitSeconds * 1000), &app, finish);
    const auto stopNotifier = watchStopSignals(&app, [&](int) { finish(); }); // what it has so far
    monitor.start();
    return app.exec();
}

int runExplain(int& argc, char** argv, const CommandLine& commandLine)
{
    QCoreApplication app(argc, argv);
    const std::optional<Workspace> workspace = workspaceOrReport(commandLine);
    if (!workspace)
        return static_cast<int>(StatusLevel::Unknown);
    Session session(*workspace);
    Monitor monitor(&session);
    Diagnosis diagnosis(&session);
    warnUnsetEnvironment(monitor);

    const double watchSeconds
        = commandLine.watchSeconds > 0 ? commandLine.watchSeconds : defaultWatchSeconds(*workspace);
    QElapsedTimer elapsed;
    int polls = 0;
    QObject::connect(&session, &Session::sampleAdded, &app, [&polls] { ++polls; });
    QTimer progress;
    QObject::connect(&progress, &QTimer::timeout, &app, [&] {
        std::fprintf(stderr, "explain: %.0f/%.0f s, %d polls\n", static_cast<double>(elapsed.elapsed()) / 1000.0,
            watchSeconds, polls);
    });
    bool done = false;
    auto report = [&](bool interrupted) {
        if (std::exchange(done, true))
            return;
        progress.stop();
        monitor.stop();
        diagnosis.recompute();
        if (interrupted)
            std::fprintf(stderr,
                "explain: interrupted after %.0f of %.0f s (%d polls); the report is of what was seen so far\n",
                static_cast<double>(elapsed.elapsed()) / 1000.0, watchSeconds, polls);
        if (commandLine.json)
            printReport(QJsonDocument(explainJson(session, diagnosis)).toJson(QJsonDocument::Indented));
        else
            printReport(explainText(session, diagnosis).toLocal8Bit());
        app.exit(interrupted ? kExplainInterrupted : static_cast<int>(explainLevel(session, diagnosis)));
    };
    QTimer::singleShot(static_cast<int>(watchSeconds * 1000), &app, [&] { report(false); });
    const auto stopNotifier = watchStopSignals(&app, [&](int) { report(true); });
    std::fprintf(stderr, "explain: watching for %.0f s\n", watchSeconds);
    elapsed.start();
    progress.start(10000);
    monitor.start();
    return app.exec();
}

namespace {

QString clockText(qint64 ms)
{
    const qint64 s = ms / 1000;
    const QChar zero(u'0');
    return u"%1:%2:%3"_s.arg(s / 3600, 2, 10, zero).arg((s / 60) % 60, 2, 10, zero).arg(s % 60, 2, 10, zero);
}

} // namespace

int runRecord(int& argc, char** argv, const CommandLine& commandLine)
{
    QCoreApplication app(argc, argv);
    const std::optional<Workspace> workspace = workspaceOrReport(commandLine);
    if (!workspace)
        return static_cast<int>(StatusLevel::Unknown);
    if (!outputPathAllowed("record: ", commandLine.out, FileKind::Recording, { commandLine.workspacePath }, false))
        return 3;
    Session session(*workspace);
    Monitor monitor(&session);
    warnUnsetEnvironment(monitor);
    Recorder recorder(&session);
    QString error;
    if (!recorder.open(commandLine.out, &error)) {
        std::fprintf(stderr, "poolscope: record: %s\n", qPrintable(error));
        return 1;
    }

    qint64 samplesSeen = 0;
    qint64 samplesCommitted = 0;
    QObject::connect(&session, &Session::sampleAdded, &app, [&samplesSeen] { ++samplesSeen; });
    QObject::connect(&recorder, &Recorder::tickCommitted, &app, [&] { samplesCommitted = samplesSeen; });
    QElapsedTimer elapsed;
    auto report = [&] {
        std::fprintf(stderr, "record: %s, %lld ticks, %lld samples, %s → %s\n",
            qPrintable(clockText(elapsed.elapsed())), static_cast<long long>(recorder.ticksCommitted()),
            static_cast<long long>(samplesCommitted), qPrintable(formatByteSize(recorder.fileSize())),
            qPrintable(commandLine.out));
    };
    int exitCode = 0;
    bool finished = false;
    // writeError: why the recorder failed (the file is closed already); empty for a normal stop.
    auto finish = [&](const QString& why, const QString& writeError = {}) {
        if (finished)
            return;
        finished = true;
        monitor.stop();
        recorder.flush();
        report();
        recorder.close();
        const QString size = formatByteSize(QFileInfo(commandLine.out).size());
        if (writeError.isEmpty()) {
            std::fprintf(stderr, "record: stopped (%s); %s is complete (%s)\n", qPrintable(why),
                qPrintable(commandLine.out), qPrintable(size));
        } else {
            const bool full = writeError.contains(u"disk is full"_s) || writeError.contains(u"No space left"_s);
            std::fprintf(stderr,
                "record: the recording stopped %s; %s keeps what was committed before: %lld ticks, %lld samples "
                "(%s). Nothing after that was recorded.\n",
                full ? "because the disk is full" : "on a write error", qPrintable(commandLine.out),
                static_cast<long long>(recorder.ticksCommitted()), static_cast<long long>(samplesCommitted),
                qPrintable(size));
        }
        app.exit(exitCode);
    };
    QObject::connect(&recorder, &Recorder::failed, &app, [&](const QString& message) {
        std::fprintf(stderr, "poolscope: record: %s\n", qPrintable(message));
        exitCode = 1;
        finish(u"write error"_s, message);
    });
    const auto stopNotifier = watchStopSignals(&app, [&](int) { finish(u"signal"_s); });
    QTimer progress;
    QObject::connect(&progress, &QTimer::timeout, &app, report);
    if (commandLine.durationMs > 0)
        QTimer::singleShot(commandLine.durationMs, Qt::PreciseTimer, &app, [&] { finish(u"--duration reached"_s); });

    std::fprintf(stderr, "record: recording to %s%s\n", qPrintable(commandLine.out),
        commandLine.durationMs > 0 ? qPrintable(u" for "_s + clockText(commandLine.durationMs))
                                   : " until SIGINT/SIGTERM");
    elapsed.start();
    progress.start(10000);
    monitor.start();
    return app.exec();
}

int runAgent(int& argc, char** argv, const CommandLine& commandLine)
{
    QCoreApplication app(argc, argv);
    const std::optional<Workspace> workspace = workspaceOrReport(commandLine);
    if (!workspace)
        return 3;
    // ADDRESS:PORT, [IPv6]:PORT.
    const qsizetype colon = commandLine.listen.lastIndexOf(u':');
    QString host = commandLine.listen.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    bool portOk = false;
    const uint port = commandLine.listen.mid(colon + 1).toUInt(&portOk);
    const QHostAddress address(host.isEmpty() ? u"0.0.0.0"_s : host);
    if (address.isNull() || !portOk || port > 65535) {
        std::fprintf(stderr, "poolscope: agent: --listen %s: not an IP ADDRESS:PORT\n", qPrintable(commandLine.listen));
        return 3;
    }
    QByteArray token;
    QString tlsCert = commandLine.tlsCert;
    QString tlsKey = commandLine.tlsKey;
    if (!commandLine.webConfigFile.isEmpty()) {
        WebConfig web;
        QString webError;
        if (!WebConfig::load(commandLine.webConfigFile, &web, &webError)) {
            std::fprintf(stderr, "poolscope: agent: %s\n", qPrintable(webError));
            return 3;
        }
        token = web.bearerToken;
        tlsCert = web.certFile;
        tlsKey = web.keyFile;
    }
    if (!commandLine.tokenEnv.isEmpty()) {
        token = qgetenv(commandLine.tokenEnv.toLocal8Bit().constData()).trimmed();
        if (token.isEmpty()) {
            std::fprintf(stderr, "poolscope: agent: --token-env %s: the variable is not set or empty\n",
                qPrintable(commandLine.tokenEnv));
            return 3;
        }
    }

    Session session(*workspace);
    Monitor monitor(&session);
    Diagnosis diagnosis(&session);
    warnUnsetEnvironment(monitor);
    Agent agent(&session, &diagnosis);
    agent.setRedacted(commandLine.redact);
    QString error;
    if (!tlsCert.isEmpty() && !agent.server().setTls(tlsCert, tlsKey, &error)) {
        std::fprintf(stderr, "poolscope: agent: %s\n", qPrintable(error));
        return 3;
    }
    agent.server().setBearerToken(token);
    if (!agent.server().listen(address, static_cast<quint16>(port), &error)) {
        std::fprintf(
            stderr, "poolscope: agent: cannot listen on %s: %s\n", qPrintable(commandLine.listen), qPrintable(error));
        return 1;
    }
    if (!address.isLoopback() && token.isEmpty())
        std::fprintf(stderr,
            "poolscope: agent: warning: listening on %s without a token: anyone who reaches it reads the backends "
            "and their queries (--token-env NAME)\n",
            qPrintable(commandLine.listen));
    const auto stopNotifier = watchStopSignals(&app, [&](int) {
        std::fprintf(stderr, "poolscope: agent: stopping on a signal\n");
        agent.server().close();
        monitor.stop();
        app.quit();
    });
    // The long history is Prometheus's: keep what the verdict needs, not everything since the start.
    QTimer trim;
    QObject::connect(&trim, &QTimer::timeout, &app,
        [&] { session.dropHistoryBefore(QDateTime::currentMSecsSinceEpoch() - commandLine.historyMs); });
    trim.start(60'000);
    std::fprintf(stderr, "poolscope: agent: serving %s://%s:%u/metrics (%d targets, %d databases)\n",
        tlsCert.isEmpty() ? "http" : "https", qPrintable(address.toString()), agent.server().serverPort(),
        session.targetCount(), session.databaseCount());
    monitor.start();
    return app.exec();
}

int runExport(int& argc, char** argv, const CommandLine& commandLine)
{
    restoreDefaultStopSignals(); // no event loop: SIGINT/SIGTERM end it (QSaveFile leaves no half file)
    QCoreApplication app(argc, argv);
    if (!outputPathAllowed(
            "export: ", commandLine.out, FileKind::Csv, { commandLine.recordingPath }, commandLine.force))
        return 3;
    RecordingReader reader;
    QString error;
    if (!reader.open(commandLine.recordingPath, &error)) {
        std::fprintf(stderr, "poolscope: export: %s\n", qPrintable(error));
        return 1;
    }
    const RecordingReader::TimeRange range = reader.timeRange();
    ExportOptions options;
    options.redact = commandLine.redact;
    options.raw = commandLine.raw;
    auto resolve = [&](const char* option, const QString& text, bool inside, qint64* ms) {
        return parseTimeArgument(QString::fromLatin1(option), text, range.firstMs, range.lastMs, inside, ms, &error);
    };
    if (!commandLine.atText.isEmpty()) {
        qint64 at = 0;
        if (!resolve("--at", commandLine.atText, true, &at)) {
            std::fprintf(stderr, "poolscope: export: %s\n", qPrintable(error));
            return 3;
        }
        options.fromMs = at;
        options.toMs = at;
    }
    if (!commandLine.fromText.isEmpty() && !resolve("--from", commandLine.fromText, false, &options.fromMs)) {
        std::fprintf(stderr, "poolscope: export: %s\n", qPrintable(error));
        return 3;
    }
    if (!commandLine.toText.isEmpty() && !resolve("--to", commandLine.toText, false, &options.toMs)) {
        std::fprintf(stderr, "poolscope: export: %s\n", qPrintable(error));
        return 3;
    }
    if (options.fromMs > options.toMs) {
        std::fprintf(stderr, "poolscope: export: --from %s is after --to %s\n", qPrintable(commandLine.fromText),
            qPrintable(commandLine.toText));
        return 3;
    }
    if (options.fromMs > range.lastMs || options.toMs < range.firstMs) {
        std::fprintf(stderr, "poolscope: export: the range %s to %s is outside the recording (%s to %s)\n",
            qPrintable(commandLine.fromText.isEmpty() ? u"its start"_s : commandLine.fromText),
            qPrintable(commandLine.toText.isEmpty() ? u"its end"_s : commandLine.toText),
            qPrintable(isoTimestamp(range.firstMs)), qPrintable(isoTimestamp(range.lastMs)));
        return 3;
    }

    bool ok = false;
    const QString& what = commandLine.what;
    if (what == u"timeline"_s || what == u"events"_s) {
        const std::unique_ptr<Session> session = reader.load();
        ok = what == u"timeline"_s ? exportTimeline(*session, commandLine.out, options, &error)
                                   : exportEvents(*session, commandLine.out, options, &error);
    } else if (what == u"poolers"_s) {
        const std::unique_ptr<Session> session = reader.load();
        ok = exportPoolers(*session, commandLine.out, options, &error);
    } else if (what == u"routes"_s) {
        ok = exportRoutes(reader, commandLine.out, options, &error);
    } else if (what == u"holders"_s) {
        ok = exportHolders(reader, commandLine.out, options, &error);
    } else {
        ok = exportBackends(reader, commandLine.out, options, &error);
    }
    for (const QString& problem : reader.problems())
        std::fprintf(
            stderr, "poolscope: export: warning: %s: %s\n", qPrintable(commandLine.recordingPath), qPrintable(problem));
    if (!ok) {
        std::fprintf(stderr, "poolscope: export: %s\n", qPrintable(error));
        return 1;
    }
    std::fprintf(stderr, "poolscope: export: wrote %s (%s of %s)\n", qPrintable(commandLine.out), qPrintable(what),
        qPrintable(commandLine.recordingPath));
    return 0;
}

int runConvert(int& argc, char** argv, const CommandLine& commandLine)
{
    restoreDefaultStopSignals(); // no event loop: SIGINT/SIGTERM end it; the new file is then a torn recording
    QCoreApplication app(argc, argv);
    if (!outputPathAllowed("convert: ", commandLine.out, FileKind::Recording, { commandLine.recordingPath }, false))
        return 3;
    RecordingReader reader;
    QString error;
    if (!reader.open(commandLine.recordingPath, &error)) {
        std::fprintf(stderr, "poolscope: convert: %s\n", qPrintable(error));
        return 1;
    }
    if (reader.formatVersion() >= recording::kNewestFormat) {
        std::fprintf(stderr, "poolscope: convert: %s is already in format %d; nothing to do\n",
            qPrintable(commandLine.recordingPath), reader.formatVersion());
        return 3;
    }
    Session session(reader.workspace());
    // Feeds the Recorder as a live session would, a tick at a time. Format 1 does not say which items arrived
    // in one pass of the event loop, so items within kTickMs of the first of a group make one frame. Connected
    // before the Recorder is: this sees each item before the Recorder takes it.
    constexpr qint64 kTickMs = 250;
    Recorder recorder(&session);
    qint64 groupStartMs = std::numeric_limits<qint64>::min();
    auto itemAt = [&](qint64 timestampMs) {
        if (groupStartMs != std::numeric_limits<qint64>::min() && timestampMs - groupStartMs > kTickMs) {
            recorder.flush();
            groupStartMs = timestampMs;
        } else if (groupStartMs == std::numeric_limits<qint64>::min()) {
            groupStartMs = timestampMs;
        }
    };
    QObject::connect(
        &session, &Session::sampleAdded, &app, [&](int index) { itemAt(session.target(index).latest.timestampMs); });
    QObject::connect(&session, &Session::snapshotAdded, &app,
        [&](int index) { itemAt(session.database(index).latest.timestampMs); });
    QObject::connect(&session, &Session::poolerSnapshotAdded, &app,
        [&](int index) { itemAt(session.pooler(index).latest.timestampMs); });
    QObject::connect(
        &session, &Session::eventAdded, &app, [&](int index) { itemAt(session.events().at(index).timestampMs); });
    if (!recorder.open(commandLine.out, &error)) {
        std::fprintf(stderr, "poolscope: convert: %s\n", qPrintable(error));
        return 1;
    }
    const bool complete = reader.loadInto(session);
    const bool written = recorder.flush();
    recorder.close();
    for (const QString& problem : reader.problems())
        std::fprintf(stderr, "poolscope: convert: warning: %s: %s\n", qPrintable(commandLine.recordingPath),
            qPrintable(problem));
    if (!written || !recorder.lastError().isEmpty()) {
        std::fprintf(stderr, "poolscope: convert: %s\n", qPrintable(recorder.lastError()));
        return 1;
    }
    std::fprintf(stderr, "poolscope: convert: wrote %s (format %d, %s) from %s (format %d, %s)%s\n",
        qPrintable(commandLine.out), recording::kNewestFormat,
        qPrintable(formatByteSize(QFileInfo(commandLine.out).size())), qPrintable(commandLine.recordingPath),
        reader.formatVersion(), qPrintable(formatByteSize(QFileInfo(commandLine.recordingPath).size())),
        complete ? "" : "; the parts of the old file listed above could not be read");
    return complete ? 0 : 2;
}

int runGui(int& argc, char** argv, const CommandLine& commandLine)
{
    const bool screenshot = commandLine.command == CommandLine::Command::Screenshot;
    // Without a display (a server, CI) the window still runs, offscreen, and leaves a screenshot behind.
    const bool headless = qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && (screenshot || !haveDisplay());
    if (headless)
        qputenv("QT_QPA_PLATFORM", "offscreen");
    // --scale: every window (and so every screenshot) drawn at that many device pixels per pixel, sharp.
    if (commandLine.scale != 1)
        qputenv("QT_SCALE_FACTOR", QByteArray::number(commandLine.scale));

    // `poolscope` alone opens the welcome page; without a display there is nothing to show it on.
    const bool nothingGiven = !commandLine.demo && commandLine.recordingPath.isEmpty()
        && commandLine.workspacePath.isEmpty() && !commandLine.hasAdHoc();
    if (nothingGiven && headless) {
        std::fprintf(stderr,
            "poolscope: no display for the welcome page; give a workspace file, --health/--pg flags "
            "or --demo\n%s",
            qPrintable(usageText()));
        return 3;
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(u"PoolScope"_s);
    QGuiApplication::setDesktopFileName(u"poolscope"_s); // the installed poolscope.desktop: its icon and name
    QApplication::setApplicationVersion(QStringLiteral(POOLSCOPE_VERSION));
    QApplication::setOrganizationName(u"PoolScope"_s);
    // The palette before any window: --theme for this run, else the one View ▸ Theme remembered.
    Theme::apply(commandLine.theme.isEmpty() ? Theme::remembered() : Theme::schemeFromName(commandLine.theme));

    QString screenshotPath = commandLine.out;
    double afterSeconds = commandLine.afterSeconds;
    if (!screenshot && headless) {
        screenshotPath
            = QDir::current().absoluteFilePath(commandLine.demo ? u"poolscope-demo.png"_s : u"poolscope-window.png"_s);
    }
    // Checked before anything starts: never the recording or workspace read, never a file of another kind.
    if (!screenshotPath.isEmpty()
        && !outputPathAllowed("", screenshotPath, screenshotKind(screenshotPath),
            { commandLine.recordingPath, commandLine.workspacePath }, commandLine.force))
        return 3;
    if (!screenshot && headless) {
        afterSeconds = 12;
        std::fprintf(
            stderr, "poolscope: no display; running offscreen for %.0f s and saving a screenshot\n", afterSeconds);
    }

    std::unique_ptr<LiveWindow> live;
    DemoLauncher demo;
    int exitCode = 0;
    JobTracker startupJobs; // reads a recording given on the command line

    // File > Open recording... opens a review window beside the live one (or the first review), read by a
    // job of the window it was asked from (its status bar shows the progress and Cancel).
    std::vector<std::unique_ptr<LiveWindow>> reviews;
    std::function<void(MainWindow*)> wireOpenRecording = [&](MainWindow* window) {
        EvidenceActions* evidence = window->evidence();
        QObject::connect(evidence, &EvidenceActions::openRecordingRequested, &app, [&, evidence](const QString& path) {
            CommandLine review;
            review.recordingPath = path;
            review.size = commandLine.size;
            openReview(
                *evidence->jobs(), evidence, review,
                [&](std::unique_ptr<LiveWindow> opened) { reviews.push_back(std::move(opened)); },
                [path](const QString& error) {
                    QMessageBox::warning(nullptr, u"PoolScope"_s,
                        QCoreApplication::translate("poolscope", "Cannot open %1:\n%2").arg(path, error));
                },
                [&](MainWindow* opened) { wireOpenRecording(opened); });
        });
    };
    // An interactive window remembers its geometry, splitters, range and columns (QSettings); a workspace
    // edited so that it has other targets or databases reopens the window on a new Session and Monitor.
    // A workspace with a prometheus entry opens the fleet window too; with nothing else, only it.
    std::unique_ptr<FleetLauncher> fleet;
    std::function<void(Workspace, bool)> showWorkspace;
    auto wireWorkspaceWindow = [&](MainWindow* window) {
        wireOpenRecording(window);
        QObject::connect(window, &MainWindow::reopenRequested, &app, [&](const Workspace& edited) {
            QTimer::singleShot(0, &app, [&, edited] { showWorkspace(edited, true); });
        });
    };
    showWorkspace = [&](Workspace workspace, bool modified) {
        if (live && live->window)
            live->window->saveSettings();
        live.reset();
        if (workspace.prometheus.enabled() && !fleet)
            fleet = std::make_unique<FleetLauncher>(workspace, commandLine.size);
        if (workspace.targets.isEmpty() && workspace.databases.isEmpty()) {
            if (fleet && !screenshotPath.isEmpty()) {
                QTimer::singleShot(static_cast<int>(afterSeconds * 1000), fleet->window(), [&] {
                    exitCode = fleet->window()->grab().save(screenshotPath) ? 0 : 1;
                    app.quit();
                });
            }
            return;
        }
        live = openWindow(std::move(workspace), commandLine.size, screenshotPath.isEmpty());
        if (screenshotPath.isEmpty())
            live->window->restoreSettings();
        live->window->setWorkspaceModified(modified);
        wireWorkspaceWindow(live->window.get());
        if (demo.isRunning())
            wireDemoMenu(live->window.get(), &demo);
        showTab(live->window.get(), commandLine.tab);
        if (!screenshotPath.isEmpty()) {
            QTimer::singleShot(static_cast<int>(afterSeconds * 1000), live->window.get(), [&] {
                exitCode = saveScreenshot(live->window.get(), screenshotPath) ? 0 : 1;
                app.quit();
            });
        }
    };

    // `poolscope` alone: the welcome page (recent workspaces, new, open, recording, demo).
    std::unique_ptr<WelcomePage> welcome;
    QObject::connect(&demo, &DemoLauncher::ready, &app, [&](const QString& path) {
        const WorkspaceResult loaded = loadWorkspace(path);
        if (!loaded.ok()) {
            printErrors(loaded.errors);
            exitCode = 1;
            app.quit();
            return;
        }
        std::fprintf(stderr, "poolscope: demo running (workspace %s)\n", qPrintable(path));
        showWorkspace(*loaded.workspace, false); // a throwaway file: not a recent workspace
        if (welcome)
            welcome->hide();
    });
    QObject::connect(&demo, &DemoLauncher::failed, &app, [&](const QString& message) {
        std::fprintf(stderr, "poolscope: %s\n", qPrintable(message));
        if (welcome && welcome->isVisible()) {
            welcome->setDemoStarting(false);
            welcome->showMessage(message, true);
            return;
        }
        exitCode = 1;
        app.quit();
    });
    if (commandLine.demo) {
        std::fprintf(stderr, "poolscope: starting the demo (a throwaway PostgreSQL and four services)...\n");
        demo.start(commandLine.demoLeakPerMinute);
    } else if (!commandLine.recordingPath.isEmpty()) {
        openReview(
            startupJobs, &app, commandLine, [&](std::unique_ptr<LiveWindow> opened) { live = std::move(opened); },
            [&](const QString& error) {
                std::fprintf(stderr, "poolscope: %s\n", qPrintable(error));
                exitCode = 3;
                app.quit();
            },
            [&](MainWindow* window) {
                wireOpenRecording(window);
                showTab(window, commandLine.tab);
                if (!screenshotPath.isEmpty()) {
                    QTimer::singleShot(screenshot ? 500 : static_cast<int>(afterSeconds * 1000), window, [&] {
                        exitCode = saveScreenshot(live->window.get(), screenshotPath) ? 0 : 1;
                        app.quit();
                    });
                }
            });
    } else {
        if (nothingGiven) {
            welcome = std::make_unique<WelcomePage>();
            WelcomePage* page = welcome.get();
            QObject::connect(page, &WelcomePage::openWorkspaceRequested, &app, [&, page](const QString& path) {
                const WorkspaceResult loaded = loadWorkspace(path);
                if (!loaded.ok()) {
                    page->showMessage(loaded.errors.join(u'\n'), true);
                    return;
                }
                page->showMessage({});
                RecentWorkspaces::add(loaded.workspace->path);
                showWorkspace(*loaded.workspace, false);
                page->hide();
            });
            QObject::connect(page, &WelcomePage::newWorkspaceRequested, &app, [&, page] {
                auto* dialog = new WorkspaceDialog(Workspace {}, page);
                dialog->setAttribute(Qt::WA_DeleteOnClose);
                QObject::connect(dialog, &WorkspaceDialog::applied, &app, [&, page](const Workspace& workspace) {
                    QTimer::singleShot(0, &app, [&, page, workspace] {
                        showWorkspace(workspace, true);
                        page->hide();
                    });
                });
                dialog->open();
            });
            QObject::connect(page, &WelcomePage::openRecordingRequested, &app, [&, page](const QString& path) {
                CommandLine review;
                review.recordingPath = path;
                review.size = commandLine.size;
                openReview(
                    startupJobs, page, review,
                    [&, page](std::unique_ptr<LiveWindow> opened) {
                        reviews.push_back(std::move(opened));
                        page->hide();
                    },
                    [page, path](
                        const QString& error) { page->showMessage(u"Cannot open %1: %2"_s.arg(path, error), true); },
                    [&](MainWindow* opened) { wireOpenRecording(opened); });
            });
            QObject::connect(page, &WelcomePage::demoRequested, &app, [&, page] {
                if (demo.isRunning())
                    return;
                page->setDemoStarting(true);
                demo.start(commandLine.demoLeakPerMinute);
            });
            page->show();
        } else {
            std::optional<Workspace> workspace = workspaceOrReport(commandLine);
            if (!workspace)
                return static_cast<int>(StatusLevel::Unknown);
            if (!workspace->path.isEmpty() && screenshotPath.isEmpty())
                RecentWorkspaces::add(workspace->path);
            showWorkspace(std::move(*workspace), false);
        }
    }

    // SIGINT/SIGTERM end the window properly: the recording is closed (its WAL folded back into the
    // file) and the demo is stopped, as when the window is closed.
    // The handlers are there since the first line of main; a signal that came meanwhile is handled now.
    const auto stopNotifier = watchStopSignals(&app, [&app](int) {
        std::fprintf(stderr, "poolscope: stopping on a signal\n");
        app.quit();
    });

    const int code = app.exec();
    reviews.clear();
    if (live && live->window && screenshotPath.isEmpty())
        live->window->saveSettings();
    live.reset();
    welcome.reset();
    if (demo.isRunning()) {
        // The windows are gone: let the demo stop PostgreSQL and its services (DemoLauncher's own timers
        // bound this) while the event loop runs, instead of a blocking wait.
        QEventLoop stopping;
        QObject::connect(&demo, &DemoLauncher::stopped, &stopping, &QEventLoop::quit);
        demo.stop();
        stopping.exec();
    }
    return exitCode != 0 ? exitCode : code;
}

} // namespace poolscope
