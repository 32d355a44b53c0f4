#include "EvidenceActions.h"

#include "JobProgressWidget.h"
#include "MainWindow.h"
#include "RecordingStatusWidget.h"
#include "ScreenshotRenderer.h"
#include "TimelineChart.h"
#include "export/Exporter.h"
#include "jobs/JobTracker.h"
#include "models/Format.h"
#include "store/Session.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QRadioButton>
#include <QSettings>
#include <QStatusBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <optional>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
const auto kRedactKey = u"view/redact"_s;

QString exportName(EvidenceActions::ExportKind kind)
{
    switch (kind) {
    case EvidenceActions::ExportKind::Timeline:
        return u"timeline"_s;
    case EvidenceActions::ExportKind::Routes:
        return u"routes"_s;
    case EvidenceActions::ExportKind::Backends:
        return u"backends"_s;
    case EvidenceActions::ExportKind::Events:
        return u"events"_s;
    }
    return {};
}

// "Visible range" or "everything": nullopt when cancelled.
std::optional<bool> askRange(QWidget* parent, const QString& what, const QString& visible)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(u"Export %1"_s.arg(what));
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(u"Export which part of the session?"_s, &dialog));
    auto* visibleButton = new QRadioButton(u"The visible range (%1)"_s.arg(visible), &dialog);
    auto* everything = new QRadioButton(u"Everything recorded"_s, &dialog);
    visibleButton->setChecked(true);
    layout->addWidget(visibleButton);
    layout->addWidget(everything);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    layout->addWidget(buttons);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return everything->isChecked();
}
} // namespace

EvidenceActions::EvidenceActions(MainWindow* window, Session* session)
    : QObject(window)
    , m_window(window)
    , m_session(session)
{
    buildMenus();

    m_cursorLabel = new QLabel(window);
    m_cursorLabel->setAccessibleName(u"Moment shown"_s);
    m_cursorLabel->setContentsMargins(6, 0, 6, 0);
    m_liveButton = new QToolButton(window);
    m_liveButton->setDefaultAction(m_live);
    m_liveButton->setAutoRaise(true);
    m_recording = new RecordingStatusWidget(session, window);
    connect(m_recording, &RecordingStatusWidget::message, window,
        [window](const QString& text) { window->statusBar()->showMessage(text, 10000); });
    window->statusBar()->addPermanentWidget(m_cursorLabel);
    window->statusBar()->addPermanentWidget(m_liveButton);
    window->statusBar()->addPermanentWidget(m_recording);
    m_jobs = new JobTracker(this);
    m_jobProgress = new JobProgressWidget(m_jobs, window);
    window->statusBar()->addPermanentWidget(m_jobProgress);
    connect(
        this, &EvidenceActions::exportFinished, window, [window](const QString& path, bool ok, const QString& error) {
            if (ok)
                window->statusBar()->showMessage(u"Exported to %1"_s.arg(QDir::toNativeSeparators(path)), 10000);
            else
                window->statusBar()->showMessage(u"Export failed: "_s + error, 15000);
        });
    connect(this, &EvidenceActions::screenshotFinished, window,
        [window](const QString& path, bool ok, const QString& error) {
            if (ok)
                window->statusBar()->showMessage(u"Screenshot saved to "_s + QDir::toNativeSeparators(path), 10000);
            else
                window->statusBar()->showMessage(u"Screenshot failed: "_s + error, 15000);
        });

    if (session) {
        connect(session, &Session::cursorChanged, this, &EvidenceActions::updateCursor);
        connect(session, &Session::redactedChanged, m_redact, &QAction::setChecked);
        const bool redact = QSettings().value(kRedactKey, false).toBool();
        session->setRedacted(redact || session->isRedacted());
        m_redact->setChecked(session->isRedacted());
        // A reopened recording starts at its end; nothing is "live" there.
        if (session->isReview() && session->isLive() && session->lastTimestampMs() > 0)
            session->setCursor(session->lastTimestampMs());
    }
    connect(m_redact, &QAction::toggled, this, [this](bool on) {
        QSettings().setValue(kRedactKey, on);
        if (m_session)
            m_session->setRedacted(on);
    });
    updateCursor();
}

