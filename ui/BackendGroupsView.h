#pragma once

#include <QPointer>
#include <QSet>
#include <QWidget>

class QComboBox;
class QSortFilterProxyModel;
class QTimer;
class QTreeView;

namespace poolscope {

class BackendGroupsModel;
class Session;
class ViewState;

// The backends drill-down: the backends the views show (every database, at the cursor) grouped by the
// "Group by" box (application, client address, state or query fingerprint), one row per group (key,
// count, oldest backend age, oldest in-state age) that expands to its backends. Expanded groups stay
// expanded across refreshes. The box itself is placed by the window (groupByBox()).
class BackendGroupsView : public QWidget
{
    Q_OBJECT
public:
    BackendGroupsView(Session* session, ViewState* view, QWidget* parent = nullptr);
    ~BackendGroupsView() override;

    QComboBox* groupByBox() const { return m_groupBy; }
    QTreeView* tree() const { return m_tree; }
    BackendGroupsModel* model() const { return m_model; }
    bool isGrouping() const;

    // Only backends with this application_name ("" for all), like the backends table.
    void setApplicationFilter(const QString& applicationName);
    void setFilterText(const QString& text);
    void refresh();
    // Selects (and reveals) the backend with this pid; false when it is not shown.
    bool selectPid(int pid);
    int selectedPid() const;

Q_SIGNALS:
    void groupingChanged(bool grouping);
    void backendSelected(int pid);

private:
    void scheduleRefresh();
    void onGroupingChanged();

    QPointer<Session> m_session;
    QPointer<ViewState> m_view;
    QComboBox* m_groupBy = nullptr;
    QTreeView* m_tree = nullptr;
    BackendGroupsModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTimer* m_timer = nullptr;
    QString m_application;
    QSet<QString> m_expanded;
};

} // namespace poolscope
