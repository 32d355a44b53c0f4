#pragma once

#include "Theme.h"
#include "types/Workspace.h"

#include <QMainWindow>
#include <QPointer>

class QTabWidget;

namespace poolscope {

class BackendActions;
class BackendsPane;
class Diagnosis;
class EventsPane;
class PoolerPane;
class EvidenceActions;
class ExplainPane;
class InspectorDialog;
class Monitor;
class Notifier;
class RoutesView;
class Session;
class SessionAtCursor;
class ShortcutsDialog;
class StatusPane;
class TargetsPane;
class ThresholdsDialog;
class TimelineChart;
class TimelinePane;
class VerdictPane;
class ViewState;
class WindowActions;
class WorkspaceDialog;

// The PoolScope main window, composed of panes: targets on the left; the selected target's verdict and
// timeline on top; backends, routes, explain and events in tabs below; the status bar. Its actions and
// menus are made in one place (WindowActions). Shows the Session and the Diagnosis it is given (the app
// makes both); does no I/O and no analysis. Sized for a 1400×900 screenshot.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // view: the cursor and redaction the panes share (the Diagnosis follows the same one); null: the
    // window makes its own. diagnosis may be null: no verdict, routes rates from the session only, no suspects.
    MainWindow(Session* session, ViewState* view, Diagnosis* diagnosis, QWidget* parent = nullptr);
    ~MainWindow() override;

    Session* session() const;
    Diagnosis* diagnosis() const;
    ViewState* viewState() const { return m_view; }
    // The session at the time cursor that the targets list, details, chart title and window title show.
    SessionAtCursor* sessionAtCursor() const { return m_atCursor; }

    TargetsPane* targetsPane() const { return m_targets; }
    TimelinePane* timelinePane() const { return m_timeline; }
    VerdictPane* verdictPane() const { return m_verdict; }
    BackendsPane* backendsPane() const { return m_backends; }
    RoutesView* routesPane() const { return m_routes; }
    ExplainPane* explainPane() const { return m_explain; }
    EventsPane* eventsPane() const { return m_events; }
    PoolerPane* poolerPane() const { return m_poolers; } // nullptr without poolers
    StatusPane* statusPane() const { return m_status; }
    QTabWidget* detailTabs() const { return m_tabs; }
    WindowActions* windowActions() const { return m_actions; }
    // Time cursor indicator, recording status, the handlers of open/export/screenshot/redact (EvidenceActions.h).
    EvidenceActions* evidence() const { return m_evidence; }
    Notifier* notifier() const { return m_notifier; }

    // The chart of the timeline pane (screenshots and exports use its visible range).
    TimelineChart* chart() const;
    void selectTarget(int targetIndex);
    // Brings the window forward on a target (or the target of a database) with the time cursor at a moment:
    // what a click on a notification asks for.
    void showMoment(const QString& source, qint64 timestampMs);
    int selectedTarget() const;

    // Opens the (window-modal, non-blocking) thresholds dialog; applying it sets the Session's thresholds.
    ThresholdsDialog* openThresholdsDialog();
    // The live window's monitor (the app gives it; none in review): enables Monitor ▸ Inspect payload… and
    // the guarded backend actions (when the workspace enables them).
    void setMonitor(Monitor* monitor);
    // The guarded backend actions of the live window (made by setMonitor); null in review.
    BackendActions* backendActions() const { return m_backendActions; }
    // Opens the (non-modal) payload inspector on the selected target; null without a monitor.
    InspectorDialog* openInspector();

    // Monitor ▸ Edit workspace… (window-modal, non-blocking): the workspace editor on the session's workspace.
    // Applying it updates the Session and reconfigures the Monitor in place (applyWorkspace).
    WorkspaceDialog* openWorkspaceDialog();
    // Same targets and databases (names, in order): applied in place, their histories kept. Added, removed or
    // renamed ones: reopenRequested (the app opens a window on a new Session and Monitor). Either way the
    // workspace is then modified (not saved yet).
    void applyWorkspace(const Workspace& workspace);
    bool isWorkspaceModified() const { return m_modified; }
    void setWorkspaceModified(bool modified);

    // File ▸ Save workspace: to the workspace's file (Save As without one); File ▸ Save workspace as….
    void saveWorkspace();
    void saveWorkspaceAs();
    // Writes the session's workspace to `path` by a job (poolscope::saveWorkspace: no literal secret, the text
    // loads back as the same workspace, QSaveFile); workspaceSaved follows. False (and workspaceSaved(false))
    // when `path` may not be written: a file the window reads (a recording) unless it is the workspace itself.
    bool saveWorkspaceTo(const QString& path);

    // Window geometry and state, splitter positions, the timeline's range and the tables' columns (widths,
    // order, hidden), from QSettings; from then on they are saved when the window closes or goes.
    void restoreSettings();
    void saveSettings() const;
    // Help ▸ Keyboard Shortcuts: the (non-modal) list of every action's keys.
    ShortcutsDialog* openShortcutsDialog();
    // View ▸ Theme: applies the palette to the application and checks the menu entry; `remember` keeps it for
    // the next start (Theme::remember()).
    void setTheme(Theme::Scheme scheme, bool remember = false);

    // Refreshes everything now (instead of at the next coalesced tick) and grabs the window.
    QImage renderToImage();

Q_SIGNALS:
    // The edited workspace needs a new Session and Monitor (targets or databases added, removed, renamed).
    void reopenRequested(const poolscope::Workspace& workspace);
    // A Save / Save As finished; message says where, or why not.
    void workspaceSaved(bool ok, const QString& message);
    // Thresholds applied in the dialog were written to the workspace file (or why not).
    void thresholdsSaved(bool ok, const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void onTargetChanged(int targetIndex);
    void saveThresholds();
    void updateTitle();
    void updateWorkspaceActions();
    void checkTheme(Theme::Scheme scheme);

    QPointer<Session> m_session;
    QPointer<Diagnosis> m_diagnosis;
    QPointer<Monitor> m_monitor;
    BackendActions* m_backendActions = nullptr;
    ViewState* m_view = nullptr;
    SessionAtCursor* m_atCursor = nullptr;
    WindowActions* m_actions = nullptr;
    TargetsPane* m_targets = nullptr;
    TimelinePane* m_timeline = nullptr;
    VerdictPane* m_verdict = nullptr;
    BackendsPane* m_backends = nullptr;
    RoutesView* m_routes = nullptr;
    ExplainPane* m_explain = nullptr;
    EventsPane* m_events = nullptr;
    PoolerPane* m_poolers = nullptr; // only with poolers in the workspace
    StatusPane* m_status = nullptr;
    QTabWidget* m_tabs = nullptr;
    EvidenceActions* m_evidence = nullptr;
    Notifier* m_notifier = nullptr;
    bool m_modified = false; // the workspace differs from its file (or has none)
    bool m_remembers = false; // restoreSettings was called: save them when going
};

} // namespace poolscope