EvidenceActions::~EvidenceActions() = default;

QMenu* EvidenceActions::menuNamed(const QString& title)
{
    // Another part of the window may have made the menu already: share it.
    const auto actions = m_window->menuBar()->actions();
    for (QAction* action : actions) {
        if (action->menu() && action->text() == title)
            return action->menu();
    }
    return m_window->menuBar()->addMenu(title);
}

void EvidenceActions::buildMenus()
{
    QMenu* file = menuNamed(u"&File"_s);
    m_openRecording = file->addAction(u"&Open recording…"_s);
    m_openRecording->setShortcut(QKeySequence::Open);
    connect(m_openRecording, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            m_window, u"Open recording"_s, QString(), u"PoolScope recordings (*.sqlite);;All files (*)"_s);
        if (!path.isEmpty())
            Q_EMIT openRecordingRequested(path);
    });
    QMenu* exportMenu = file->addMenu(u"&Export"_s);
    const std::pair<ExportKind, QString> exports[] = {
        { ExportKind::Timeline, u"&Timeline CSV…"_s },
        { ExportKind::Routes, u"&Routes CSV…"_s },
        { ExportKind::Backends, u"&Backends (at cursor) CSV…"_s },
        { ExportKind::Events, u"&Events CSV…"_s },
    };
    for (const auto& [kind, label] : exports) {
        QAction* action = exportMenu->addAction(label);
        m_export[static_cast<int>(kind)] = action;
        connect(action, &QAction::triggered, this, [this, kind] { onExport(kind); });
    }
    QMenu* shots = file->addMenu(u"Save &screenshot"_s);
    const std::pair<ScreenshotKind, QString> screenshots[] = {
        { ScreenshotKind::WindowPng, u"&Window (PNG)…"_s },
        { ScreenshotKind::ChartPng, u"&Chart (PNG)…"_s },
        { ScreenshotKind::ChartSvg, u"Chart (&SVG)…"_s },
    };
    for (const auto& [kind, label] : screenshots) {
        QAction* action = shots->addAction(label);
        m_screenshot[static_cast<int>(kind)] = action;
        connect(action, &QAction::triggered, this, [this, kind] { onScreenshot(kind); });
    }

    QMenu* edit = menuNamed(u"&Edit"_s);
    m_copyScreenshot = edit->addAction(u"&Copy screenshot"_s);
    m_copyScreenshot->setShortcut(QKeySequence(u"Ctrl+Shift+C"_s));
    connect(m_copyScreenshot, &QAction::triggered, this, &EvidenceActions::copyScreenshot);

    QMenu* view = menuNamed(u"&View"_s);
    m_live = view->addAction(u"Live ▶"_s);
    m_live->setShortcut(QKeySequence(Qt::Key_Escape));
    m_live->setShortcutContext(Qt::WindowShortcut);
    connect(m_live, &QAction::triggered, this, &EvidenceActions::goLive);
    m_redact = view->addAction(u"&Redact sensitive data"_s);
    m_redact->setCheckable(true);
    m_redact->setToolTip(u"Show query fingerprints and masked client addresses in views, screenshots and exports"_s);
}

QAction* EvidenceActions::exportAction(ExportKind kind) const
{
    return m_export[static_cast<int>(kind)];
}

QAction* EvidenceActions::screenshotAction(ScreenshotKind kind) const
{
    return m_screenshot[static_cast<int>(kind)];
}

void EvidenceActions::setRecordingManager(RecordingManager* manager)
{
    m_recording->setManager(manager);
}

void EvidenceActions::setVerdictProvider(std::function<QString(int)> provider)
{
    m_verdictProvider = std::move(provider);
}

QString EvidenceActions::verdictLine(int targetIndex) const
{
    return m_verdictProvider ? m_verdictProvider(targetIndex) : QString();
}

