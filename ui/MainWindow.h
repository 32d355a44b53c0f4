#pragma once

#include <QMainWindow>
#include <QPointer>

class QAbstractItemView;
class QAction;
class QCheckBox;
class QComboBox;
class QHeaderView;
class QLabel;
class QLineEdit;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTimer;
class QTreeView;
class QTreeWidget;

namespace poolscope {

class BackendsModel;
class EvidenceActions;
class BackendsProxyModel;
class Session;
class TargetsModel;
class TargetsProxyModel;
class TimelineChart;
// Diagnosis panels (MainWindowDiagnosis.cpp)
class BackendDetailPane;
class BackendGroupsView;
class Diagnosis;
class ExplainPanel;
class Notifier;
class RoutesView;
class ThresholdsDialog;
class VerdictBanner;

// The PoolScope main window: targets on the left, the selected target's timeline on top, the
// backends (pg_stat_activity) and the event log below, and a status bar with the newest poll and
// error. Shows the Session; does no I/O and no analysis. Sized for a 1400×900 screenshot.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(Session* session, QWidget* parent = nullptr);
    ~MainWindow() override;

    TimelineChart* chart() const { return m_chart; }
    QAbstractItemView* backendsView() const;
    QAbstractItemView* targetsView() const;
    QLineEdit* backendsFilter() const { return m_filterEdit; }
    QCheckBox* onlySelectedApplication() const { return m_onlyApplication; }
    QComboBox* rangeBox() const { return m_rangeBox; }
    QAction* pauseAction() const { return m_pauseAction; }
    QAction* followAction() const { return m_followAction; }
    BackendsModel* backendsModel() const { return m_backendsModel; }
    Session* session() const;
    // Time cursor indicator, recording status, open/export/screenshot/redact menus (EvidenceActions.h).
    EvidenceActions* evidence() const { return m_evidence; }

    // Diagnosis panels (MainWindowDiagnosis.cpp). The window owns the live analysis of its Session.
    Diagnosis* diagnosis() const { return m_diagnosis; }
    VerdictBanner* verdictBanner() const { return m_verdictBanner; }
    RoutesView* routesView() const { return m_routesView; }
    BackendGroupsView* backendGroupsView() const { return m_groupsView; }
    BackendDetailPane* backendDetailPane() const { return m_backendDetail; }
    ExplainPanel* explainPanel() const { return m_explainPanel; }
    Notifier* notifier() const { return m_notifier; }
    QAction* thresholdsAction() const { return m_thresholdsAction; }
    QTabWidget* detailTabs() const { return m_tabs; }
    // Selects the backend with this pid in the backends table (or the groups tree); false when not shown.
    bool selectBackendPid(int pid);
    // Opens the (window-modal, non-blocking) thresholds dialog; applying it sets the Session's thresholds.
    ThresholdsDialog* openThresholdsDialog();

    void selectTarget(int targetIndex);
    int selectedTarget() const;

    // The status bar's summary ("Last poll 12:03:04 · 3 targets ok · 1 database ok") and the newest
    // error ("web: connection refused"; empty when nothing fails).
    QString statusText() const;
    QString errorText() const;

    // Refreshes everything now (instead of at the next coalesced tick) and grabs the window.
    QImage renderToImage();

private:
    void buildTargetsPane(QSplitter* splitter);
    void buildChartPane(QSplitter* splitter);
    void buildBottomTabs(QSplitter* splitter);
    void onTargetChanged();
    void applyApplicationFilter();
    void updateStatus();
    void updateDetails();
    void scheduleStatus();
    void updateBackendsCount();
    void appendEvent(int eventIndex);
    void sizeBackendColumns();
    // A context menu on the header to show or hide columns.
    static void installColumnMenu(QHeaderView* header);
    void buildDiagnosisPanels();
    void updateDiagnosisPanels();
    void showBackendDetails(int pid);

    QPointer<Session> m_session;
    TargetsModel* m_targetsModel = nullptr;
    TargetsProxyModel* m_targetsProxy = nullptr;
    BackendsModel* m_backendsModel = nullptr;
    BackendsProxyModel* m_backendsProxy = nullptr;

    QTreeView* m_targetsView = nullptr;
    TimelineChart* m_chart = nullptr;
    QLabel* m_chartTitle = nullptr;
    QComboBox* m_rangeBox = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_followAction = nullptr;
    QTabWidget* m_tabs = nullptr;
    QLineEdit* m_filterEdit = nullptr;
    QCheckBox* m_onlyApplication = nullptr;
    QLabel* m_backendsCount = nullptr;
    QTableView* m_backendsView = nullptr;
    QTreeWidget* m_eventsView = nullptr;
    QLabel* m_details = nullptr;
    QLabel* m_statusLabel = nullptr;
    QLabel* m_errorLabel = nullptr;
    QTimer* m_statusTimer = nullptr;
    EvidenceActions* m_evidence = nullptr;
    // Diagnosis panels
    Diagnosis* m_diagnosis = nullptr;
    Notifier* m_notifier = nullptr;
    VerdictBanner* m_verdictBanner = nullptr;
    RoutesView* m_routesView = nullptr;
    ExplainPanel* m_explainPanel = nullptr;
    BackendGroupsView* m_groupsView = nullptr;
    BackendDetailPane* m_backendDetail = nullptr;
    QStackedWidget* m_backendsStack = nullptr;
    QAction* m_thresholdsAction = nullptr;
};

} // namespace poolscope
