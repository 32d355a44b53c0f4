#pragma once

#include "sources/BackendActions.h"

#include <QPointer>
#include <QWidget>

class QAction;
class QCheckBox;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QTableView;

namespace poolscope {

class BackendActionDialog;
class BackendDetailPane;
class BackendGroupsView;
class BackendsModel;
class BackendsProxyModel;
class Diagnosis;
class Session;
class ViewState;

// pg_stat_activity at the cursor: a filter row (any column; group by; only the selected target's
// application; the count), the table or the groups tree, and beside it the selected backend's details
// (with its state history from the Diagnosis's tracker). The guarded actions (Cancel query, Terminate
// connection) act on the selected backend, from the Monitor menu or the table's context menu.
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

    // The guarded actions on the selected backend, run by `runner` (null in a review: they stay disabled).
    // Each is enabled only when the runner would accept it (BackendActions::refusal), in the live view;
    // otherwise its tooltip says why. They are in the table's context menu too.
    void setBackendActions(BackendActions* runner, QAction* cancel, QAction* terminate);
    // The confirmation for an action on the selected backend (window-modal, not blocking: accepting it runs
    // the action); null when it is refused, with the reason in actionMessage().
    BackendActionDialog* requestAction(BackendActions::Kind kind);
    // The last action's progress or result, or why it was refused.
    QString actionMessage() const;
    int selectedPid() const { return m_selectedPid; }
    const QString& selectedDatabase() const { return m_selectedDatabase; }

Q_SIGNALS:
    // The number of backends in the snapshot (before filters).
    void countChanged(int total);

private:
    void sizeColumns();
    void applyApplicationFilter();
    void updateCount();
    void refreshDetails();
    void showBackendDetails(int pid);
    QString actionRefusal(BackendActions::Kind kind) const;
    void updateActions();
    void showActionMessage(const QString& message, bool problem);
    void onActionFinished(const BackendActions::Outcome& outcome);

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
    QLabel* m_actionMessage = nullptr;
    QPointer<BackendActions> m_runner;
    QAction* m_cancelAction = nullptr;
    QAction* m_terminateAction = nullptr;
    int m_selectedPid = 0; // the backend the details show, 0 for none
    QString m_selectedDatabase;
};

} // namespace poolscope
