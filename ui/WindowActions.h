#pragma once

#include <QKeySequence>
#include <QList>
#include <QObject>
#include <QString>

class QAction;
class QMainWindow;
class QMenu;

namespace poolscope {

// Every action of the main window and its menu bar, made in one place. Each action's objectName is its
// Id's name ("ExportTimeline", "Redact", ...), so code and tests find it by object, never by its text.
// Whoever handles an action connects to it (EvidenceActions, the panes, the app for the Demo menu). Every
// action has a keyboard shortcut (tests/gui/tst_polishui checks it).
class WindowActions : public QObject
{
    Q_OBJECT
public:
    enum class Id {
        // File
        OpenRecording,
        SaveWorkspace,
        SaveWorkspaceAs,
        ExportTimeline,
        ExportRoutes,
        ExportBackends,
        ExportEvents,
        ExportHolders,
        ExportPoolers,
        ScreenshotWindowPng,
        ScreenshotChartPng,
        ScreenshotChartSvg,
        // Edit
        CopyScreenshot,
        // View
        Live,
        Redact,
        ThemeSystem,
        ThemeLight,
        ThemeDark,
        // Monitor
        Thresholds,
        InspectPayload,
        EditWorkspace,
        // Monitor, guarded: off unless the workspace's `actions` enables them (BackendsPane handles them)
        CancelQuery,
        TerminateBackend,
        // Help
        KeyboardShortcuts,
        // The timeline's toolbar
        Pause,
        Follow,
        // Demo (shown only while the demo runs)
        DemoLeakSlow,
        DemoLeakFast,
        DemoLeakStop,
    };
    Q_ENUM(Id)
    static constexpr int kCount = static_cast<int>(Id::DemoLeakStop) + 1;

    explicit WindowActions(QMainWindow* window);
    ~WindowActions() override;

    QAction* action(Id id) const { return m_actions[static_cast<int>(id)]; }
    static QString objectNameOf(Id id);

    // Every action with its menu path ("File ▸ Export ▸ Timeline CSV…") and shortcuts, in menu order; Help ▸
    // Keyboard Shortcuts lists them. Keys that are not actions (the chart's Left/Right) are added at the end.
    struct ShortcutRow
    {
        QString path;
        QString keys; // NativeText, ", " between alternatives; empty: none
    };
    QList<ShortcutRow> shortcutRows() const;

    // The Demo menu is in the menu bar only when the app runs the demo.
    void setDemoMenuVisible(bool visible);
    QMenu* demoMenu() const { return m_demoMenu; }

private:
    QAction* make(Id id, const QString& text, const QKeySequence& shortcut = {});

    QAction* m_actions[kCount] = {};
    QMenu* m_demoMenu = nullptr;
    QMenu* m_helpMenu = nullptr;
};

} // namespace poolscope
