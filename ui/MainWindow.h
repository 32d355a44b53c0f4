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
class QTabWidget;
class QTableView;
class QTimer;
class QTreeView;
class QTreeWidget;

namespace poolscope {

class BackendsModel;
class BackendsProxyModel;
class Session;
class TargetsModel;
class TargetsProxyModel;
class TimelineChart;

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
};

} // namespace poolscope
