#pragma once

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QTableView;

namespace poolscope {

class BackendDetailPane;
class BackendGroupsView;
class BackendsModel;
class BackendsProxyModel;
class Diagnosis;
class Session;
class ViewState;

// pg_stat_activity at the cursor: a filter row (any column; group by; only the selected target's
// application; the count), the table or the groups tree, and beside it the selected backend's details
// (with its state history from the Diagnosis's tracker).
class BackendsPane : public QWidget
{
    Q_OBJECT
public:
    BackendsPane(Session* session, ViewState* view, Diagnosis* diagnosis, QWidget* parent = nullptr);
    ~BackendsPane() override;

    void setTarget(int targetIndex);

    QTableView* view() const { return m_view; }
    BackendsModel* model() const { return m_model; }
    QLineEdit* filterEdit() const { return m_filterEdit; }
    QCheckBox* onlyApplicationBox() const { return m_onlyApplication; }
    BackendGroupsView* groupsView() const { return m_groupsView; }
    BackendDetailPane* detailPane() const { return m_detail; }
    // "25 backends" or "4 of 25 backends".
    QString countText() const;

    // Selects the backend with this pid in the table (or the groups tree); false when not shown.
    bool selectBackendPid(int pid);

Q_SIGNALS:
    // The number of backends in the snapshot (before filters).
    void countChanged(int total);

private:
    void sizeColumns();
    void applyApplicationFilter();
    void updateCount();
    void refreshDetails();
    void showBackendDetails(int pid);

    QPointer<Session> m_session;
    QPointer<ViewState> m_viewState;
    QPointer<Diagnosis> m_diagnosis;
    int m_target = -1;
    BackendsModel* m_model = nullptr;
    BackendsProxyModel* m_proxy = nullptr;
    QLineEdit* m_filterEdit = nullptr;
    QCheckBox* m_onlyApplication = nullptr;
    QLabel* m_count = nullptr;
    QTableView* m_view = nullptr;
    BackendGroupsView* m_groupsView = nullptr;
    QStackedWidget* m_stack = nullptr;
    BackendDetailPane* m_detail = nullptr;
};

} // namespace poolscope
