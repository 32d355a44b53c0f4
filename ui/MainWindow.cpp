#include "MainWindow.h"

#include "BackendsPane.h"
#include "EventsPane.h"
#include "EvidenceActions.h"
#include "ExplainPane.h"
#include "InspectorDialog.h"
#include "Notifier.h"
#include "RoutesView.h"
#include "StatusPane.h"
#include "TargetsPane.h"
#include "Theme.h"
#include "ThresholdsDialog.h"
#include "TimelineChart.h"
#include "TimelinePane.h"
#include "VerdictPane.h"
#include "WindowActions.h"
#include "analysis/Diagnosis.h"
#include "models/BackendsModel.h"
#include "models/TargetsModel.h"
#include "sources/Monitor.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QAction>
#include <QCoreApplication>
#include <QFileInfo>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTreeView>

using namespace Qt::StringLiterals;

namespace poolscope {

MainWindow::MainWindow(Session* session, ViewState* view, Diagnosis* diagnosis, QWidget* parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_diagnosis(diagnosis)
    , m_view(view ? view : new ViewState(this))
{
    const QString fileName = session && !session->workspace().path.isEmpty()
        ? QFileInfo(session->workspace().path).fileName()
        : u"ad hoc"_s;
    setWindowTitle(u"PoolScope — "_s + fileName);
    setWindowIcon(Theme::appIcon());
    setAccessibleName(u"PoolScope main window"_s);

    m_actions = new WindowActions(this);

    // Targets | (verdict + timeline) / (backends, routes, explain, events).
    auto* mainSplitter = new QSplitter(Qt::Horizontal, this);
    mainSplitter->setChildrenCollapsible(false);
    m_targets = new TargetsPane(session, mainSplitter);
    mainSplitter->addWidget(m_targets);
    auto* centre = new QSplitter(Qt::Vertical, mainSplitter);
    centre->setChildrenCollapsible(false);
    m_timeline = new TimelinePane(session, m_view, m_actions->action(WindowActions::Id::Pause),
        m_actions->action(WindowActions::Id::Follow), centre);
    m_verdict = new VerdictPane(diagnosis, m_timeline);
    m_timeline->setBanner(m_verdict);
    centre->addWidget(m_timeline);

    m_tabs = new QTabWidget(centre);
    m_tabs->setAccessibleName(u"Details"_s);
    m_tabs->setDocumentMode(true);
    m_backends = new BackendsPane(session, m_view, diagnosis, m_tabs);
    m_tabs->addTab(m_backends, u"Backends"_s);
    m_routes = new RoutesView(session, m_view, diagnosis, m_tabs);
    m_tabs->addTab(m_routes, u"Routes"_s);
    m_explain = new ExplainPane(diagnosis, m_tabs);
    m_explain->setRedacted(m_view->isRedacted());
    connect(m_view, &ViewState::redactedChanged, m_explain, &ExplainPane::setRedacted);
    m_tabs->addTab(m_explain, u"Explain"_s);
    m_events = new EventsPane(session, m_tabs);
    m_tabs->addTab(m_events, u"Events"_s);
    centre->addWidget(m_tabs);

    mainSplitter->addWidget(centre);
    mainSplitter->setStretchFactor(0, 0);
    mainSplitter->setStretchFactor(1, 1);
    mainSplitter->setSizes({ 460, 940 });
    centre->setStretchFactor(0, 1);
    centre->setStretchFactor(1, 1);
    centre->setSizes({ 420, 410 });
    setCentralWidget(mainSplitter);

    m_status = new StatusPane(session, this);
    statusBar()->addWidget(m_status, 1);
    m_evidence = new EvidenceActions(this, session, m_view, m_actions);
    m_notifier = new Notifier(session, this);

    // The tabs' titles carry their counts.
    const auto tabText
        = [this](QWidget* page, const QString& text) { m_tabs->setTabText(m_tabs->indexOf(page), text); };
    connect(m_backends, &BackendsPane::countChanged, this,
        [tabText, this](int total) { tabText(m_backends, u"Backends (%1)"_s.arg(total)); });
    connect(m_routes, &RoutesView::countChanged, this, [tabText, this](int routes, int rising) {
        tabText(
            m_routes, rising > 0 ? u"Routes (%1, %2 rising)"_s.arg(routes).arg(rising) : u"Routes (%1)"_s.arg(routes));
    });
    connect(m_explain, &ExplainPane::suspectCountChanged, this, [tabText, this](int suspects) {
        tabText(m_explain, suspects > 0 ? u"Explain (%1 suspects)"_s.arg(suspects) : u"Explain"_s);
    });
    connect(m_events, &EventsPane::countChanged, this,
        [tabText, this](int rows) { tabText(m_events, u"Events (%1)"_s.arg(rows)); });
    tabText(m_backends, u"Backends (%1)"_s.arg(m_backends->model()->rowCount()));
    if (session && !session->events().isEmpty())
        tabText(m_events, u"Events (%1)"_s.arg(m_events->view()->model()->rowCount()));

    // The panes follow the selected target (and share the ViewState: cursor, redaction, visible range);
    // a selected suspect selects its backend.
    connect(m_targets, &TargetsPane::targetChanged, this, &MainWindow::onTargetChanged);
    connect(m_explain, &ExplainPane::suspectSelected, m_backends, &BackendsPane::selectBackendPid);

    QAction* thresholds = m_actions->action(WindowActions::Id::Thresholds);
    thresholds->setEnabled(session != nullptr);
    connect(thresholds, &QAction::triggered, this, &MainWindow::openThresholdsDialog);
    connect(
        m_actions->action(WindowActions::Id::InspectPayload), &QAction::triggered, this, &MainWindow::openInspector);

    resize(1400, 900);
    if (m_targets->model()->rowCount() > 0)
        selectTarget(0);
}

MainWindow::~MainWindow() = default;

Session* MainWindow::session() const
{
    return m_session;
}

Diagnosis* MainWindow::diagnosis() const
{
    return m_diagnosis;
}

TimelineChart* MainWindow::chart() const
{
    return m_timeline->chart();
}

void MainWindow::selectTarget(int targetIndex)
{
    m_targets->selectTarget(targetIndex);
}

int MainWindow::selectedTarget() const
{
    return m_targets->selectedTarget();
}

void MainWindow::onTargetChanged(int targetIndex)
{
    m_timeline->setTarget(targetIndex);
    m_verdict->setTarget(targetIndex);
    m_backends->setTarget(targetIndex);
    m_routes->setTarget(targetIndex);
    if (!m_diagnosis || targetIndex < 0)
        m_routes->refresh();
    m_explain->setTarget(targetIndex);
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

void MainWindow::setMonitor(Monitor* monitor)
{
    m_monitor = monitor;
    m_actions->action(WindowActions::Id::InspectPayload)->setEnabled(monitor != nullptr && m_session);
}

InspectorDialog* MainWindow::openInspector()
{
    if (!m_monitor || !m_session)
        return nullptr;
    auto* dialog = findChild<InspectorDialog*>();
    if (!dialog) {
        dialog = new InspectorDialog(m_monitor, m_session, m_evidence->jobs(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
    }
    const int target = selectedTarget();
    if (target >= 0 && target < m_session->workspace().targets.size())
        dialog->setTarget(m_session->workspace().targets.at(target).name);
    dialog->show();
    dialog->raise();
    return dialog;
}

QImage MainWindow::renderToImage()
{
    m_status->refresh();
    m_targets->refresh();
    m_timeline->refresh();
    // Let layouts and the chart's scene settle (legend, labels) before painting; no input is processed.
    for (int i = 0; i < 3; ++i)
        QCoreApplication::sendPostedEvents();
    return grab().toImage();
}

} // namespace poolscope