QString EvidenceActions::cursorText() const
{
    return m_cursorLabel->text();
}

void EvidenceActions::goLive()
{
    if (!m_session)
        return;
    m_session->setCursor(m_session->isReview() ? m_session->lastTimestampMs() : Session::kLive);
}

void EvidenceActions::updateCursor()
{
    const bool review = m_session && m_session->isReview();
    const bool live = !m_session || m_session->isLive();
    m_live->setText(review ? u"Go to end ▶|"_s : u"Live ▶"_s);
    m_live->setToolTip(review ? u"Show the end of the recording (Esc)"_s : u"Follow the newest data (Esc)"_s);
    if (live) {
        m_cursorLabel->setText(u"● Live"_s);
        m_cursorLabel->setStyleSheet(u"QLabel { color: #2e7d32; font-weight: bold; }"_s);
        m_liveButton->hide();
    } else {
        const QString moment = formatClock(m_session->cursor());
        m_cursorLabel->setText(review ? u"Showing %1 (recording)"_s.arg(moment) : u"Showing %1 —"_s.arg(moment));
        m_cursorLabel->setStyleSheet(
            u"QLabel { color: #ffffff; background: #6a1b9a; font-weight: bold; border-radius: 3px; }"_s);
    }
    const bool atEnd = review && !live && m_session->cursor() >= m_session->lastTimestampMs();
    m_liveButton->setVisible(!live && !atEnd);
    m_live->setEnabled(!live && !atEnd);
}

// What one export writes, copied from the Session on the GUI thread.
struct EvidenceActions::ExportTask
{
    ExportKind kind = ExportKind::Timeline;
    ExportOptions options;
    SessionExportData data;
    ActivitySnapshot snapshot; // Backends: the one the table shows

    bool write(const QString& path, QString* error) const
    {
        switch (kind) {
        case ExportKind::Timeline:
            return exportTimeline(data, path, options, error);
        case ExportKind::Routes:
            return exportRoutes(data, path, options, error);
        case ExportKind::Events:
            return exportEvents(data, path, options, error);
        case ExportKind::Backends:
            return exportBackends(snapshot, path, options, error);
        }
        return false;
    }
};

bool EvidenceActions::prepareExport(
    ExportKind kind, const QString& path, bool everything, ExportTask* task, QString* error)
{
    if (!m_session) {
        if (error)
            *error = u"%1: no session to export"_s.arg(path);
        return false;
    }
    task->kind = kind;
    task->options.redact = m_session->isRedacted();
    if (!everything) {
        task->options.fromMs = m_window->chart()->visibleStartMs();
        task->options.toMs = m_window->chart()->visibleEndMs();
    }
    switch (kind) {
    case ExportKind::Timeline:
    case ExportKind::Routes:
        task->data = SessionExportData::copyOf(*m_session, SessionExportData::Targets);
        return true;
    case ExportKind::Events:
        task->data = SessionExportData::copyOf(*m_session, SessionExportData::Events);
        return true;
    case ExportKind::Backends: {
        if (m_session->databaseCount() == 0) {
            if (error)
                *error = u"%1: the workspace has no database"_s.arg(path);
            return false;
        }
        int db = 0;
        const int target = m_window->selectedTarget();
        if (target >= 0)
            db = std::max(0, m_session->databaseIndex(m_session->target(target).config.database));
        task->snapshot = m_session->snapshotForView(db);
        return true;
    }
    }
    return false;
}

bool EvidenceActions::exportCsv(ExportKind kind, const QString& path, bool everything, QString* error)
{
    ExportTask task;
    return prepareExport(kind, path, everything, &task, error) && task.write(path, error);
}

