#include "MainWindow.h"

#include "BackendsProxyModel.h"
#include "EvidenceActions.h"
#include "TargetsProxyModel.h"
#include "Theme.h"
#include "TimelineChart.h"
#include "models/BackendsModel.h"
#include "models/Format.h"
#include "models/TargetsModel.h"
#include "store/Session.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
constexpr int kStatusIntervalMs = 250;

struct RangeChoice
{
    QStringView label;
    qint64 ms;
};
constexpr RangeChoice kRanges[] = {
    { u"5 min", 5LL * 60 * 1000 },
    { u"1 h", 60LL * 60 * 1000 },
    { u"12 h", 12LL * 60 * 60 * 1000 },
    { u"All", 0 },
};

QString plural(int n, const QString& one, const QString& many)
{
    return QString::number(n) + u' ' + (n == 1 ? one : many);
}
} // namespace

MainWindow::MainWindow(Session* session, QWidget* parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_statusTimer(new QTimer(this))
{
    const QString fileName = session && !session->workspace().path.isEmpty()
        ? QFileInfo(session->workspace().path).fileName()
        : u"ad hoc"_s;
    setWindowTitle(u"PoolScope — "_s + fileName);
    setWindowIcon(Theme::appIcon());
    setAccessibleName(u"PoolScope main window"_s);

    m_targetsModel = new TargetsModel(session, this);
    m_targetsProxy = new TargetsProxyModel(this);
    m_targetsProxy->setSourceModel(m_targetsModel);
    m_backendsModel = new BackendsModel(session, this);
    m_backendsProxy = new BackendsProxyModel(this);
    m_backendsProxy->setSourceModel(m_backendsModel);

    auto* mainSplitter = new QSplitter(Qt::Horizontal, this);
    mainSplitter->setChildrenCollapsible(false);
    buildTargetsPane(mainSplitter);
    auto* centre = new QSplitter(Qt::Vertical, mainSplitter);
    centre->setChildrenCollapsible(false);
    buildChartPane(centre);
    buildBottomTabs(centre);
    buildDiagnosisPanels();
    mainSplitter->addWidget(centre);
    mainSplitter->setStretchFactor(0, 0);
    mainSplitter->setStretchFactor(1, 1);
    mainSplitter->setSizes({ 460, 940 });
    centre->setStretchFactor(0, 1);
    centre->setStretchFactor(1, 1);
    centre->setSizes({ 420, 410 });
    setCentralWidget(mainSplitter);

    m_statusLabel = new QLabel(this);
    m_statusLabel->setAccessibleName(u"Status summary"_s);
    m_errorLabel = new QLabel(this);
    m_errorLabel->setAccessibleName(u"Newest error"_s);
    m_errorLabel->setStyleSheet(u"QLabel { color: %1; font-weight: bold; }"_s.arg(Theme::errorColor().name()));
    statusBar()->addWidget(m_statusLabel);
    statusBar()->addWidget(m_errorLabel, 1);
    m_evidence = new EvidenceActions(this, session);

    m_statusTimer->setSingleShot(true);
    m_statusTimer->setInterval(kStatusIntervalMs);
    connect(m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    if (session) {
        connect(session, &Session::sampleAdded, this, &MainWindow::scheduleStatus);
        connect(session, &Session::snapshotAdded, this, &MainWindow::scheduleStatus);
        connect(session, &Session::eventAdded, this, &MainWindow::appendEvent);
        for (int i = 0; i < session->events().size(); ++i)
            appendEvent(i);
    }

    resize(1400, 900);
    if (m_targetsModel->rowCount() > 0)
        selectTarget(0);
    updateStatus();
}

MainWindow::~MainWindow() = default;

Session* MainWindow::session() const
{
    return m_session;
}

void MainWindow::buildTargetsPane(QSplitter* splitter)
{
    auto* pane = new QWidget(splitter);
    auto* layout = new QVBoxLayout(pane);
    layout->setContentsMargins(6, 6, 0, 0);
    auto* title = new QLabel(u"Targets"_s, pane);
    QFont titleFont = title->font();
    titleFont.setBold(true);
    title->setFont(titleFont);
    layout->addWidget(title);

    m_targetsView = new QTreeView(pane);
    m_targetsView->setAccessibleName(u"Targets"_s);
    m_targetsView->setModel(m_targetsProxy);
    m_targetsView->setRootIsDecorated(false);
    m_targetsView->setUniformRowHeights(true);
    m_targetsView->setAlternatingRowColors(true);
    m_targetsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_targetsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_targetsView->setAllColumnsShowFocus(true);
    m_targetsView->setTextElideMode(Qt::ElideRight);
    auto* header = m_targetsView->header();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(TargetsModel::Name, QHeaderView::Stretch);
    header->setMinimumSectionSize(40);
    // The pool and the poll time are in the chart's title and the status bar; the header's menu shows them.
    header->setSectionHidden(TargetsModel::Pool, true);
    header->setSectionHidden(TargetsModel::LastPoll, true);
    installColumnMenu(header);
    layout->addWidget(m_targetsView, 3);

    auto* detailsTitle = new QLabel(u"Details"_s, pane);
    detailsTitle->setFont(titleFont);
    layout->addWidget(detailsTitle);
    m_details = new QLabel(pane);
    m_details->setAccessibleName(u"Target and database details"_s);
    m_details->setTextFormat(Qt::RichText);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setContentsMargins(4, 2, 4, 4);
    m_details->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(m_details, 2);
    splitter->addWidget(pane);

    connect(
        m_targetsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::onTargetChanged);
}

void MainWindow::buildChartPane(QSplitter* splitter)
{
    auto* pane = new QWidget(splitter);
    auto* layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 4, 6, 0);
    layout->setSpacing(2);

    auto* toolbar = new QToolBar(pane);
    toolbar->setAccessibleName(u"Chart toolbar"_s);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setIconSize(QSize(16, 16));
    m_chartTitle = new QLabel(pane);
    m_chartTitle->setAccessibleName(u"Selected target"_s);
    m_chartTitle->setTextFormat(Qt::RichText);
    m_chartTitle->setContentsMargins(4, 0, 8, 0);
    m_chartTitle->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    auto* rangeLabel = new QLabel(u"Range "_s, toolbar);
    toolbar->addWidget(rangeLabel);
    m_rangeBox = new QComboBox(toolbar);
    m_rangeBox->setAccessibleName(u"Time range"_s);
    for (const auto& range : kRanges)
        m_rangeBox->addItem(range.label.toString(), range.ms);
    rangeLabel->setBuddy(m_rangeBox);
    toolbar->addWidget(m_rangeBox);
    toolbar->addSeparator();
    m_pauseAction = toolbar->addAction(Theme::pauseIcon(), u"Pause"_s);
    m_pauseAction->setCheckable(true);
    m_pauseAction->setToolTip(u"Freeze the visible window; data keeps arriving"_s);
    m_followAction = toolbar->addAction(Theme::followIcon(), u"Follow"_s);
    m_followAction->setToolTip(u"Resume following the newest data"_s);
    m_followAction->setEnabled(false);
    auto* headerRow = new QHBoxLayout;
    headerRow->setContentsMargins(0, 0, 0, 0);
    headerRow->addWidget(m_chartTitle, 1);
    headerRow->addWidget(toolbar);
    layout->addLayout(headerRow);

    m_chart = new TimelineChart(m_session, pane);
    m_chart->setMinimumHeight(260);
    layout->addWidget(m_chart, 1);
    splitter->addWidget(pane);

    connect(m_rangeBox, &QComboBox::currentIndexChanged, this,
        [this](int index) { m_chart->setRangeMs(m_rangeBox->itemData(index).toLongLong()); });
    m_chart->setRangeMs(m_rangeBox->currentData().toLongLong());
    connect(m_pauseAction, &QAction::toggled, m_chart, &TimelineChart::setPaused);
    connect(m_followAction, &QAction::triggered, m_chart, &TimelineChart::follow);
    connect(m_chart, &TimelineChart::pausedChanged, this, [this](bool paused) {
        m_pauseAction->setChecked(paused);
        m_followAction->setEnabled(paused);
    });
}

void MainWindow::buildBottomTabs(QSplitter* splitter)
{
    m_tabs = new QTabWidget(splitter);
    m_tabs->setAccessibleName(u"Details"_s);
    m_tabs->setDocumentMode(true);

    auto* backends = new QWidget(m_tabs);
    auto* layout = new QVBoxLayout(backends);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(4);
    auto* row = new QHBoxLayout;
    m_filterEdit = new QLineEdit(backends);
    m_filterEdit->setAccessibleName(u"Filter backends"_s);
    m_filterEdit->setPlaceholderText(u"Filter (any column: pid, user, application, state, query…)"_s);
    m_filterEdit->setClearButtonEnabled(true);
    row->addWidget(m_filterEdit, 1);
    m_onlyApplication = new QCheckBox(u"Only the selected target's application"_s, backends);
    m_onlyApplication->setAccessibleName(u"Only the selected target's application"_s);
    row->addWidget(m_onlyApplication);
    m_backendsCount = new QLabel(backends);
    m_backendsCount->setAccessibleName(u"Backends shown"_s);
    m_backendsCount->setMinimumWidth(m_backendsCount->fontMetrics().horizontalAdvance(u"0000 of 0000 backends"_s));
    m_backendsCount->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    row->addWidget(m_backendsCount);
    layout->addLayout(row);

    m_backendsView = new QTableView(backends);
    m_backendsView->setAccessibleName(u"Backends"_s);
    m_backendsView->setModel(m_backendsProxy);
    m_backendsView->setSortingEnabled(true);
    m_backendsView->sortByColumn(BackendsModel::InState, Qt::DescendingOrder);
    m_backendsView->setAlternatingRowColors(true);
    m_backendsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_backendsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_backendsView->setWordWrap(false);
    m_backendsView->setTextElideMode(Qt::ElideRight);
    m_backendsView->setShowGrid(false);
    m_backendsView->verticalHeader()->hide();
    m_backendsView->verticalHeader()->setDefaultSectionSize(m_backendsView->fontMetrics().height() + 8);
    m_backendsView->horizontalHeader()->setStretchLastSection(true);
    m_backendsView->horizontalHeader()->setHighlightSections(false);
    m_backendsView->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    sizeBackendColumns();
    layout->addWidget(m_backendsView, 1);
    m_tabs->addTab(backends, u"Backends"_s);

    m_eventsView = new QTreeWidget(m_tabs);
    m_eventsView->setAccessibleName(u"Events"_s);
    m_eventsView->setRootIsDecorated(false);
    m_eventsView->setUniformRowHeights(true);
    m_eventsView->setAlternatingRowColors(true);
    m_eventsView->setHeaderLabels({ u"Time"_s, u"Severity"_s, u"Source"_s, u"Message"_s });
    m_eventsView->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_eventsView->header()->setStretchLastSection(true);
    m_tabs->addTab(m_eventsView, u"Events"_s);
    splitter->addWidget(m_tabs);

    connect(m_filterEdit, &QLineEdit::textChanged, m_backendsProxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_onlyApplication, &QCheckBox::toggled, this, &MainWindow::applyApplicationFilter);
    for (const auto signal : { &QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved })
        connect(m_backendsProxy, signal, this, &MainWindow::updateBackendsCount);
    connect(m_backendsProxy, &QAbstractItemModel::modelReset, this, &MainWindow::updateBackendsCount);
    connect(m_backendsProxy, &QAbstractItemModel::layoutChanged, this, &MainWindow::updateBackendsCount);
    updateBackendsCount();
}

void MainWindow::sizeBackendColumns()
{
    const QFontMetrics fm = m_backendsView->fontMetrics();
    const int pad = 14;
    const auto width = [&](const QString& sample) { return fm.horizontalAdvance(sample) + pad; };
    auto* header = m_backendsView->horizontalHeader();
    const auto headerWidth = [&](int column) {
        return fm.horizontalAdvance(m_backendsModel->headerData(column, Qt::Horizontal).toString()) + pad + 14;
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
    QFont bold = m_backendsView->font();
    bold.setBold(true);
    header->resizeSection(BackendsModel::State, QFontMetrics(bold).horizontalAdvance(u"idle in transaction"_s) + pad);
    // One database: its name adds nothing. User, query age and wait are one click away (the header's
    // menu): the room goes to the query.
    m_backendsView->setColumnHidden(BackendsModel::Database, m_session && m_session->databaseCount() <= 1);
    m_backendsView->setColumnHidden(BackendsModel::User, true);
    m_backendsView->setColumnHidden(BackendsModel::QueryAge, true);
    m_backendsView->setColumnHidden(BackendsModel::Wait, true);
    installColumnMenu(header);
}

void MainWindow::installColumnMenu(QHeaderView* header)
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

QAbstractItemView* MainWindow::backendsView() const
{
    return m_backendsView;
}

QAbstractItemView* MainWindow::targetsView() const
{
    return m_targetsView;
}

void MainWindow::selectTarget(int targetIndex)
{
    const QModelIndex index = m_targetsProxy->index(targetIndex, 0);
    if (!index.isValid())
        return;
    m_targetsView->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

int MainWindow::selectedTarget() const
{
    const QModelIndex current = m_targetsView->selectionModel()->currentIndex();
    return current.isValid() ? current.data(TargetsModel::TargetIndexRole).toInt() : -1;
}

void MainWindow::onTargetChanged()
{
    const int target = selectedTarget();
    m_chart->setTarget(target);
    QString application;
    if (m_session && target >= 0)
        application = m_session->target(target).config.applicationName;
    m_onlyApplication->setEnabled(!application.isEmpty());
    m_onlyApplication->setText(target >= 0 ? u"Only %1's application"_s.arg(m_session->target(target).config.name)
                                           : u"Only the selected target's application"_s);
    m_onlyApplication->setToolTip(application.isEmpty()
            ? u"The target names no application_name"_s
            : u"Show only backends with application_name = %1"_s.arg(application));
    applyApplicationFilter();
    updateDiagnosisPanels();
    updateStatus();
}

void MainWindow::applyApplicationFilter()
{
    const int target = selectedTarget();
    QString application;
    if (m_onlyApplication->isChecked() && m_session && target >= 0)
        application = m_session->target(target).config.applicationName;
    m_backendsModel->setApplicationFilter(application);
    updateBackendsCount();
}

void MainWindow::updateBackendsCount()
{
    const int shown = m_backendsProxy->rowCount();
    const int total = m_backendsModel->rowCount();
    m_backendsCount->setText(
        shown == total ? plural(total, u"backend"_s, u"backends"_s) : u"%1 of %2 backends"_s.arg(shown).arg(total));
    if (m_tabs)
        m_tabs->setTabText(0, u"Backends (%1)"_s.arg(total));
}

void MainWindow::appendEvent(int eventIndex)
{
    if (!m_session || eventIndex < 0 || eventIndex >= m_session->events().size())
        return;
    const Event& event = m_session->events().at(eventIndex);
    auto* item = new QTreeWidgetItem(
        { formatClock(event.timestampMs), severityName(event.severity), event.source, event.message });
    if (event.severity == Event::Severity::Critical)
        item->setForeground(1, Theme::stateColor(TargetsModel::StateLevel::Critical));
    else if (event.severity == Event::Severity::Warning)
        item->setForeground(1, Theme::stateColor(TargetsModel::StateLevel::Warning));
    m_eventsView->insertTopLevelItem(0, item); // newest first
    m_tabs->setTabText(m_tabs->indexOf(m_eventsView), u"Events (%1)"_s.arg(m_eventsView->topLevelItemCount()));
}

void MainWindow::scheduleStatus()
{
    if (!m_statusTimer->isActive())
        m_statusTimer->start();
}

QString MainWindow::statusText() const
{
    return m_statusLabel->text();
}

QString MainWindow::errorText() const
{
    return m_errorLabel->text();
}

void MainWindow::updateStatus()
{
    m_statusTimer->stop();
    if (!m_session)
        return;
    qint64 lastPoll = 0;
    int targetsOk = 0, targetsFailing = 0, targetsWaiting = 0;
    qint64 errorTime = 0;
    QString error;
    for (int i = 0; i < m_session->targetCount(); ++i) {
        const TargetState& t = m_session->target(i);
        lastPoll = std::max(lastPoll, t.latest.timestampMs);
        if (!t.polled()) {
            ++targetsWaiting;
        } else if (t.latest.ok()) {
            ++targetsOk;
        } else {
            ++targetsFailing;
            if (t.latest.timestampMs >= errorTime) {
                errorTime = t.latest.timestampMs;
                error = t.config.name + u": " + singleLine(t.latest.error);
            }
        }
    }
    int dbOk = 0, dbFailing = 0, dbWaiting = 0;
    for (int i = 0; i < m_session->databaseCount(); ++i) {
        const DatabaseState& d = m_session->database(i);
        lastPoll = std::max(lastPoll, d.latest.timestampMs);
        if (!d.polled()) {
            ++dbWaiting;
        } else if (d.latest.ok()) {
            ++dbOk;
        } else {
            ++dbFailing;
            if (d.latest.timestampMs >= errorTime) {
                errorTime = d.latest.timestampMs;
                error = d.config.name + u": " + singleLine(d.latest.error);
            }
        }
    }
    QStringList parts;
    parts << (lastPoll > 0 ? u"Last poll "_s + formatClock(lastPoll) : u"No poll yet"_s);
    QString targets = plural(targetsOk, u"target ok"_s, u"targets ok"_s);
    if (targetsFailing > 0)
        targets += u", %1 failing"_s.arg(targetsFailing);
    if (targetsWaiting > 0)
        targets += u", %1 waiting"_s.arg(targetsWaiting);
    parts << targets;
    if (m_session->databaseCount() > 0) {
        QString dbs = plural(dbOk, u"database ok"_s, u"databases ok"_s);
        if (dbFailing > 0)
            dbs += u", %1 failing"_s.arg(dbFailing);
        if (dbWaiting > 0)
            dbs += u", %1 waiting"_s.arg(dbWaiting);
        parts << dbs;
    }
    m_statusLabel->setText(parts.join(u"  ·  "_s));
    m_errorLabel->setText(error);
    m_errorLabel->setToolTip(error);

    // The chart's title line: the selected target's newest numbers.
    const int target = selectedTarget();
    if (target < 0) {
        m_chartTitle->setText(QString());
        updateDetails();
        return;
    }
    const TargetState& t = m_session->target(target);
    const auto& m = t.lastOk.metrics;
    const auto value = [](double v) { return isPresent(v) ? QString::number(v, 'f', 0) : unknownText(); };
    const auto colored = [](Theme::Line line, const QString& label, const QString& v) {
        return u"<span style=\"color:%1\">%2 <b>%3</b></span>"_s.arg(Theme::lineColor(line).name(), label, v);
    };
    QString title = u"<b style=\"font-size:11pt\">%1</b> &nbsp; "_s.arg(t.config.name.toHtmlEscaped());
    if (t.lastOk.timestampMs > 0) {
        title += colored(Theme::Line::CheckedOut, u"checked out"_s, value(m[Metric::CheckedOut])) + u" · "_s
            + colored(Theme::Line::Tracked, u"tracked"_s, value(m[Metric::Tracked])) + u" · "_s
            + colored(Theme::Line::Discrepancy, u"discrepancy"_s, value(m[Metric::Discrepancy]));
        if (t.backendCount >= 0)
            title += u" · "_s + colored(Theme::Line::Backends, u"backends"_s, QString::number(t.backendCount));
    }
    m_chartTitle->setText(title);
    updateDetails();
}

void MainWindow::updateDetails()
{
    if (!m_session)
        return;
    const auto row = [](const QString& label, const QString& value) {
        return u"<tr><td style=\"color:#616161; padding-right:10px\">%1</td><td>%2</td></tr>"_s.arg(label, value);
    };
    QString html;
    const int target = selectedTarget();
    if (target >= 0) {
        const TargetState& t = m_session->target(target);
        const auto& m = t.lastOk.metrics;
        const auto value = [](double v) { return isPresent(v) ? QString::number(v, 'f', 0) : unknownText(); };
        const auto level = TargetsModel::stateLevel(t, m_session->workspace().thresholds);
        QString state = u"<span style=\"color:%1\"><b>%2</b></span>"_s.arg(
            Theme::stateColor(level).name(), TargetsModel::stateText(t).toHtmlEscaped());
        html += u"<table cellspacing=\"0\" cellpadding=\"1\">"_s;
        html += row(u"Target"_s, u"<b>%1</b>"_s.arg(t.config.name.toHtmlEscaped()));
        html += row(u"URL"_s, t.config.url.toHtmlEscaped());
        html += row(u"State"_s, state);
        html += row(u"Last poll"_s,
            t.polled() ? formatClock(t.latest.timestampMs)
                    + (t.latest.latencyMs >= 0 ? u" (%1 ms)"_s.arg(t.latest.latencyMs) : QString())
                       : unknownText());
        if (t.consecutiveFailures > 0)
            html += row(u"Failures"_s,
                u"%1 in a row, last success %2"_s.arg(t.consecutiveFailures).arg(formatClock(t.lastOk.timestampMs)));
        html += row(u"Pool"_s,
            u"size %1 · max %2 · idle %3 · waiting %4"_s.arg(value(m[Metric::PoolSize]), value(m[Metric::PoolMax]),
                value(m[Metric::PoolIdle]), value(m[Metric::Waiting])));
        html += row(u"Totals"_s,
            u"acquired %1 · released %2 · leaks %3"_s.arg(
                value(m[Metric::AcquiredTotal]), value(m[Metric::ReleasedTotal]), value(m[Metric::LeaksTotal])));
        html += row(u"Application"_s,
            t.config.applicationName.isEmpty() ? unknownText() : t.config.applicationName.toHtmlEscaped());
        html += u"</table>"_s;
    }
    for (int i = 0; i < m_session->databaseCount(); ++i) {
        const DatabaseState& d = m_session->database(i);
        QString state;
        if (!d.polled())
            state = u"<span style=\"color:%1\">waiting</span>"_s.arg(
                Theme::stateColor(TargetsModel::StateLevel::Waiting).name());
        else if (d.latest.ok())
            state = u"<span style=\"color:%1\"><b>ok</b></span> · %2 backends · read %3"_s
                        .arg(Theme::stateColor(TargetsModel::StateLevel::Ok).name())
                        .arg(d.latest.backends.size())
                        .arg(formatClock(d.latest.timestampMs));
        else
            state = u"<span style=\"color:%1\"><b>failing: %2</b></span>"_s.arg(
                Theme::errorColor().name(), singleLine(d.latest.error).toHtmlEscaped());
        html += u"<table cellspacing=\"0\" cellpadding=\"1\" style=\"margin-top:6px\">"_s
            + row(u"Database"_s, u"<b>%1</b>"_s.arg(d.config.name.toHtmlEscaped())) + row(u"State"_s, state)
            + u"</table>"_s;
    }
    m_details->setText(html);
}

QImage MainWindow::renderToImage()
{
    updateStatus();
    m_chart->refresh();
    // Let layouts and the chart's scene settle (legend, labels) before painting; no input is processed.
    for (int i = 0; i < 3; ++i)
        QCoreApplication::sendPostedEvents();
    return grab().toImage();
}

} // namespace poolscope
