#include "RoutesView.h"

#include "RouteChart.h"
#include "RoutesProxyModel.h"
#include "analysis/Diagnosis.h"
#include "models/RoutesModel.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QShowEvent>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
// Hidden (another tab is shown), the table is refreshed at most this often: only the tab's title (the route and
// rising counts) shows it. The chart's visible range moves on every refresh of the timeline.
constexpr int kHiddenRefreshMs = 2000;
} // namespace

RoutesView::RoutesView(Session* session, ViewState* view, Diagnosis* diagnosis, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_view(view)
    , m_diagnosis(diagnosis)
    , m_model(new RoutesModel(this))
    , m_proxy(new RoutesProxyModel(this))
    , m_hiddenTimer(new QTimer(this))
{
    m_hiddenTimer->setSingleShot(true);
    m_hiddenTimer->setInterval(kHiddenRefreshMs);
    connect(m_hiddenTimer, &QTimer::timeout, this, &RoutesView::refresh);
    setAccessibleName(tr("Routes"));
    m_proxy->setSourceModel(m_model);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(4);
    auto* row = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setAccessibleName(tr("Filter routes"));
    m_filter->setPlaceholderText(tr("Filter routes"));
    m_filter->setClearButtonEnabled(true);
    row->addWidget(m_filter, 1);
    m_summary = new QLabel(this);
    m_summary->setAccessibleName(tr("Routes shown"));
    row->addWidget(m_summary);
    layout->addLayout(row);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);
    m_table = new QTableView(splitter);
    m_table->setAccessibleName(tr("Routes table"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RoutesModel::Active, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setMinimumSectionSize(40);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setSectionResizeMode(RoutesModel::Route, QHeaderView::Stretch);
    const QFontMetrics fm = m_table->fontMetrics();
    for (int column = RoutesModel::Acquired; column < RoutesModel::NumColumns; ++column) {
        const QString header = m_model->headerData(column, Qt::Horizontal).toString();
        m_table->horizontalHeader()->resizeSection(
            column, std::max(fm.horizontalAdvance(header), fm.horizontalAdvance(u"00000"_s)) + 20);
    }
    splitter->addWidget(m_table);
    m_chart = new RouteChart(splitter);
    m_chart->setMinimumWidth(260);
    splitter->addWidget(m_chart);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({ 580, 280 });
    layout->addWidget(splitter, 1);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &RoutesView::showSelectedRoute);
    if (diagnosis) {
        connect(diagnosis, &Diagnosis::updated, this, [this](int target) {
            if (target == m_target)
                scheduleRefresh();
        });
    }
    if (view) {
        connect(view, &ViewState::cursorChanged, this, &RoutesView::scheduleRefresh);
        // Rates over what the timeline shows (5 min, 1 h, 12 h, all, or the frozen range while paused).
        connect(view, &ViewState::visibleRangeChanged, this, &RoutesView::setRange);
    }
}

RoutesView::~RoutesView() = default;

void RoutesView::setTarget(int targetIndex)
{
    if (targetIndex == m_target)
        return;
    m_target = targetIndex;
    m_table->selectionModel()->clearCurrentIndex();
    refresh();
    m_chart->setRoute(nullptr);
}

void RoutesView::scheduleRefresh()
{
    if (isVisible())
        refresh();
    else if (!m_hiddenTimer->isActive())
        m_hiddenTimer->start();
}

void RoutesView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_hiddenTimer->isActive())
        refresh(); // what changed while hidden, before the first paint
}

void RoutesView::refresh()
{
    m_hiddenTimer->stop();
    if (!m_session || m_target < 0 || m_target >= m_session->targetCount()) {
        m_model->clear();
    } else {
        QList<RouteRate> rates;
        if (m_diagnosis)
            rates = m_toMs > 0 ? m_diagnosis->routeRates(m_target, m_fromMs, m_toMs)
                               : m_diagnosis->target(m_target).routes;
        m_model->setRoutes(m_session->routesAt(m_target, m_view ? m_view->cursor() : ViewState::kLive), rates);
    }
    const int rising = m_model->risingCount();
    m_summary->setText(rising > 0 ? tr("%1 routes · %2 rising").arg(m_model->rowCount()).arg(rising)
                                  : u"%1 routes"_s.arg(m_model->rowCount()));
    Q_EMIT countChanged(m_model->rowCount(), rising);
    showSelectedRoute();
}

void RoutesView::setRange(qint64 fromMs, qint64 toMs)
{
    if (fromMs == m_fromMs && toMs == m_toMs)
        return;
    m_fromMs = fromMs;
    m_toMs = toMs;
    scheduleRefresh();
}

void RoutesView::selectRoute(const QString& name)
{
    const int row = m_model->rowOf(name);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

QString RoutesView::selectedRoute() const
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    return current.isValid() ? current.data(RoutesModel::NameRole).toString() : QString();
}

void RoutesView::showSelectedRoute()
{
    const QString name = selectedRoute();
    if (!m_session || m_target < 0 || name.isEmpty()) {
        m_chart->setRoute(nullptr);
        return;
    }
    qint64 from = m_fromMs, to = m_toMs;
    if (m_diagnosis && to <= 0) {
        const Verdict& verdict = m_diagnosis->target(m_target).verdict;
        from = verdict.fromMs;
        to = verdict.toMs;
    }
    m_chart->setRoute(m_session->target(m_target).history.route(name), from, to);
}

} // namespace poolscope
