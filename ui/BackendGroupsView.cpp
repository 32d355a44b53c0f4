#include "BackendGroupsView.h"

#include "models/BackendGroupsModel.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QComboBox>
#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

BackendGroupsView::BackendGroupsView(Session* session, ViewState* view, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_view(view)
    , m_groupBy(new QComboBox(this))
    , m_tree(new QTreeView(this))
    , m_model(new BackendGroupsModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_timer(new QTimer(this))
{
    setAccessibleName(tr("Backend groups"));
    m_groupBy->setAccessibleName(tr("Group backends by"));
    const auto choices = BackendGroupsModel::groupingChoices();
    for (const auto& choice : choices)
        m_groupBy->addItem(choice.first);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(BackendGroupsModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setRecursiveFilteringEnabled(true);
    m_tree->setModel(m_proxy);
    m_tree->setAccessibleName(tr("Backend groups tree"));
    m_tree->setSortingEnabled(true);
    m_tree->sortByColumn(BackendGroupsModel::Count, Qt::DescendingOrder);
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setAllColumnsShowFocus(true);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->header()->setStretchLastSection(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::Interactive);
    const QFontMetrics fm = m_tree->fontMetrics();
    m_tree->header()->resizeSection(BackendGroupsModel::Key, fm.horizontalAdvance(u"worker_settlement_xx"_s) + 40);
    m_tree->header()->resizeSection(BackendGroupsModel::Count, fm.horizontalAdvance(u"idle in transaction"_s) + 16);
    m_tree->header()->resizeSection(BackendGroupsModel::OldestAge, fm.horizontalAdvance(u"Oldest backend"_s) + 24);
    m_tree->header()->resizeSection(
        BackendGroupsModel::OldestInState, fm.horizontalAdvance(u"59 m 59 s (pid 99999)"_s) + 16);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree);

    m_timer->setSingleShot(true);
    m_timer->setInterval(250);
    connect(m_timer, &QTimer::timeout, this, &BackendGroupsView::refresh);
    connect(m_groupBy, &QComboBox::currentIndexChanged, this, &BackendGroupsView::onGroupingChanged);
    connect(m_tree, &QTreeView::expanded, this, [this](const QModelIndex& index) {
        m_expanded.insert(index.data(BackendGroupsModel::GroupKeyRole).toString());
    });
    connect(m_tree, &QTreeView::collapsed, this, [this](const QModelIndex& index) {
        m_expanded.remove(index.data(BackendGroupsModel::GroupKeyRole).toString());
    });
    connect(
        m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
            const int pid = current.data(BackendGroupsModel::PidRole).toInt();
            if (pid > 0)
                Q_EMIT backendSelected(pid);
        });
    if (session) {
        connect(session, &Session::snapshotAdded, this, &BackendGroupsView::scheduleRefresh);
    }
    if (view) {
        connect(view, &ViewState::cursorChanged, this, &BackendGroupsView::scheduleRefresh);
        connect(view, &ViewState::redactedChanged, this, &BackendGroupsView::scheduleRefresh);
    }
}

BackendGroupsView::~BackendGroupsView() = default;

bool BackendGroupsView::isGrouping() const
{
    return m_model->grouping().has_value();
}

void BackendGroupsView::onGroupingChanged()
{
    const auto choices = BackendGroupsModel::groupingChoices();
    const int index = m_groupBy->currentIndex();
    m_expanded.clear();
    m_model->setGrouping(index >= 0 && index < choices.size() ? choices.at(index).second : std::nullopt);
    refresh();
    Q_EMIT groupingChanged(isGrouping());
}

void BackendGroupsView::setApplicationFilter(const QString& applicationName)
{
    if (applicationName == m_application)
        return;
    m_application = applicationName;
    refresh();
}

void BackendGroupsView::setFilterText(const QString& text)
{
    m_proxy->setFilterFixedString(text);
}

void BackendGroupsView::scheduleRefresh()
{
    if (isGrouping() && !m_timer->isActive())
        m_timer->start();
}

void BackendGroupsView::refresh()
{
    m_timer->stop();
    if (!m_session || !isGrouping()) {
        m_model->setBackends({}, kNoTime);
        return;
    }
    const int pid = selectedPid();
    QList<Backend> backends;
    qint64 now = kNoTime;
    for (int i = 0; i < m_session->databaseCount(); ++i) {
        const ActivitySnapshot snapshot = m_session->snapshotAt(i, m_view ? m_view->cursor() : ViewState::kLive);
        if (now == kNoTime)
            now = snapshot.serverTimeMs != kNoTime ? snapshot.serverTimeMs : snapshot.timestampMs;
        for (const Backend& b : snapshot.backends) {
            if (m_application.isEmpty() || b.applicationName == m_application)
                backends.append(b);
        }
    }
    m_model->setRedacted(m_view && m_view->isRedacted());
    m_model->setBackends(backends, now);
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const QModelIndex index = m_proxy->index(row, 0);
        if (m_expanded.contains(index.data(BackendGroupsModel::GroupKeyRole).toString()))
            m_tree->expand(index);
    }
    if (pid > 0) {
        const QSignalBlocker blocker(m_tree->selectionModel());
        const QModelIndex index = m_proxy->mapFromSource(m_model->indexOfPid(pid));
        if (index.isValid() && (!index.parent().isValid() || m_tree->isExpanded(index.parent())))
            m_tree->selectionModel()->setCurrentIndex(
                index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
}

bool BackendGroupsView::selectPid(int pid)
{
    const QModelIndex index = m_proxy->mapFromSource(m_model->indexOfPid(pid));
    if (!index.isValid())
        return false;
    if (index.parent().isValid())
        m_tree->expand(index.parent());
    m_tree->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_tree->scrollTo(index);
    return true;
}

int BackendGroupsView::selectedPid() const
{
    return m_tree->selectionModel()->currentIndex().data(BackendGroupsModel::PidRole).toInt();
}

} // namespace poolscope
