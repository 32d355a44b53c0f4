#include "BackendsPane.h"

#include "BackendActionDialog.h"
#include "BackendDetailPane.h"
#include "BackendGroupsView.h"
#include "BackendsProxyModel.h"
#include "TargetsPane.h"
#include "analysis/Diagnosis.h"
#include "models/BackendsModel.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QScopeGuard>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

BackendsPane::BackendsPane(Session* session, ViewState* view, Diagnosis* diagnosis, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_viewState(view)
    , m_diagnosis(diagnosis)
    , m_model(new BackendsModel(session, view, this))
    , m_proxy(new BackendsProxyModel(this))
{
    m_proxy->setSourceModel(m_model);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(4);

    // The filter row: text filter, group by, only the selected target's application, the count.
    m_groupsView = new BackendGroupsView(session, view, this);
    auto* row = new QHBoxLayout;
    m_filterEdit = new QLineEdit(this);
    m_filterEdit->setAccessibleName(tr("Filter backends"));
    m_filterEdit->setPlaceholderText(tr("Filter (any column: pid, user, application, state, query…)"));
    m_filterEdit->setClearButtonEnabled(true);
    row->addWidget(m_filterEdit, 1);
    auto* groupLabel = new QLabel(tr("Group by"), this);
    groupLabel->setBuddy(m_groupsView->groupByBox());
    row->addWidget(groupLabel);
    row->addWidget(m_groupsView->groupByBox());
    m_onlyApplication = new QCheckBox(tr("Only the selected target's application"), this);
    m_onlyApplication->setAccessibleName(tr("Only the selected target's application"));
    row->addWidget(m_onlyApplication);
    m_count = new QLabel(this);
    m_count->setAccessibleName(tr("Backends shown"));
    m_count->setMinimumWidth(m_count->fontMetrics().horizontalAdvance(u"0000 of 0000 backends"_s));
    m_count->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    row->addWidget(m_count);
    layout->addLayout(row);
    m_actionMessage = new QLabel(this);
    m_actionMessage->setObjectName(u"ActionMessage"_s);
    m_actionMessage->setAccessibleName(tr("Backend action"));
    m_actionMessage->setWordWrap(true);
    m_actionMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_actionMessage->hide();
    layout->addWidget(m_actionMessage);

    // The table or the groups tree, with the selected backend's details beside.
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);
    m_stack = new QStackedWidget(splitter);
    m_view = new QTableView(m_stack);
    m_view->setAccessibleName(tr("Backends"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(BackendsModel::InState, Qt::DescendingOrder);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->setShowGrid(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    sizeColumns();
    m_stack->addWidget(m_view);
    m_stack->addWidget(m_groupsView);
    splitter->addWidget(m_stack);
    m_detail = new BackendDetailPane(splitter);
    m_detail->setMinimumWidth(220);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({ 600, 260 });
    m_detail->hide(); // until a backend is selected
    layout->addWidget(splitter, 1);

    connect(m_filterEdit, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_filterEdit, &QLineEdit::textChanged, m_groupsView, &BackendGroupsView::setFilterText);
    connect(m_onlyApplication, &QCheckBox::toggled, this, &BackendsPane::applyApplicationFilter);
    for (const auto signal : { &QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved })
        connect(m_proxy, signal, this, &BackendsPane::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &BackendsPane::updateCount);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &BackendsPane::updateCount);
    connect(m_groupsView, &BackendGroupsView::groupingChanged, this,
        [this](bool grouping) { m_stack->setCurrentIndex(grouping ? 1 : 0); });
    connect(m_groupsView, &BackendGroupsView::backendSelected, this, &BackendsPane::showBackendDetails);
    connect(
        m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
            if (current.isValid())
                showBackendDetails(current.data(BackendsModel::PidRole).toInt());
        });
    if (diagnosis) {
        connect(diagnosis, &Diagnosis::updated, this, [this](int target) {
            if (target == m_target)
                refreshDetails();
        });
    }
    connect(view, &ViewState::redactedChanged, this, [this] { showBackendDetails(m_detail->pid()); });
    connect(view, &ViewState::cursorChanged, this, &BackendsPane::updateActions);
    if (session) {
        connect(session, &Session::snapshotAdded, this, &BackendsPane::updateActions);
        connect(session, &Session::snapshotAdded, this, &BackendsPane::updateCount);
    }
    updateCount();
}

BackendsPane::~BackendsPane() = default;

void BackendsPane::sizeColumns()
{
    const QFontMetrics fm = m_view->fontMetrics();
    const int pad = 14;
    const auto width = [&](const QString& sample) { return fm.horizontalAdvance(sample) + pad; };
    auto* header = m_view->horizontalHeader();
    const auto headerWidth = [&](int column) {
        return fm.horizontalAdvance(m_model->headerData(column, Qt::Horizontal).toString()) + pad + 14;
    };
    const std::pair<int, QString> samples[] = {
        { BackendsModel::Pid, u"4194304"_s },
        { BackendsModel::Database, u"main_db"_s },
        { BackendsModel::User, u"app_user"_s },
        { BackendsModel::Application, u"worker_settlement"_s },
        { BackendsModel::Client, u"10.0.12.150:51234"_s },
        { BackendsModel::BehindClient, u"10.0.12.150:51234"_s },
        { BackendsModel::BehindApplication, u"worker_settlement"_s },
        { BackendsModel::BehindSince, u"59 m 59 s"_s },
        { BackendsModel::State, u"idle in transaction"_s },
        { BackendsModel::BackendAge, u"23 h 59 m"_s },
        { BackendsModel::TransactionAge, u"59 m 59 s"_s },
        { BackendsModel::QueryAge, u"59 m 59 s"_s },
        { BackendsModel::InState, u"59 m 59 s"_s },
        { BackendsModel::Wait, u"Client: ClientRead"_s },
    };
    for (const auto& [column, sample] : samples)
        header->resizeSection(column, std::max(width(sample), headerWidth(column)));
    // Long idle-in-transaction states are drawn bold.
    QFont bold = m_view->font();
    bold.setBold(true);
    header->resizeSection(BackendsModel::State, QFontMetrics(bold).horizontalAdvance(u"idle in transaction"_s) + pad);
    // One database: its name adds nothing. User, query age and wait are one click away (the header's
    // menu): the room goes to the query.
    m_view->setColumnHidden(BackendsModel::Database, m_session && m_session->databaseCount() <= 1);
    m_view->setColumnHidden(BackendsModel::User, true);
    m_view->setColumnHidden(BackendsModel::QueryAge, true);
    m_view->setColumnHidden(BackendsModel::Wait, true);
    // The client behind each backend exists only behind pgbouncer.
    const bool poolers = m_session && m_session->poolerCount() > 0;
    for (const int column :
        { BackendsModel::BehindClient, BackendsModel::BehindApplication, BackendsModel::BehindSince })
        m_view->setColumnHidden(column, !poolers);
    TargetsPane::installColumnMenu(header);
}

void BackendsPane::setTarget(int targetIndex)
{
    m_target = targetIndex;
    QString application;
    if (m_session && targetIndex >= 0)
        application = m_session->target(targetIndex).config.applicationName;
    m_onlyApplication->setEnabled(!application.isEmpty());
    m_onlyApplication->setText(targetIndex >= 0
            ? u"Only %1's application"_s.arg(m_session->target(targetIndex).config.name)
            : tr("Only the selected target's application"));
    m_onlyApplication->setToolTip(application.isEmpty()
            ? tr("The target names no application_name")
            : tr("Show only backends with application_name = %1").arg(application));
    applyApplicationFilter();
    refreshDetails();
}

void BackendsPane::applyApplicationFilter()
{
    QString application;
    if (m_onlyApplication->isChecked() && m_session && m_target >= 0)
        application = m_session->target(m_target).config.applicationName;
    m_model->setApplicationFilter(application);
    m_groupsView->setApplicationFilter(application);
    updateCount();
}

void BackendsPane::updateCount()
{
    const int shown = m_proxy->rowCount();
    const int total = m_model->rowCount();
    // A database read that failed (an agent that did not answer, say) is said, never an empty table alone; one
    // that was read before and fails now is said too, the table showing its last read.
    QStringList unavailable;
    QStringList failingNow;
    for (int db = 0; m_session && db < m_session->databaseCount(); ++db) {
        const DatabaseState& state = m_session->database(db);
        if (state.polled() && !state.latest.ok())
            (state.lastOk.timestampMs == 0 ? unavailable : failingNow)
                .append(u"%1: %2"_s.arg(state.config.name, state.latest.error));
    }
    QString text;
    if (total == 0 && !unavailable.isEmpty()) {
        text = unavailable.join(u"; "_s);
    } else {
        text = shown != total ? tr("%1 of %2 backends").arg(shown).arg(total)
            : total == 1      ? u"1 backend"_s
                              : u"%1 backends"_s.arg(total);
        if (!failingNow.isEmpty())
            text += u" as last read; now "_s + failingNow.join(u"; "_s);
    }
    if (text != m_count->text()) // each snapshot asks; a label's setText lays the pane out again
        m_count->setText(text);
    Q_EMIT countChanged(total);
}

QString BackendsPane::countText() const
{
    return m_count->text();
}

void BackendsPane::refreshDetails()
{
    if (m_detail->pid() > 0)
        showBackendDetails(m_detail->pid());
}

void BackendsPane::showBackendDetails(int pid)
{
    // The pane takes room from the table only while it shows a backend.
    m_selectedPid = 0;
    m_selectedDatabase.clear();
    const auto updateActionsOnReturn = qScopeGuard([this] { updateActions(); });
    if (!m_session || pid <= 0) {
        m_detail->clear();
        m_detail->hide();
        return;
    }
    // The row of the backends table with this pid (the selected target's database first).
    int found = -1;
    const QString database = m_target >= 0 ? m_session->target(m_target).config.database : QString();
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->backendAt(row).pid != pid)
            continue;
        if (found < 0 || m_model->databaseAt(row) == database)
            found = row;
    }
    if (found < 0) {
        m_detail->clear();
        m_detail->hide();
        return;
    }
    m_detail->show();
    const Backend& backend = m_model->backendAt(found);
    const QString db = m_model->databaseAt(found);
    m_selectedPid = pid;
    m_selectedDatabase = db;
    const int databaseIndex = m_session->databaseIndex(db);
    qint64 now = kNoTime;
    QList<BackendTransition> history;
    const TrackedBackend* tracked = nullptr;
    if (databaseIndex >= 0) {
        const ActivitySnapshot snapshot = m_session->snapshotAt(databaseIndex, m_viewState->cursor());
        now = snapshot.serverTimeMs != kNoTime ? snapshot.serverTimeMs : snapshot.timestampMs;
        if (m_diagnosis) {
            const BackendTracker& tracker = m_diagnosis->tracker(databaseIndex);
            history = tracker.history(pid);
            tracked = tracker.find(backend);
        }
    }
    // The app's own report of who holds it (a target of this database whose payload carries holders).
    std::optional<Holder> holder;
    for (int t = 0; t < m_session->targetCount() && !holder; ++t) {
        if (m_session->target(t).config.database != db)
            continue;
        const HolderReport report = m_session->holdersAt(t, m_viewState->cursor());
        for (const Holder& h : report.holders) {
            if (h.backendPid == pid) {
                holder = h;
                break;
            }
        }
    }
    m_detail->showBackend(backend, db, now, history, tracked, m_viewState->isRedacted(), holder ? &*holder : nullptr);
}

