#include "TargetsPane.h"

#include "TargetsProxyModel.h"
#include "Theme.h"
#include "models/Format.h"
#include "models/TargetsModel.h"
#include "store/Session.h"
#include "store/SessionAtCursor.h"

#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QTextBrowser>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
constexpr int kRefreshIntervalMs = 250;
// The details below the list (and the columns' fit) follow new data at most once a second: the text box parses
// and lays out its document on every change, and the selected target's last poll changes on every poll.
constexpr int kDetailsIntervalMs = 1000;
} // namespace

TargetsPane::TargetsPane(Session* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_model(new TargetsModel(session, this))
    , m_proxy(new TargetsProxyModel(this))
    , m_timer(new QTimer(this))
{
    // The rows repaint every 250 ms, not once per sample (20 targets at 0.1 s: 200 a second).
    m_model->setUpdateInterval(kRefreshIntervalMs);
    m_proxy->setSourceModel(m_model);
    // The columns are measured again (every cell) only after the rows changed.
    const auto columnsDirty = [this] { m_columnsDirty = true; };
    connect(m_proxy, &QAbstractItemModel::dataChanged, this, columnsDirty);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, columnsDirty);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, columnsDirty);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, columnsDirty);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 0, 0);
    auto* title = new QLabel(tr("Targets"), this);
    QFont titleFont = title->font();
    titleFont.setBold(true);
    title->setFont(titleFont);
    layout->addWidget(title);

    m_view = new QTreeView(this);
    m_view->setAccessibleName(tr("Targets"));
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAllColumnsShowFocus(true);
    m_view->setTextElideMode(Qt::ElideRight);
    auto* header = m_view->header();
    header->setStretchLastSection(false);
    // Not ResizeToContents: that measures every cell of the column on every dataChanged (a sample each),
    // 20% of the window's CPU at 20 targets polled every 0.1 s. refresh() fits the columns, throttled.
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(TargetsModel::Name, QHeaderView::Stretch);
    header->setMinimumSectionSize(40);
    // The pool and the poll time are in the chart's title and the status bar; the header's menu shows them.
    header->setSectionHidden(TargetsModel::Pool, true);
    header->setSectionHidden(TargetsModel::LastPoll, true);
    installColumnMenu(header);
    connect(header, &QHeaderView::sectionResized, this, [this] { m_columnsDirty = true; }); // or shown again
    layout->addWidget(m_view, 3);

    auto* detailsTitle = new QLabel(tr("Details"), this);
    detailsTitle->setFont(titleFont);
    layout->addWidget(detailsTitle);
    m_details = new QTextBrowser(this);
    m_details->setAccessibleName(tr("Target and database details"));
    m_details->setOpenLinks(false);
    m_details->setFrameShape(QFrame::NoFrame);
    m_details->viewport()->setAutoFillBackground(false); // the pane's background, as a label had
    m_details->setContentsMargins(0, 0, 0, 0);
    m_details->document()->setDocumentMargin(3);
    m_details->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(m_details, 2);

    m_timer->setSingleShot(true);
    m_timer->setInterval(kDetailsIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &TargetsPane::refresh);
    if (session) {
        connect(session, &Session::sampleAdded, this, &TargetsPane::schedule);
        connect(session, &Session::snapshotAdded, this, &TargetsPane::schedule);
        connect(session, &Session::poolerSnapshotAdded, this, &TargetsPane::schedule);
        connect(session, &Session::thresholdsChanged, this, &TargetsPane::refresh);
    }
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        refresh();
        Q_EMIT targetChanged(selectedTarget());
    });
}

TargetsPane::~TargetsPane() = default;

