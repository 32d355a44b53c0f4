#include "MainWindow.h"

#include "BackendsPane.h"
#include "EventsPane.h"
#include "EvidenceActions.h"
#include "ExplainPane.h"
#include "InspectorDialog.h"
#include "Notifier.h"
#include "PoolerPane.h"
#include "RoutesView.h"
#include "ShortcutsDialog.h"
#include "StatusPane.h"
#include "TargetsPane.h"
#include "Theme.h"
#include "ThresholdsDialog.h"
#include "TimelineChart.h"
#include "TimelinePane.h"
#include "VerdictPane.h"
#include "WindowActions.h"
#include "WorkspaceDialog.h"
#include "analysis/Diagnosis.h"
#include "cli/OutputPath.h"
#include "format/Format.h"
#include "jobs/JobTracker.h"
#include "models/BackendsModel.h"
#include "models/TargetsModel.h"
#include "sources/BackendActions.h"
#include "sources/Monitor.h"
#include "store/Session.h"
#include "store/SessionAtCursor.h"
#include "store/ViewState.h"
#include "workspace/RecentWorkspaces.h"
#include "workspace/WorkspaceEdit.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>

using namespace Qt::StringLiterals;

namespace poolscope {

MainWindow::MainWindow(Session* session, ViewState* view, Diagnosis* diagnosis, QWidget* parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_diagnosis(diagnosis)
    , m_view(view ? view : new ViewState(this))
    , m_atCursor(new SessionAtCursor(session, m_view, this))
{
    setWindowIcon(Theme::appIcon());
    setAccessibleName(tr("PoolScope main window"));

    m_actions = new WindowActions(this);

    // Targets | (verdict + timeline) / (backends, routes, explain, events).
    auto* mainSplitter = new QSplitter(Qt::Horizontal, this);
    mainSplitter->setObjectName(u"MainSplitter"_s);
    mainSplitter->setChildrenCollapsible(false);
    m_targets = new TargetsPane(session, mainSplitter);
    m_targets->followCursor(m_atCursor);
    mainSplitter->addWidget(m_targets);
    auto* centre = new QSplitter(Qt::Vertical, mainSplitter);
    centre->setObjectName(u"CentreSplitter"_s);
    centre->setChildrenCollapsible(false);
    m_timeline = new TimelinePane(session, m_view, m_actions->action(WindowActions::Id::Pause),
        m_actions->action(WindowActions::Id::Follow), centre);
    m_timeline->followCursor(m_atCursor);
    m_timeline->chart()->setDiagnosis(diagnosis);
    m_verdict = new VerdictPane(diagnosis, m_timeline);
    m_timeline->setBanner(m_verdict);
    centre->addWidget(m_timeline);

    m_tabs = new QTabWidget(centre);
    m_tabs->setAccessibleName(tr("Details"));
    m_tabs->setDocumentMode(true);
    m_backends = new BackendsPane(session, m_view, diagnosis, m_tabs);
    m_tabs->addTab(m_backends, tr("Backends"));
    m_routes = new RoutesView(session, m_view, diagnosis, m_tabs);
    m_tabs->addTab(m_routes, tr("Routes"));
    m_explain = new ExplainPane(diagnosis, m_tabs);
    m_explain->setRedacted(m_view->isRedacted());
    connect(m_view, &ViewState::redactedChanged, m_explain, &ExplainPane::setRedacted);
    m_tabs->addTab(m_explain, tr("Explain"));
    m_events = new EventsPane(session, m_tabs);
    m_tabs->addTab(m_events, tr("Events"));
    if (session && session->poolerCount() > 0) {
        m_poolers = new PoolerPane(session, m_tabs);
        m_tabs->addTab(m_poolers, tr("pgbouncer"));
    }
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
    m_status->followCursor(m_atCursor);
    statusBar()->addWidget(m_status, 1);
    m_evidence = new EvidenceActions(this, session, m_view, m_actions);
    m_notifier = new Notifier(session, this);
    connect(m_notifier, &Notifier::activated, this, &MainWindow::showMoment);

    // The tabs' titles carry their counts. Set only when they change: QTabWidget::setTabText lays out the tab bar
    // and the page again and repaints the page, even for the same text (each snapshot tells the backends' count).
    const auto tabText = [this](QWidget* page, const QString& text) {
        const int index = m_tabs->indexOf(page);
        if (m_tabs->tabText(index) != text)
            m_tabs->setTabText(index, text);
    };
    connect(m_backends, &BackendsPane::countChanged, this,
        [tabText, this](int total) { tabText(m_backends, tr("Backends (%1)").arg(total)); });
    connect(m_routes, &RoutesView::countChanged, this, [tabText, this](int routes, int rising) {
        tabText(m_routes,
            rising > 0 ? tr("Routes (%1, %2 rising)").arg(routes).arg(rising) : tr("Routes (%1)").arg(routes));
    });
    connect(m_explain, &ExplainPane::suspectCountChanged, this, [tabText, this](int suspects) {
        tabText(m_explain, suspects > 0 ? tr("Explain (%1 suspects)").arg(suspects) : tr("Explain"));
    });
    connect(m_events, &EventsPane::countChanged, this,
        [tabText, this](int rows) { tabText(m_events, tr("Events (%1)").arg(rows)); });
    tabText(m_backends, tr("Backends (%1)").arg(m_backends->model()->rowCount()));
    if (session && !session->events().isEmpty())
        tabText(m_events, tr("Events (%1)").arg(m_events->view()->model()->rowCount()));

    // The panes follow the selected target (and share the ViewState: cursor, redaction, visible range);
    // a selected suspect selects its backend.
    connect(m_targets, &TargetsPane::targetChanged, this, &MainWindow::onTargetChanged);
    connect(m_explain, &ExplainPane::suspectSelected, m_backends, &BackendsPane::selectBackendPid);

    QAction* thresholds = m_actions->action(WindowActions::Id::Thresholds);
    thresholds->setEnabled(session != nullptr);
    connect(thresholds, &QAction::triggered, this, &MainWindow::openThresholdsDialog);
    connect(
        m_actions->action(WindowActions::Id::InspectPayload), &QAction::triggered, this, &MainWindow::openInspector);

    m_backends->setBackendActions(nullptr, m_actions->action(WindowActions::Id::CancelQuery),
        m_actions->action(WindowActions::Id::TerminateBackend));
    connect(m_actions->action(WindowActions::Id::EditWorkspace), &QAction::triggered, this,
        &MainWindow::openWorkspaceDialog);
    connect(m_actions->action(WindowActions::Id::SaveWorkspace), &QAction::triggered, this, &MainWindow::saveWorkspace);
    connect(
        m_actions->action(WindowActions::Id::SaveWorkspaceAs), &QAction::triggered, this, &MainWindow::saveWorkspaceAs);
    if (session)
        connect(session, &Session::workspaceChanged, this, &MainWindow::updateTitle);
    connect(m_atCursor, &SessionAtCursor::changed, this, &MainWindow::updateTitle);
    updateTitle();
    updateWorkspaceActions();
    connect(m_actions->action(WindowActions::Id::KeyboardShortcuts), &QAction::triggered, this,
        &MainWindow::openShortcutsDialog);
    for (const auto& [id, scheme] : { std::pair { WindowActions::Id::ThemeSystem, Theme::Scheme::System },
             std::pair { WindowActions::Id::ThemeLight, Theme::Scheme::Light },
             std::pair { WindowActions::Id::ThemeDark, Theme::Scheme::Dark } }) {
        connect(m_actions->action(id), &QAction::triggered, this, [this, s = scheme] { setTheme(s, true); });
    }
    checkTheme(Theme::current()); // the app applies the remembered one (or --theme) before the window exists

    resize(1400, 900);
    if (m_targets->model()->rowCount() > 0)
        selectTarget(0);
}

MainWindow::~MainWindow()
{
    if (m_remembers)
        saveSettings();
}

void MainWindow::updateTitle()
{
    const QString path = m_session ? m_session->workspace().path : QString();
    QString name = !path.isEmpty() ? QFileInfo(path).fileName() : m_modified ? u"new workspace"_s : u"ad hoc"_s;
    if (m_session && m_session->isReview())
        name = QFileInfo(path).fileName();
    // Not live: the moment every view shows, so that a screenshot says when it is.
    const QString moment = m_atCursor->isLive() ? QString() : u" — at "_s + formatClock(m_atCursor->cursor());
    setWindowTitle(u"PoolScope — "_s + name + (m_modified ? u" *"_s : QString()) + moment);
}

void MainWindow::updateWorkspaceActions()
{
    const bool live = m_session && !m_session->isReview();
    m_actions->action(WindowActions::Id::SaveWorkspace)->setEnabled(live);
    m_actions->action(WindowActions::Id::SaveWorkspaceAs)->setEnabled(live);
    m_actions->action(WindowActions::Id::EditWorkspace)->setEnabled(live && m_monitor);
}

void MainWindow::setWorkspaceModified(bool modified)
{
    m_modified = modified;
    updateTitle();
}

ShortcutsDialog* MainWindow::openShortcutsDialog()
{
    auto* dialog = findChild<ShortcutsDialog*>(QString(), Qt::FindDirectChildrenOnly);
    if (!dialog) {
        dialog = new ShortcutsDialog(m_actions, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
    }
    dialog->show();
    dialog->raise();
    return dialog;
}

void MainWindow::setTheme(Theme::Scheme scheme, bool remember)
{
    Theme::apply(scheme);
    checkTheme(scheme);
    if (remember)
        Theme::remember(scheme);
}

void MainWindow::checkTheme(Theme::Scheme scheme)
{
    const WindowActions::Id id = scheme == Theme::Scheme::Dark ? WindowActions::Id::ThemeDark
        : scheme == Theme::Scheme::Light                       ? WindowActions::Id::ThemeLight
                                                               : WindowActions::Id::ThemeSystem;
    m_actions->action(id)->setChecked(true);
}

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

void MainWindow::showMoment(const QString& source, qint64 timestampMs)
{
    if (m_session) {
        // The source is a target, or a database: then the first target whose backends it holds.
        int target = m_session->targetIndex(source);
        for (int i = 0; target < 0 && i < m_session->targetCount(); ++i) {
            if (m_session->target(i).config.database == source)
                target = i;
        }
        if (target >= 0)
            selectTarget(target);
    }
    if (timestampMs > 0)
        m_view->setCursor(timestampMs);
    if (isMinimized())
        showNormal();
    raise();
    activateWindow();
}

ThresholdsDialog* MainWindow::openThresholdsDialog()
{
    auto* dialog = findChild<ThresholdsDialog*>();
    if (!dialog) {
        dialog = new ThresholdsDialog(m_session, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, &MainWindow::saveThresholds);
    }
    dialog->open();
    return dialog;
}

void MainWindow::setMonitor(Monitor* monitor)
{
    m_monitor = monitor;
    m_actions->action(WindowActions::Id::InspectPayload)->setEnabled(monitor != nullptr && m_session);
    delete m_backendActions;
    m_backendActions = monitor && m_session ? new BackendActions(m_session, monitor, this) : nullptr;
    m_backends->setBackendActions(m_backendActions, m_actions->action(WindowActions::Id::CancelQuery),
        m_actions->action(WindowActions::Id::TerminateBackend));
    updateWorkspaceActions();
}

WorkspaceDialog* MainWindow::openWorkspaceDialog()
{
    if (!m_session || m_session->isReview())
        return nullptr;
    auto* dialog = findChild<WorkspaceDialog*>();
    if (!dialog) {
        dialog = new WorkspaceDialog(m_session->workspace(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &WorkspaceDialog::applied, this, &MainWindow::applyWorkspace);
        const int target = selectedTarget();
        if (target >= 0)
            dialog->select(WorkspaceDialog::Kind::Target, target);
    }
    dialog->open();
    return dialog;
}

void MainWindow::applyWorkspace(const Workspace& workspace)
{
    if (!m_session || m_session->isReview() || workspace == m_session->workspace())
        return;
    setWorkspaceModified(true);
    const bool inPlace = m_monitor ? m_monitor->applyWorkspace(workspace) : m_session->updateWorkspace(workspace);
    if (inPlace) {
        statusBar()->showMessage(u"Workspace applied; File ▸ Save workspace keeps it"_s, 10000);
        return;
    }
    Q_EMIT reopenRequested(workspace);
}

void MainWindow::saveWorkspace()
{
    if (!m_session)
        return;
    if (m_session->workspace().path.isEmpty())
        saveWorkspaceAs();
    else
        saveWorkspaceTo(m_session->workspace().path);
}

void MainWindow::saveWorkspaceAs()
{
    if (!m_session)
        return;
    const QString current = m_session->workspace().path;
    const QString path = QFileDialog::getSaveFileName(this, u"Save workspace"_s,
        current.isEmpty() ? u"workspace.json"_s : current, u"Workspaces (*.json);;All files (*)"_s);
    if (!path.isEmpty())
        saveWorkspaceTo(path);
}

bool MainWindow::saveWorkspaceTo(const QString& path)
{
    if (!m_session || m_session->isReview())
        return false;
    const QString current = m_session->workspace().path;
    const bool itself
        = !current.isEmpty() && QFileInfo(path).absoluteFilePath() == QFileInfo(current).absoluteFilePath();
    if (!itself) {
        // Never over the recording or another file the window reads.
        if (const QString problem = m_evidence->outputProblem(path, FileKind::Text); !problem.isEmpty()) {
            statusBar()->showMessage(problem, 15000);
            Q_EMIT workspaceSaved(false, problem);
            return false;
        }
    }
    const Workspace workspace = m_session->workspace();
    m_evidence->jobs()->run(
        u"save-workspace"_s, u"Saving the workspace"_s, this,
        [workspace, path](JobControl&) { return poolscope::saveWorkspace(workspace, path); },
        [this, current](WorkspaceResult result) {
            if (!result.ok()) {
                const QString message = result.errors.join(u'\n');
                auto* box = new QMessageBox(QMessageBox::Warning, u"Save workspace"_s, message, QMessageBox::Ok, this);
                box->setAttribute(Qt::WA_DeleteOnClose);
                box->open(); // window-modal, never a nested event loop
                Q_EMIT workspaceSaved(false, message);
                return;
            }
            const QString saved = result.workspace->path;
            if (m_session && Session::sameShape(m_session->workspace(), *result.workspace)) {
                Workspace updated = m_session->workspace();
                updated.path = saved;
                m_session->updateWorkspace(updated);
            }
            QStringList read;
            read.append(saved);
            m_evidence->setReadFiles(read);
            RecentWorkspaces::add(saved);
            setWorkspaceModified(false);
            const QString message = u"Saved the workspace to "_s + saved;
            statusBar()->showMessage(message, 10000);
            Q_EMIT workspaceSaved(true, message);
        });
    return true;
}

void MainWindow::saveThresholds()
{
    if (!m_session || m_session->isReview())
        return;
    const QString path = m_session->workspace().path;
    if (path.isEmpty()) {
        setWorkspaceModified(true);
        const QString message = u"Thresholds apply now; File ▸ Save workspace as… keeps them"_s;
        statusBar()->showMessage(message, 10000);
        Q_EMIT thresholdsSaved(false, message);
        return;
    }
    const Thresholds thresholds = m_session->workspace().thresholds;
    m_evidence->jobs()->run(
        u"save-thresholds"_s, u"Saving the thresholds"_s, this,
        [path, thresholds](JobControl&) { return writeThresholds(path, thresholds); },
        [this, path](WorkspaceResult result) {
            const QString message = result.ok() ? u"Thresholds saved to "_s + path : result.errors.join(u'\n');
            statusBar()->showMessage(message, 10000);
            Q_EMIT thresholdsSaved(result.ok(), message);
        });
}

void MainWindow::restoreSettings()
{
    m_remembers = true;
    QSettings settings;
    settings.beginGroup(u"window"_s);
    if (settings.contains(u"geometry"_s))
        restoreGeometry(settings.value(u"geometry"_s).toByteArray());
    if (settings.contains(u"state"_s))
        restoreState(settings.value(u"state"_s).toByteArray());
    for (QSplitter* splitter : findChildren<QSplitter*>()) {
        const QString key = u"splitters/"_s + splitter->objectName();
        if (!splitter->objectName().isEmpty() && settings.contains(key))
            splitter->restoreState(settings.value(key).toByteArray());
    }
    if (settings.contains(u"rangeMs"_s)) {
        QComboBox* range = m_timeline->rangeBox();
        const int index = range->findData(settings.value(u"rangeMs"_s).toLongLong());
        if (index >= 0)
            range->setCurrentIndex(index);
    }
    const std::pair<QString, QHeaderView*> headers[]
        = { { u"targets"_s, m_targets->view()->header() }, { u"backends"_s, m_backends->view()->horizontalHeader() },
              { u"routes"_s, m_routes->table()->horizontalHeader() }, { u"events"_s, m_events->view()->header() } };
    for (const auto& [name, header] : headers) {
        const QString key = u"headers/"_s + name;
        if (settings.contains(key))
            header->restoreState(settings.value(key).toByteArray());
    }
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.beginGroup(u"window"_s);
    settings.setValue(u"geometry"_s, saveGeometry());
    settings.setValue(u"state"_s, saveState());
    for (const QSplitter* splitter : findChildren<QSplitter*>()) {
        if (!splitter->objectName().isEmpty())
            settings.setValue(u"splitters/"_s + splitter->objectName(), splitter->saveState());
    }
    settings.setValue(u"rangeMs"_s, m_timeline->rangeBox()->currentData().toLongLong());
    const std::pair<QString, QHeaderView*> headers[]
        = { { u"targets"_s, m_targets->view()->header() }, { u"backends"_s, m_backends->view()->horizontalHeader() },
              { u"routes"_s, m_routes->table()->horizontalHeader() }, { u"events"_s, m_events->view()->header() } };
    for (const auto& [name, header] : headers)
        settings.setValue(u"headers/"_s + name, header->saveState());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_modified && m_session && !m_session->isReview()) {
        const auto answer = QMessageBox::question(this, u"PoolScope"_s,
            u"The workspace has changes that are not saved. Save them before closing?"_s,
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
        if (answer == QMessageBox::Cancel) {
            event->ignore();
            return;
        }
        if (answer == QMessageBox::Save) {
            event->ignore();
            connect(
                this, &MainWindow::workspaceSaved, this,
                [this](bool ok) {
                    if (ok)
                        close();
                },
                Qt::SingleShotConnection);
            saveWorkspace();
            return;
        }
        m_modified = false;
    }
    if (m_remembers)
        saveSettings();
    QMainWindow::closeEvent(event);
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
