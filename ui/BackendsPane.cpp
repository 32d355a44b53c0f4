#include "BackendsPane.h"

#include "BackendDetailPane.h"
#include "BackendGroupsView.h"
#include "BackendsProxyModel.h"
#include "TargetsPane.h"
#include "analysis/Diagnosis.h"
#include "models/BackendsModel.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
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
    m_filterEdit->setAccessibleName(u"Filter backends"_s);
    m_filterEdit->setPlaceholderText(u"Filter (any column: pid, user, application, state, query…)"_s);
    m_filterEdit->setClearButtonEnabled(true);
    row->addWidget(m_filterEdit, 1);
    auto* groupLabel = new QLabel(u"Group by"_s, this);
    groupLabel->setBuddy(m_groupsView->groupByBox());
    row->addWidget(groupLabel);
    row->addWidget(m_groupsView->groupByBox());
    m_onlyApplication = new QCheckBox(u"Only the selected target's application"_s, this);
    m_onlyApplication->setAccessibleName(u"Only the selected target's application"_s);
    row->addWidget(m_onlyApplication);
    m_count = new QLabel(this);
    m_count->setAccessibleName(u"Backends shown"_s);
    m_count->setMinimumWidth(m_count->fontMetrics().horizontalAdvance(u"0000 of 0000 backends"_s));
    m_count->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    row->addWidget(m_count);
    layout->addLayout(row);

    // The table or the groups tree, with the selected backend's details beside.
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);
    m_stack = new QStackedWidget(splitter);
    m_view = new QTableView(m_stack);
    m_view->setAccessibleName(u"Backends"_s);
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
            : u"Only the selected target's application"_s);
    m_onlyApplication->setToolTip(application.isEmpty()
            ? u"The target names no application_name"_s
            : u"Show only backends with application_name = %1"_s.arg(application));
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
    m_count->setText(shown != total ? u"%1 of %2 backends"_s.arg(shown).arg(total)
            : total == 1            ? u"1 backend"_s
                                    : u"%1 backends"_s.arg(total));
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

} // namespace poolscope
