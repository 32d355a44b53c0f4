// The diagnosis panels of the main window (verdict banner, routes, backend drill-down and details,
// explain, thresholds, notifications), kept apart from MainWindow.cpp's construction of the base views.
#include "MainWindow.h"

#include "BackendDetailPane.h"
#include "BackendGroupsView.h"
#include "BackendsProxyModel.h"
#include "ExplainPanel.h"
#include "Notifier.h"
#include "RoutesView.h"
#include "ThresholdsDialog.h"
#include "TimelineChart.h"
#include "VerdictBanner.h"
#include "analysis/Diagnosis.h"
#include "models/BackendsModel.h"
#include "models/TargetsModel.h"
#include "store/Session.h"

#include <QAction>
#include <QBoxLayout>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>

using namespace Qt::StringLiterals;

namespace poolscope {

void MainWindow::buildDiagnosisPanels()
{
    if (m_session)
        m_diagnosis = new Diagnosis(m_session, this);
    m_notifier = new Notifier(m_session, this);

    // The verdict banner, right above the chart.
    m_verdictBanner = new VerdictBanner(m_chart->parentWidget());
    if (auto* chartLayout = qobject_cast<QBoxLayout*>(m_chart->parentWidget()->layout()))
        chartLayout->insertWidget(chartLayout->indexOf(m_chart), m_verdictBanner);

    // Backends tab: "Group by" in the filter row; the table or the groups tree, with the details beside.
    QWidget* backendsPage = m_backendsView->parentWidget();
    auto* backendsLayout = qobject_cast<QBoxLayout*>(backendsPage->layout());
    m_groupsView = new BackendGroupsView(m_session, backendsPage);
    auto* groupLabel = new QLabel(u"Group by"_s, backendsPage);
    groupLabel->setBuddy(m_groupsView->groupByBox());
    QBoxLayout* filterRow = nullptr;
    for (int i = 0; backendsLayout && i < backendsLayout->count() && !filterRow; ++i) {
        auto* row = qobject_cast<QBoxLayout*>(backendsLayout->itemAt(i)->layout());
        if (row && row->indexOf(m_filterEdit) >= 0)
            filterRow = row;
    }
    if (filterRow) {
        const int at = filterRow->indexOf(m_filterEdit) + 1;
        filterRow->insertWidget(at, groupLabel);
        filterRow->insertWidget(at + 1, m_groupsView->groupByBox());
    }
    auto* backendsSplitter = new QSplitter(Qt::Horizontal, backendsPage);
    backendsSplitter->setChildrenCollapsible(false);
    m_backendsStack = new QStackedWidget(backendsSplitter);
    if (backendsLayout) // replaceWidget() hands the table's old layout item back to us (LeakSanitizer found it)
        delete backendsLayout->replaceWidget(m_backendsView, backendsSplitter);
    m_backendsStack->addWidget(m_backendsView);
    m_backendsStack->addWidget(m_groupsView);
    backendsSplitter->addWidget(m_backendsStack);
    m_backendDetail = new BackendDetailPane(backendsSplitter);
    m_backendDetail->setMinimumWidth(220);
    backendsSplitter->addWidget(m_backendDetail);
    backendsSplitter->setStretchFactor(0, 3);
    backendsSplitter->setStretchFactor(1, 1);
    backendsSplitter->setSizes({ 600, 260 });
    m_backendDetail->hide(); // until a backend is selected
    if (!filterRow && backendsLayout) {
        backendsLayout->insertWidget(0, m_groupsView->groupByBox());
        backendsLayout->insertWidget(0, groupLabel);
    }

    // Routes next to Backends, Explain after them.
    m_routesView = new RoutesView(m_session, m_diagnosis, m_tabs);
    m_tabs->insertTab(m_tabs->indexOf(backendsPage) + 1, m_routesView, u"Routes"_s);
    // Rates over what the chart shows (5 min, 1 h, 12 h, all, or the frozen range while paused).
    connect(m_chart, &TimelineChart::refreshed, m_routesView,
        [this] { m_routesView->setRange(m_chart->visibleStartMs(), m_chart->visibleEndMs()); });
    m_explainPanel = new ExplainPanel(m_tabs);
    m_tabs->insertTab(m_tabs->indexOf(m_routesView) + 1, m_explainPanel, u"Explain"_s);
    connect(m_routesView, &RoutesView::countChanged, this, [this](int routes, int rising) {
        m_tabs->setTabText(m_tabs->indexOf(m_routesView),
            rising > 0 ? u"Routes (%1, %2 rising)"_s.arg(routes).arg(rising) : u"Routes (%1)"_s.arg(routes));
    });

    // Monitor ▸ Thresholds…: the action now, its menu once the rest of the window has made its menus
    // (so that Monitor comes after File, Edit and View).
    m_thresholdsAction = new QAction(u"&Thresholds…"_s, this);
    m_thresholdsAction->setToolTip(u"Discrepancy warning and critical levels, growth per hour"_s);
    m_thresholdsAction->setEnabled(m_session != nullptr);
    connect(m_thresholdsAction, &QAction::triggered, this, &MainWindow::openThresholdsDialog);
    QMetaObject::invokeMethod(
        this,
        [this] {
            QMenu* monitor = nullptr;
            const auto menus = menuBar()->actions();
            for (QAction* action : menus) {
                if (action->menu() && action->text().remove(u'&') == u"Monitor"_s)
                    monitor = action->menu();
            }
            if (!monitor)
                monitor = menuBar()->addMenu(u"&Monitor"_s);
            monitor->addAction(m_thresholdsAction);
        },
        Qt::QueuedConnection);

    connect(m_groupsView, &BackendGroupsView::groupingChanged, this,
        [this](bool grouping) { m_backendsStack->setCurrentIndex(grouping ? 1 : 0); });
    connect(m_filterEdit, &QLineEdit::textChanged, m_groupsView, &BackendGroupsView::setFilterText);
    connect(m_onlyApplication, &QCheckBox::toggled, this,
        [this] { m_groupsView->setApplicationFilter(m_backendsModel->applicationFilter()); });
    connect(m_groupsView, &BackendGroupsView::backendSelected, this, [this](int pid) { showBackendDetails(pid); });
    connect(m_backendsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex& current) {
            if (current.isValid())
                showBackendDetails(current.data(BackendsModel::PidRole).toInt());
        });
    connect(m_explainPanel, &ExplainPanel::suspectSelected, this, [this](int pid) { selectBackendPid(pid); });
    if (m_diagnosis) {
        connect(m_diagnosis, &Diagnosis::updated, this, [this](int target) {
            if (target == selectedTarget())
                updateDiagnosisPanels();
        });
    }
    if (m_session) {
        connect(m_session, &Session::thresholdsChanged, this, &MainWindow::updateStatus);
        connect(m_session, &Session::redactedChanged, this, [this] { showBackendDetails(m_backendDetail->pid()); });
    }
}

