#include "WindowActions.h"

#include "Theme.h"

#include <QAction>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QMetaEnum>

using namespace Qt::StringLiterals;

namespace poolscope {

QString WindowActions::objectNameOf(Id id)
{
    return QString::fromLatin1(QMetaEnum::fromType<Id>().valueToKey(static_cast<int>(id)));
}

QAction* WindowActions::make(Id id, const QString& text)
{
    auto* action = new QAction(text, parent());
    action->setObjectName(objectNameOf(id));
    m_actions[static_cast<int>(id)] = action;
    return action;
}

WindowActions::WindowActions(QMainWindow* window)
    : QObject(window)
{
    QMenuBar* bar = window->menuBar();

    QMenu* file = bar->addMenu(u"&File"_s);
    file->setObjectName(u"FileMenu"_s);
    file->addAction(make(Id::OpenRecording, u"&Open recording…"_s));
    action(Id::OpenRecording)->setShortcut(QKeySequence::Open);
    file->addAction(make(Id::SaveWorkspace, u"&Save workspace"_s));
    action(Id::SaveWorkspace)->setShortcut(QKeySequence::Save);
    action(Id::SaveWorkspace)->setToolTip(u"Write the targets, databases and thresholds to the workspace file"_s);
    file->addAction(make(Id::SaveWorkspaceAs, u"Save workspace &as…"_s));
    action(Id::SaveWorkspaceAs)->setShortcut(QKeySequence::SaveAs);
    QMenu* exportMenu = file->addMenu(u"&Export"_s);
    exportMenu->setObjectName(u"ExportMenu"_s);
    exportMenu->addAction(make(Id::ExportTimeline, u"&Timeline CSV…"_s));
    exportMenu->addAction(make(Id::ExportRoutes, u"&Routes CSV…"_s));
    exportMenu->addAction(make(Id::ExportBackends, u"&Backends (at cursor) CSV…"_s));
    exportMenu->addAction(make(Id::ExportEvents, u"&Events CSV…"_s));
    QMenu* shots = file->addMenu(u"Save &screenshot"_s);
    shots->setObjectName(u"ScreenshotMenu"_s);
    shots->addAction(make(Id::ScreenshotWindowPng, u"&Window (PNG)…"_s));
    shots->addAction(make(Id::ScreenshotChartPng, u"&Chart (PNG)…"_s));
    shots->addAction(make(Id::ScreenshotChartSvg, u"Chart (&SVG)…"_s));

    QMenu* edit = bar->addMenu(u"&Edit"_s);
    edit->setObjectName(u"EditMenu"_s);
    edit->addAction(make(Id::CopyScreenshot, u"&Copy screenshot"_s));
    action(Id::CopyScreenshot)->setShortcut(QKeySequence(u"Ctrl+Shift+C"_s));

    QMenu* view = bar->addMenu(u"&View"_s);
    view->setObjectName(u"ViewMenu"_s);
    QAction* live = make(Id::Live, u"Live ▶"_s);
    live->setShortcut(QKeySequence(Qt::Key_Escape));
    live->setShortcutContext(Qt::WindowShortcut);
    view->addAction(live);
    QAction* redact = make(Id::Redact, u"&Redact sensitive data"_s);
    redact->setCheckable(true);
    redact->setToolTip(u"Show query fingerprints and masked client addresses in views, screenshots and exports"_s);
    view->addAction(redact);

    QMenu* monitor = bar->addMenu(u"&Monitor"_s);
    monitor->setObjectName(u"MonitorMenu"_s);
    QAction* thresholds = make(Id::Thresholds, u"&Thresholds…"_s);
    thresholds->setToolTip(u"Discrepancy warning and critical levels, growth per hour"_s);
    monitor->addAction(thresholds);
    QAction* inspect = make(Id::InspectPayload, u"&Inspect payload…"_s);
    inspect->setToolTip(u"The selected target's last payload, the metric each value feeds; map a value to a metric"_s);
    inspect->setEnabled(false); // until the app gives the window its monitor
    monitor->addAction(inspect);
    QAction* editWorkspace = make(Id::EditWorkspace, u"&Edit workspace…"_s);
    editWorkspace->setToolTip(u"Add, edit, test and remove targets and databases"_s);
    editWorkspace->setEnabled(false); // until the app gives the window its monitor
    monitor->addAction(editWorkspace);
    monitor->addSeparator();
    QAction* cancelQuery = make(Id::CancelQuery, tr("&Cancel query…"));
    cancelQuery->setToolTip(tr("pg_cancel_backend on the selected backend, after a confirmation (workspace "
                               "setting actions.cancel)"));
    cancelQuery->setEnabled(false); // until a backend is selected in a workspace that enables it
    monitor->addAction(cancelQuery);
    QAction* terminate = make(Id::TerminateBackend, tr("&Terminate connection…"));
    terminate->setToolTip(tr("pg_terminate_backend on the selected backend, after a confirmation (workspace "
                             "setting actions.terminate)"));
    terminate->setEnabled(false);
    monitor->addAction(terminate);

    // Shown in the timeline's toolbar.
    QAction* pause = make(Id::Pause, u"Pause"_s);
    pause->setIcon(Theme::pauseIcon());
    pause->setCheckable(true);
    pause->setToolTip(u"Freeze the visible window; data keeps arriving"_s);
    QAction* follow = make(Id::Follow, u"Follow"_s);
    follow->setIcon(Theme::followIcon());
    follow->setToolTip(u"Resume following the newest data"_s);
    follow->setEnabled(false);

    m_demoMenu = new QMenu(u"&Demo"_s, window);
    m_demoMenu->setObjectName(u"DemoMenu"_s);
    m_demoMenu->addAction(make(Id::DemoLeakSlow, u"Start a leak in web: 6 connections a minute"_s));
    m_demoMenu->addAction(make(Id::DemoLeakFast, u"Start a leak in web: 30 connections a minute"_s));
    m_demoMenu->addAction(make(Id::DemoLeakStop, u"Stop the leak"_s));
}

WindowActions::~WindowActions() = default;

void WindowActions::setDemoMenuVisible(bool visible)
{
    auto* window = static_cast<QMainWindow*>(parent());
    const bool shown = window->menuBar()->actions().contains(m_demoMenu->menuAction());
    if (visible && !shown)
        window->menuBar()->addMenu(m_demoMenu);
    else if (!visible && shown)
        window->menuBar()->removeAction(m_demoMenu->menuAction());
}

} // namespace poolscope
