#include "WindowActions.h"

#include "Theme.h"

#include <QAction>
#include <QActionGroup>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QMetaEnum>

#include <functional>
#include <tuple>

using namespace Qt::StringLiterals;

namespace poolscope {

QString WindowActions::objectNameOf(Id id)
{
    return QString::fromLatin1(QMetaEnum::fromType<Id>().valueToKey(static_cast<int>(id)));
}

QAction* WindowActions::make(Id id, const QString& text, const QKeySequence& shortcut)
{
    auto* action = new QAction(text, parent());
    action->setObjectName(objectNameOf(id));
    action->setShortcut(shortcut);
    m_actions[static_cast<int>(id)] = action;
    return action;
}

WindowActions::WindowActions(QMainWindow* window)
    : QObject(window)
{
    QMenuBar* bar = window->menuBar();

    QMenu* file = bar->addMenu(tr("&File"));
    file->setObjectName(u"FileMenu"_s);
    file->addAction(make(Id::OpenRecording, tr("&Open recording…"), QKeySequence::Open));
    file->addAction(make(Id::SaveWorkspace, tr("&Save workspace"), QKeySequence::Save));
    action(Id::SaveWorkspace)->setToolTip(tr("Write the targets, databases and thresholds to the workspace file"));
    file->addAction(make(Id::SaveWorkspaceAs, tr("Save workspace &as…"), QKeySequence(tr("Ctrl+Shift+S"))));
    QMenu* exportMenu = file->addMenu(tr("&Export"));
    exportMenu->setObjectName(u"ExportMenu"_s);
    // Two-stroke shortcuts: Ctrl+E, then the first letter of what to export.
    exportMenu->addAction(make(Id::ExportTimeline, tr("&Timeline CSV…"), QKeySequence(tr("Ctrl+E, T"))));
    exportMenu->addAction(make(Id::ExportRoutes, tr("&Routes CSV…"), QKeySequence(tr("Ctrl+E, R"))));
    exportMenu->addAction(make(Id::ExportBackends, tr("&Backends (at cursor) CSV…"), QKeySequence(tr("Ctrl+E, B"))));
    exportMenu->addAction(make(Id::ExportEvents, tr("&Events CSV…"), QKeySequence(tr("Ctrl+E, E"))));
    exportMenu->addAction(make(Id::ExportHolders, tr("&Holders CSV…"), QKeySequence(tr("Ctrl+E, H"))));
    exportMenu->addAction(make(Id::ExportPoolers, tr("&Poolers CSV…"), QKeySequence(tr("Ctrl+E, P"))));
    QMenu* shots = file->addMenu(tr("Save &screenshot"));
    shots->setObjectName(u"ScreenshotMenu"_s);
    shots->addAction(make(Id::ScreenshotWindowPng, tr("&Window (PNG)…"), QKeySequence(tr("Ctrl+Alt+W"))));
    shots->addAction(make(Id::ScreenshotChartPng, tr("&Chart (PNG)…"), QKeySequence(tr("Ctrl+Alt+C"))));
    shots->addAction(make(Id::ScreenshotChartSvg, tr("Chart (&SVG)…"), QKeySequence(tr("Ctrl+Alt+V"))));

    QMenu* edit = bar->addMenu(tr("&Edit"));
    edit->setObjectName(u"EditMenu"_s);
    edit->addAction(make(Id::CopyScreenshot, tr("&Copy screenshot"), QKeySequence(tr("Ctrl+Shift+C"))));

    QMenu* view = bar->addMenu(tr("&View"));
    view->setObjectName(u"ViewMenu"_s);
    QAction* live = make(Id::Live, tr("Live ▶"), QKeySequence(Qt::Key_Escape));
    live->setShortcutContext(Qt::WindowShortcut);
    view->addAction(live);
    QAction* redact = make(Id::Redact, tr("&Redact sensitive data"), QKeySequence(tr("Ctrl+Shift+R")));
    redact->setCheckable(true);
    redact->setToolTip(tr("Show query fingerprints and masked client addresses in views, screenshots and exports"));
    view->addAction(redact);
    QMenu* themes = view->addMenu(tr("&Theme"));
    themes->setObjectName(u"ThemeMenu"_s);
    auto* themeGroup = new QActionGroup(this);
    for (const auto& [id, text, keys] : { std::tuple { Id::ThemeSystem, tr("&System"), tr("Ctrl+Shift+1") },
             std::tuple { Id::ThemeLight, tr("&Light"), tr("Ctrl+Shift+2") },
             std::tuple { Id::ThemeDark, tr("&Dark"), tr("Ctrl+Shift+3") } }) {
        QAction* theme = make(id, text, QKeySequence(keys));
        theme->setCheckable(true);
        themeGroup->addAction(theme);
        themes->addAction(theme);
    }
    action(Id::ThemeSystem)->setChecked(true);

    QMenu* monitor = bar->addMenu(tr("&Monitor"));
    monitor->setObjectName(u"MonitorMenu"_s);
    QAction* thresholds = make(Id::Thresholds, tr("&Thresholds…"), QKeySequence(tr("Ctrl+T")));
    thresholds->setToolTip(tr("Discrepancy warning and critical levels, growth per hour"));
    monitor->addAction(thresholds);
    QAction* inspect = make(Id::InspectPayload, tr("&Inspect payload…"), QKeySequence(tr("Ctrl+I")));
    inspect->setToolTip(tr("The selected target's last payload, the metric each value feeds; map a value to a metric"));
    inspect->setEnabled(false); // until the app gives the window its monitor
    monitor->addAction(inspect);
    QAction* editWorkspace = make(Id::EditWorkspace, tr("&Edit workspace…"), QKeySequence(tr("Ctrl+Shift+E")));
    editWorkspace->setToolTip(tr("Add, edit, test and remove targets and databases"));
    editWorkspace->setEnabled(false); // until the app gives the window its monitor
    monitor->addAction(editWorkspace);
    monitor->addSeparator();
    QAction* cancelQuery = make(Id::CancelQuery, tr("&Cancel query…"), QKeySequence(tr("Ctrl+Shift+K")));
    cancelQuery->setToolTip(tr("pg_cancel_backend on the selected backend, after a confirmation (workspace "
                               "setting actions.cancel)"));
    cancelQuery->setEnabled(false); // until a backend is selected in a workspace that enables it
    monitor->addAction(cancelQuery);
    QAction* terminate = make(Id::TerminateBackend, tr("&Terminate connection…"), QKeySequence(tr("Ctrl+Shift+Del")));
    terminate->setToolTip(tr("pg_terminate_backend on the selected backend, after a confirmation (workspace "
                             "setting actions.terminate)"));
    terminate->setEnabled(false);
    monitor->addAction(terminate);

    // Shown in the timeline's toolbar.
    QAction* pause = make(Id::Pause, tr("Pause"), QKeySequence(tr("Ctrl+P")));
    pause->setIcon(Theme::pauseIcon());
    pause->setCheckable(true);
    pause->setToolTip(tr("Freeze the visible window; data keeps arriving"));
    QAction* follow = make(Id::Follow, tr("Follow"), QKeySequence(tr("Ctrl+End")));
    follow->setIcon(Theme::followIcon());
    follow->setToolTip(tr("Resume following the newest data"));
    follow->setEnabled(false);

    m_demoMenu = new QMenu(tr("&Demo"), window);
    m_demoMenu->setObjectName(u"DemoMenu"_s);
    m_demoMenu->addAction(
        make(Id::DemoLeakSlow, tr("Start a leak in web: 6 connections a minute"), QKeySequence(tr("Ctrl+Alt+1"))));
    m_demoMenu->addAction(
        make(Id::DemoLeakFast, tr("Start a leak in web: 30 connections a minute"), QKeySequence(tr("Ctrl+Alt+2"))));
    m_demoMenu->addAction(make(Id::DemoLeakStop, tr("Stop the leak"), QKeySequence(tr("Ctrl+Alt+0"))));

    // Help comes last in the menu bar; the Demo menu is inserted before it.
    QMenu* help = bar->addMenu(tr("&Help"));
    help->setObjectName(u"HelpMenu"_s);
    m_helpMenu = help;
    help->addAction(make(Id::KeyboardShortcuts, tr("&Keyboard Shortcuts"), QKeySequence(tr("Ctrl+F1"))));
}

QList<WindowActions::ShortcutRow> WindowActions::shortcutRows() const
{
    const auto plain = [](QString text) { return text.remove(u'&').remove(u'…').trimmed(); };
    QList<ShortcutRow> rows;
    const auto add = [&](const QString& path, const QAction* a) {
        QStringList keys;
        for (const QKeySequence& k : a->shortcuts())
            keys.append(k.toString(QKeySequence::NativeText));
        rows.append({ path, keys.join(u", "_s) });
    };
    // Menu order: walk the menus; actions outside them (the timeline's toolbar) follow.
    QList<const QAction*> listed;
    const std::function<void(const QMenu*, const QString&)> walk = [&](const QMenu* menu, const QString& prefix) {
        for (const QAction* a : menu->actions()) {
            if (a->isSeparator())
                continue;
            const QString path = prefix + u" ▸ "_s + plain(a->text());
            if (a->menu()) {
                walk(a->menu(), path);
            } else if (!listed.contains(a)) {
                listed.append(a);
                add(path, a);
            }
        }
    };
    auto* window = static_cast<QMainWindow*>(parent());
    for (const QAction* top : window->menuBar()->actions()) {
        if (top->menu() && top->menu() != m_demoMenu)
            walk(top->menu(), plain(top->text()));
    }
    walk(m_demoMenu, plain(m_demoMenu->title()));
    for (const QAction* a : m_actions) {
        if (!listed.contains(a))
            add(tr("Timeline ▸ %1").arg(plain(a->text())), a);
    }
    rows.append({ tr("Timeline ▸ Step the time cursor one poll back / forward"),
        QKeySequence(Qt::Key_Left).toString(QKeySequence::NativeText) + u" / "_s
            + QKeySequence(Qt::Key_Right).toString(QKeySequence::NativeText) });
    return rows;
}

WindowActions::~WindowActions() = default;

void WindowActions::setDemoMenuVisible(bool visible)
{
    auto* window = static_cast<QMainWindow*>(parent());
    const bool shown = window->menuBar()->actions().contains(m_demoMenu->menuAction());
    if (visible && !shown)
        window->menuBar()->insertMenu(m_helpMenu->menuAction(), m_demoMenu);
    else if (!visible && shown)
        window->menuBar()->removeAction(m_demoMenu->menuAction());
}

} // namespace poolscope
