#pragma once

#include "Theme.h"

#include <QMainWindow>
#include <QPointer>

class QTabWidget;

namespace poolscope {

class BackendsPane;
class Diagnosis;
class EventsPane;
class EvidenceActions;
class ExplainPane;
class InspectorDialog;
class Monitor;
class Notifier;
class RoutesView;
class Session;
class ShortcutsDialog;
class StatusPane;
class TargetsPane;
class ThresholdsDialog;
class TimelineChart;
class TimelinePane;
class VerdictPane;
class ViewState;
class WindowActions;

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

    TargetsPane* targetsPane() const { return m_targets; }
    TimelinePane* timelinePane() const { return m_timeline; }
    VerdictPane* verdictPane() const { return m_verdict; }
    BackendsPane* backendsPane() const { return m_backends; }
    RoutesView* routesPane() const { return m_routes; }
    ExplainPane* explainPane() const { return m_explain; }
    EventsPane* eventsPane() const { return m_events; }
    StatusPane* statusPane() const { return m_status; }
    QTabWidget* detailTabs() const { return m_tabs; }
    WindowActions* windowActions() const { return m_actions; }
    // Time cursor indicator, recording status, the handlers of open/export/screenshot/redact (EvidenceActions.h).
    EvidenceActions* evidence() const { return m_evidence; }
    Notifier* notifier() const { return m_notifier; }

    // The chart of the timeline pane (screenshots and exports use its visible range).
    TimelineChart* chart() const;
    void selectTarget(int targetIndex);
    int selectedTarget() const;

    // Opens the (window-modal, non-blocking) thresholds dialog; applying it sets the Session's thresholds.
    ThresholdsDialog* openThresholdsDialog();
    // The live window's monitor (the app gives it; none in review): enables Monitor ▸ Inspect payload….
    void setMonitor(Monitor* monitor);
    // Opens the (non-modal) payload inspector on the selected target; null without a monitor.
    InspectorDialog* openInspector();

    // Help ▸ Keyboard Shortcuts: the (non-modal) list of every action's keys.
    ShortcutsDialog* openShortcutsDialog();
    // View ▸ Theme: applies the palette to the application and checks the menu entry; `remember` keeps it for
    // the next start (Theme::remember()).
    void setTheme(Theme::Scheme scheme, bool remember = false);

    // Refreshes everything now (instead of at the next coalesced tick) and grabs the window.
    QImage renderToImage();

private:
    void onTargetChanged(int targetIndex);
    void checkTheme(Theme::Scheme scheme);

    QPointer<Session> m_session;
    QPointer<Diagnosis> m_diagnosis;
    QPointer<Monitor> m_monitor;
    ViewState* m_view = nullptr;
    WindowActions* m_actions = nullptr;
    TargetsPane* m_targets = nullptr;
    TimelinePane* m_timeline = nullptr;
    VerdictPane* m_verdict = nullptr;
    BackendsPane* m_backends = nullptr;
    RoutesView* m_routes = nullptr;
    ExplainPane* m_explain = nullptr;
    EventsPane* m_events = nullptr;
    StatusPane* m_status = nullptr;
    QTabWidget* m_tabs = nullptr;
    EvidenceActions* m_evidence = nullptr;
    Notifier* m_notifier = nullptr;
};

} // namespace poolscope