quint64 EvidenceActions::startExport(ExportKind kind, const QString& path, bool everything)
{
    auto task = std::make_shared<ExportTask>();
    QString error;
    if (!prepareExport(kind, path, everything, task.get(), &error)) {
        Q_EMIT exportFinished(path, false, error);
        return 0;
    }
    struct Outcome
    {
        bool ok = false;
        QString error;
    };
    // One export per file at a time: a second export to the same path makes the first stale.
    return m_jobs->run(
        u"export:"_s + path, u"Exporting %1"_s.arg(exportName(kind)), this,
        [task, path](JobControl& control) {
            task->options.progress = [&control](double fraction) {
                control.setProgress(fraction);
                return !control.isCanceled();
            };
            Outcome outcome;
            outcome.ok = task->write(path, &outcome.error);
            return outcome;
        },
        [this, path](Outcome outcome) { Q_EMIT exportFinished(path, outcome.ok, outcome.error); });
}

void EvidenceActions::onExport(ExportKind kind)
{
    bool everything = true;
    if (kind != ExportKind::Backends) {
        const auto* chart = m_window->chart();
        const auto choice = askRange(m_window, exportName(kind),
            formatClock(chart->visibleStartMs()) + u"–"_s + formatClock(chart->visibleEndMs()));
        if (!choice)
            return;
        everything = *choice;
    }
    const QString path = QFileDialog::getSaveFileName(m_window, u"Export %1"_s.arg(exportName(kind)),
        u"poolscope-%1.csv"_s.arg(exportName(kind)), u"CSV files (*.csv)"_s);
    if (path.isEmpty())
        return;
    startExport(kind, path, everything);
}

bool EvidenceActions::saveScreenshot(ScreenshotKind kind, const QString& path, QString* error)
{
    switch (kind) {
    case ScreenshotKind::WindowPng:
        return ScreenshotRenderer::savePng(ScreenshotRenderer::renderWindow(m_window), path, error);
    case ScreenshotKind::ChartPng:
        return ScreenshotRenderer::savePng(ScreenshotRenderer::renderChart(m_window), path, error);
    case ScreenshotKind::ChartSvg:
        return ScreenshotRenderer::saveChartSvg(m_window, path, error);
    }
    return false;
}

quint64 EvidenceActions::startScreenshot(ScreenshotKind kind, const QString& path)
{
    // Rendering the widgets stays here; encoding and writing go to the job.
    const bool svg = kind == ScreenshotKind::ChartSvg;
    const QImage image = kind == ScreenshotKind::WindowPng ? ScreenshotRenderer::renderWindow(m_window)
        : kind == ScreenshotKind::ChartPng                 ? ScreenshotRenderer::renderChart(m_window)
                                                           : QImage();
    const QByteArray vector = svg ? ScreenshotRenderer::renderChartSvg(m_window) : QByteArray();
    struct Outcome
    {
        bool ok = false;
        QString error;
    };
    return m_jobs->run(
        u"screenshot:"_s + path, u"Saving the screenshot"_s, this,
        [image, vector, svg, path](JobControl&) {
            Outcome outcome;
            outcome.ok = svg ? ScreenshotRenderer::saveSvg(vector, path, &outcome.error)
                             : ScreenshotRenderer::savePng(image, path, &outcome.error);
            return outcome;
        },
        [this, path](Outcome outcome) { Q_EMIT screenshotFinished(path, outcome.ok, outcome.error); });
}

void EvidenceActions::onScreenshot(ScreenshotKind kind)
{
    const bool svg = kind == ScreenshotKind::ChartSvg;
    const QString path = QFileDialog::getSaveFileName(m_window, u"Save screenshot"_s,
        svg ? u"poolscope-chart.svg"_s : u"poolscope.png"_s, svg ? u"SVG images (*.svg)"_s : u"PNG images (*.png)"_s);
    if (path.isEmpty())
        return;
    startScreenshot(kind, path);
}

void EvidenceActions::copyScreenshot()
{
    QApplication::clipboard()->setImage(ScreenshotRenderer::renderWindow(m_window));
    m_window->statusBar()->showMessage(u"Screenshot copied to the clipboard"_s, 5000);
}

} // namespace poolscope