void MainWindow::updateDiagnosisPanels()
{
    const int target = selectedTarget();
    m_routesView->setTarget(target);
    if (!m_diagnosis || target < 0) {
        m_verdictBanner->setDiagnosis(nullptr);
        m_explainPanel->setReconciliation(nullptr);
        m_routesView->refresh();
        return;
    }
    const TargetDiagnosis& diagnosis = m_diagnosis->target(target);
    m_verdictBanner->setDiagnosis(&diagnosis);
    m_explainPanel->setReconciliation(&diagnosis.reconciliation);
    const int suspects = static_cast<int>(diagnosis.reconciliation.suspects.size());
    m_tabs->setTabText(
        m_tabs->indexOf(m_explainPanel), suspects > 0 ? u"Explain (%1 suspects)"_s.arg(suspects) : u"Explain"_s);
    m_groupsView->setApplicationFilter(m_backendsModel->applicationFilter());
    if (m_backendDetail->pid() > 0)
        showBackendDetails(m_backendDetail->pid());
}

void MainWindow::showBackendDetails(int pid)
{
    // The pane takes room from the table only while it shows a backend.
    if (!m_session || pid <= 0) {
        m_backendDetail->clear();
        m_backendDetail->hide();
        return;
    }
    // The row of the backends table with this pid (the selected target's database first).
    int found = -1;
    const int target = selectedTarget();
    const QString database = target >= 0 ? m_session->target(target).config.database : QString();
    for (int row = 0; row < m_backendsModel->rowCount(); ++row) {
        if (m_backendsModel->backendAt(row).pid != pid)
            continue;
        if (found < 0 || m_backendsModel->databaseAt(row) == database)
            found = row;
    }
    if (found < 0) {
        m_backendDetail->clear();
        m_backendDetail->hide();
        return;
    }
    m_backendDetail->show();
    const Backend& backend = m_backendsModel->backendAt(found);
    const QString db = m_backendsModel->databaseAt(found);
    const int databaseIndex = m_session->databaseIndex(db);
    qint64 now = kNoTime;
    QList<BackendTransition> history;
    const TrackedBackend* tracked = nullptr;
    if (databaseIndex >= 0) {
        const ActivitySnapshot snapshot = m_session->snapshotForView(databaseIndex);
        now = snapshot.serverTimeMs != kNoTime ? snapshot.serverTimeMs : snapshot.timestampMs;
        if (m_diagnosis) {
            const BackendTracker& tracker = m_diagnosis->tracker(databaseIndex);
            history = tracker.history(pid);
            tracked = tracker.find(backend);
        }
    }
    m_backendDetail->showBackend(backend, db, now, history, tracked, m_session->isRedacted());
}

bool MainWindow::selectBackendPid(int pid)
{
    if (m_groupsView->isGrouping())
        return m_groupsView->selectPid(pid);
    const auto find = [this, pid]() -> QModelIndex {
        for (int row = 0; row < m_backendsProxy->rowCount(); ++row) {
            const QModelIndex index = m_backendsProxy->index(row, 0);
            if (index.data(BackendsModel::PidRole).toInt() == pid)
                return index;
        }
        return {};
    };
    QModelIndex index = find();
    if (!index.isValid() && !m_filterEdit->text().isEmpty()) {
        m_filterEdit->clear(); // the filter hid it
        index = find();
    }
    if (!index.isValid())
        return false;
    m_backendsView->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_backendsView->scrollTo(index);
    return true;
}

ThresholdsDialog* MainWindow::openThresholdsDialog()
{
    auto* dialog = findChild<ThresholdsDialog*>();
    if (!dialog) {
        dialog = new ThresholdsDialog(m_session, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
    }
    dialog->open();
    return dialog;
}

} // namespace poolscope