void TargetsPane::installColumnMenu(QHeaderView* header)
{
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, header, [header](const QPoint& pos) {
        QMenu menu(header);
        QAbstractItemModel* model = header->model();
        for (int column = 0; column < header->count(); ++column) {
            QAction* action = menu.addAction(model->headerData(column, Qt::Horizontal).toString());
            action->setCheckable(true);
            action->setChecked(!header->isSectionHidden(column));
            action->setEnabled(header->isSectionHidden(column) || header->hiddenSectionCount() < header->count() - 1);
            connect(action, &QAction::toggled, header,
                [header, column](bool shown) { header->setSectionHidden(column, !shown); });
        }
        menu.exec(header->viewport()->mapToGlobal(pos));
    });
}

void TargetsPane::followCursor(SessionAtCursor* cursor)
{
    if (m_cursor)
        disconnect(m_cursor, nullptr, this, nullptr);
    m_cursor = cursor;
    m_model->followCursor(cursor);
    if (cursor)
        connect(cursor, &SessionAtCursor::changed, this, &TargetsPane::refresh);
    refresh();
}

void TargetsPane::selectTarget(int targetIndex)
{
    const QModelIndex index = m_proxy->index(targetIndex, 0);
    if (!index.isValid())
        return;
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

int TargetsPane::selectedTarget() const
{
    const QModelIndex current = m_view->selectionModel()->currentIndex();
    return current.isValid() ? current.data(TargetsModel::TargetIndexRole).toInt() : -1;
}

QString TargetsPane::detailsText() const
{
    return m_detailsHtml;
}

void TargetsPane::schedule()
{
    if (m_cursor && !m_cursor->isLive())
        return; // the details show a moment of the past: new data does not change it
    if (!m_timer->isActive())
        m_timer->start();
}

void TargetsPane::refresh()
{
    m_timer->stop();
    if (!m_session)
        return;
    fitColumns();
    const auto row = [](const QString& label, const QString& value) {
        return u"<tr><td style=\"color:#616161; padding-right:10px\">%1</td><td>%2</td></tr>"_s.arg(label, value);
    };
    QString html;
    const bool past = m_cursor && !m_cursor->isLive();
    const auto targetAt
        = [this](int i) -> const TargetState& { return m_cursor ? m_cursor->target(i) : m_session->target(i); };
    const auto databaseAt
        = [this](int i) -> const DatabaseState& { return m_cursor ? m_cursor->database(i) : m_session->database(i); };
    const auto poolerAt
        = [this](int i) -> const PoolerState& { return m_cursor ? m_cursor->pooler(i) : m_session->pooler(i); };
    // In the past: what moment this is, before anything else (and in place of "waiting" for what had no read yet).
    const QString nothingYet
        = past ? tr("no read at or before %1").arg(formatClock(m_cursor->cursor())) : tr("waiting");
    if (past)
        html
            += u"<p style=\"margin:0 0 4px 0\"><span style=\"color:#ffffff; background:#6a1b9a\"><b>&nbsp;%1&nbsp;</b></span></p>"_s
                   .arg(tr("At %1 (time cursor)").arg(formatClock(m_cursor->cursor())));
    const int target = selectedTarget();
    if (target >= 0) {
        const TargetState& t = targetAt(target);
        const auto& m = t.lastOk.metrics;
        const auto value = [](double v) { return isPresent(v) ? QString::number(v, 'f', 0) : unknownText(); };
        const auto level = TargetsModel::stateLevel(t, m_session->workspace().thresholds);
        QString state = u"<span style=\"color:%1\"><b>%2</b></span>"_s.arg(
            Theme::stateColor(level).name(), TargetsModel::stateText(t).toHtmlEscaped());
        html += u"<table cellspacing=\"0\" cellpadding=\"1\">"_s;
        html += row(tr("Target"), u"<b>%1</b>"_s.arg(t.config.name.toHtmlEscaped()));
        html += row(u"URL"_s, t.config.url.toHtmlEscaped());
        html += row(tr("State"), state);
        html += row(past ? tr("Poll") : tr("Last poll"),
            t.polled() ? formatClock(t.latest.timestampMs)
                    + (t.latest.latencyMs >= 0 ? u" (%1 ms)"_s.arg(t.latest.latencyMs) : QString())
                       : unknownText());
        if (t.consecutiveFailures > 0)
            html += row(tr("Failures"),
                tr("%1 in a row, last success %2").arg(t.consecutiveFailures).arg(formatClock(t.lastOk.timestampMs)));
        html += row(tr("Pool"),
            u"size %1 · max %2 · idle %3 · waiting %4"_s.arg(value(m[Metric::PoolSize]), value(m[Metric::PoolMax]),
                value(m[Metric::PoolIdle]), value(m[Metric::Waiting])));
        html += row(tr("Totals"),
            u"acquired %1 · released %2 · leaks %3"_s.arg(
                value(m[Metric::AcquiredTotal]), value(m[Metric::ReleasedTotal]), value(m[Metric::LeaksTotal])));
        html += row(tr("Application"),
            t.config.applicationName.isEmpty() ? unknownText() : t.config.applicationName.toHtmlEscaped());
        html += u"</table>"_s;
    }
    for (int i = 0; i < m_session->databaseCount(); ++i) {
        const DatabaseState& d = databaseAt(i);
        QString state;
        if (!d.polled())
            state = u"<span style=\"color:%1\">%2</span>"_s.arg(
                Theme::stateColor(TargetsModel::StateLevel::Waiting).name(), nothingYet);
        else if (d.latest.ok())
            state = u"<span style=\"color:%1\"><b>ok</b></span> · %2 backends · read %3"_s
                        .arg(Theme::stateColor(TargetsModel::StateLevel::Ok).name())
                        .arg(d.latest.backends.size())
                        .arg(formatClock(d.latest.timestampMs));
        else
            state = u"<span style=\"color:%1\"><b>failing: %2</b></span>"_s.arg(
                Theme::errorColor().name(), singleLine(d.latest.error).toHtmlEscaped());
        html += u"<table cellspacing=\"0\" cellpadding=\"1\" style=\"margin-top:6px\">"_s
            + row(tr("Database"), u"<b>%1</b>"_s.arg(d.config.name.toHtmlEscaped())) + row(tr("State"), state)
            + u"</table>"_s;
    }
    for (int i = 0; i < m_session->poolerCount(); ++i) {
        const PoolerState& p = poolerAt(i);
        QString state;
        if (!p.polled())
            state = u"<span style=\"color:%1\">%2</span>"_s.arg(
                Theme::stateColor(TargetsModel::StateLevel::Waiting).name(), nothingYet);
        else if (p.latest.ok())
            state = u"<span style=\"color:%1\"><b>ok</b></span> · %2 pools · %3 clients · %4 servers · read %5"_s
                        .arg(Theme::stateColor(TargetsModel::StateLevel::Ok).name())
                        .arg(p.latest.pools.size())
                        .arg(p.latest.clients.size())
                        .arg(p.latest.servers.size())
                        .arg(formatClock(p.latest.timestampMs));
        else
            state = u"<span style=\"color:%1\"><b>failing: %2</b></span>"_s.arg(
                Theme::errorColor().name(), singleLine(p.latest.error).toHtmlEscaped());
        html += u"<table cellspacing=\"0\" cellpadding=\"1\" style=\"margin-top:6px\">"_s
            + row(u"pgbouncer"_s, u"<b>%1</b>"_s.arg(p.config.name.toHtmlEscaped())) + row(u"State"_s, state)
            + u"</table>"_s;
    }
    if (html != m_detailsHtml) { // the text box lays its document out again on every setHtml
        m_detailsHtml = html;
        m_details->setHtml(html);
    }
}

void TargetsPane::fitColumns()
{
    if (!m_columnsDirty)
        return;
    m_columnsDirty = false;
    const QHeaderView* header = m_view->header();
    for (int column = 0; column < header->count(); ++column) {
        if (column != TargetsModel::Name && !header->isSectionHidden(column))
            m_view->resizeColumnToContents(column);
    }
}

} // namespace poolscope