bool BackendsPane::selectBackendPid(int pid)
{
    if (m_groupsView->isGrouping())
        return m_groupsView->selectPid(pid);
    const auto find = [this, pid]() -> QModelIndex {
        for (int row = 0; row < m_proxy->rowCount(); ++row) {
            const QModelIndex index = m_proxy->index(row, 0);
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
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
    return true;
}

void BackendsPane::setBackendActions(BackendActions* runner, QAction* cancel, QAction* terminate)
{
    if (m_runner)
        disconnect(m_runner, nullptr, this, nullptr);
    m_runner = runner;
    if (!m_cancelAction) {
        connect(cancel, &QAction::triggered, this, [this] { requestAction(BackendActions::Kind::Cancel); });
        connect(terminate, &QAction::triggered, this, [this] { requestAction(BackendActions::Kind::Terminate); });
        m_view->addAction(cancel);
        m_view->addAction(terminate);
        m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    }
    m_cancelAction = cancel;
    m_terminateAction = terminate;
    if (runner)
        connect(runner, &BackendActions::finished, this, &BackendsPane::onActionFinished);
    updateActions();
}

QString BackendsPane::actionRefusal(BackendActions::Kind kind) const
{
    if (!m_runner)
        return tr("%1 works only on a live session").arg(BackendActions::title(kind));
    if (!m_runner->isEnabled(kind)) // said first: the setting matters more than the selection
        return m_runner->refusal(kind, m_selectedDatabase, m_selectedPid);
    if (m_selectedPid <= 0)
        return tr("Select a backend first");
    if (!m_viewState->isLive())
        return tr("The table shows the past: go back to live (Esc) to act on a backend");
    return m_runner->refusal(kind, m_selectedDatabase, m_selectedPid);
}

void BackendsPane::updateActions()
{
    const std::pair<QAction*, BackendActions::Kind> actions[]
        = { { m_cancelAction, BackendActions::Kind::Cancel }, { m_terminateAction, BackendActions::Kind::Terminate } };
    for (const auto& [action, kind] : actions) {
        if (!action)
            continue;
        const QString refusal = actionRefusal(kind);
        action->setEnabled(refusal.isEmpty());
        action->setToolTip(refusal.isEmpty() ? tr("%1 on backend %2 of %3, after a confirmation")
                                                   .arg(BackendActions::title(kind))
                                                   .arg(m_selectedPid)
                                                   .arg(m_selectedDatabase)
                                             : refusal);
    }
}

BackendActionDialog* BackendsPane::requestAction(BackendActions::Kind kind)
{
    const QString refusal = actionRefusal(kind);
    if (!refusal.isEmpty()) {
        showActionMessage(refusal, true);
        return nullptr;
    }
    const int databaseIndex = m_session->databaseIndex(m_selectedDatabase);
    const ActivitySnapshot snapshot = m_session->snapshotAt(databaseIndex, ViewState::kLive);
    const Backend* backend = nullptr;
    for (const Backend& candidate : snapshot.backends) {
        if (candidate.pid == m_selectedPid)
            backend = &candidate;
    }
    if (!backend) {
        showActionMessage(tr("Backend %1 is gone").arg(m_selectedPid), true);
        return nullptr;
    }
    const qint64 now = snapshot.serverTimeMs != kNoTime ? snapshot.serverTimeMs : snapshot.timestampMs;
    auto* dialog = new BackendActionDialog(kind, m_selectedDatabase, *backend, now, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (!m_runner)
            return;
        const QString refused = m_runner->run(dialog->kind(), dialog->database(), dialog->pid());
        if (refused.isEmpty())
            showActionMessage(
                tr("%1 on backend %2…").arg(BackendActions::title(dialog->kind())).arg(dialog->pid()), false);
        else
            showActionMessage(refused, true);
        updateActions();
    });
    dialog->open();
    return dialog;
}

void BackendsPane::onActionFinished(const BackendActions::Outcome& outcome)
{
    showActionMessage(outcome.message, !outcome.done);
    updateActions();
    if (outcome.done)
        return;
    // Not done is worth a dialog: the person asked for it and expects it to have happened.
    auto* box = new QMessageBox(
        QMessageBox::Warning, BackendActions::title(outcome.kind), outcome.message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void BackendsPane::showActionMessage(const QString& message, bool problem)
{
    m_actionMessage->setText(message);
    QFont font = m_actionMessage->font();
    font.setBold(problem); // a refusal or an action not done stands out from progress and success
    m_actionMessage->setFont(font);
    m_actionMessage->setVisible(!message.isEmpty());
}

QString BackendsPane::actionMessage() const
{
    return m_actionMessage->text();
}

} // namespace poolscope
