#include "EvidenceActions.h"

#include "Theme.h"

#include "record/RecordingManager.h"

#include "JobProgressWidget.h"
#include "MainWindow.h"
#include "RecordingStatusWidget.h"
#include "ScreenshotRenderer.h"
#include "TimelineChart.h"
#include "WindowActions.h"
#include "export/Exporter.h"
#include "jobs/JobTracker.h"
#include "models/Format.h"
#include "store/Session.h"
#include "store/SessionAtCursor.h"
#include "store/ViewState.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QLabel>
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
    case EvidenceActions::ExportKind::Holders:
        return u"holders"_s;
    case EvidenceActions::ExportKind::Poolers:
        return u"poolers"_s;
    }
    return {};
}

// "Visible range" or "everything": nullopt when cancelled.
std::optional<bool> askRange(QWidget* parent, const QString& what, const QString& visible)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(EvidenceActions::tr("Export %1").arg(what));
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(EvidenceActions::tr("Export which part of the session?"), &dialog));
    auto* visibleButton = new QRadioButton(EvidenceActions::tr("The visible range (%1)").arg(visible), &dialog);
    auto* everything = new QRadioButton(EvidenceActions::tr("Everything recorded"), &dialog);
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

EvidenceActions::EvidenceActions(MainWindow* window, Session* session, ViewState* view, WindowActions* actions)
    : QObject(window)
    , m_window(window)
    , m_session(session)
    , m_view(view)
{
    connectActions(actions);

    m_cursorLabel = new QLabel(window);
    m_cursorLabel->setAccessibleName(tr("Moment shown"));
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
                window->statusBar()->showMessage(tr("Exported to %1").arg(QDir::toNativeSeparators(path)), 10000);
            else
                window->statusBar()->showMessage(tr("Export failed: ") + error, 15000);
        });
    connect(this, &EvidenceActions::screenshotFinished, window,
        [window](const QString& path, bool ok, const QString& error) {
            if (ok)
                window->statusBar()->showMessage(tr("Screenshot saved to ") + QDir::toNativeSeparators(path), 10000);
            else
                window->statusBar()->showMessage(tr("Screenshot failed: ") + error, 15000);
        });

    if (session) {
        connect(view, &ViewState::cursorChanged, this, &EvidenceActions::updateCursor);
        connect(view, &ViewState::redactedChanged, m_redact, &QAction::setChecked);
        const bool redact = QSettings().value(kRedactKey, false).toBool();
        view->setRedacted(redact || view->isRedacted());
        m_redact->setChecked(view->isRedacted());
        // A reopened recording starts at its end; nothing is "live" there.
        if (session->isReview() && view->isLive() && session->lastTimestampMs() > 0)
            view->setCursor(session->lastTimestampMs());
    }
    connect(m_redact, &QAction::toggled, this, [this](bool on) {
        QSettings().setValue(kRedactKey, on);
        if (m_view)
            m_view->setRedacted(on);
    });
    updateCursor();
}

EvidenceActions::~EvidenceActions() = default;

void EvidenceActions::connectActions(WindowActions* actions)
{
    using Id = WindowActions::Id;
    connect(actions->action(Id::OpenRecording), &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            m_window, tr("Open recording"), QString(), tr("PoolScope recordings (*.psrec *.sqlite);;All files (*)"));
        if (!path.isEmpty())
            Q_EMIT openRecordingRequested(path);
    });
    const std::pair<ExportKind, Id> exports[] = {
        { ExportKind::Timeline, Id::ExportTimeline },
        { ExportKind::Routes, Id::ExportRoutes },
        { ExportKind::Backends, Id::ExportBackends },
        { ExportKind::Events, Id::ExportEvents },
        { ExportKind::Holders, Id::ExportHolders },
        { ExportKind::Poolers, Id::ExportPoolers },
    };
    for (const auto& [kind, id] : exports)
        connect(actions->action(id), &QAction::triggered, this, [this, kind] { onExport(kind); });
    const std::pair<ScreenshotKind, Id> screenshots[] = {
        { ScreenshotKind::WindowPng, Id::ScreenshotWindowPng },
        { ScreenshotKind::ChartPng, Id::ScreenshotChartPng },
        { ScreenshotKind::ChartSvg, Id::ScreenshotChartSvg },
    };
    for (const auto& [kind, id] : screenshots)
        connect(actions->action(id), &QAction::triggered, this, [this, kind] { onScreenshot(kind); });
    connect(actions->action(Id::CopyScreenshot), &QAction::triggered, this, &EvidenceActions::copyScreenshot);
    m_live = actions->action(Id::Live);
    connect(m_live, &QAction::triggered, this, &EvidenceActions::goLive);
    m_redact = actions->action(Id::Redact);
}

void EvidenceActions::setRecordingManager(RecordingManager* manager)
{
    m_recordingManager = manager;
    m_recording->setManager(manager);
}

QString EvidenceActions::outputProblem(const QString& path, FileKind kind) const
{
    QStringList inputs = m_readFiles;
    if (m_recordingManager && !m_recordingManager->path().isEmpty())
        inputs.append(m_recordingManager->path());
    // The save dialog has asked before replacing a file: force, but never an input or a recording.
    return checkOutputPath(QStringLiteral("Saving to"), path, kind, inputs, true);
}

QString EvidenceActions::cursorText() const
{
    return m_cursorLabel->text();
}

void EvidenceActions::goLive()
{
    if (!m_session)
        return;
    m_view->setCursor(m_session->isReview() ? m_session->lastTimestampMs() : ViewState::kLive);
}

void EvidenceActions::updateCursor()
{
    const bool review = m_session && m_session->isReview();
    const bool live = !m_session || m_view->isLive();
    m_live->setText(review ? tr("Go to end ▶|") : tr("Live ▶"));
    m_live->setToolTip(review ? tr("Show the end of the recording (Esc)") : tr("Follow the newest data (Esc)"));
    if (live) {
        m_cursorLabel->setText(tr("● Live"));
        m_cursorLabel->setStyleSheet(
            u"QLabel { color: %1; font-weight: bold; }"_s.arg(Theme::stateColor(TargetsModel::StateLevel::Ok).name()));
        m_liveButton->hide();
    } else {
        const QString moment = formatClock(m_view->cursor());
        m_cursorLabel->setText(review ? tr("Showing %1 (recording)").arg(moment) : tr("Showing %1 —").arg(moment));
        m_cursorLabel->setStyleSheet(
            u"QLabel { color: #ffffff; background: #6a1b9a; font-weight: bold; border-radius: 3px; }"_s);
    }
    const bool atEnd = review && !live && m_view->cursor() >= m_session->lastTimestampMs();
    m_liveButton->setVisible(!live && !atEnd);
    m_live->setEnabled(!live && !atEnd);
}

// What one export writes, copied from the Session on the GUI thread.
struct EvidenceActions::ExportTask
{
    ExportKind kind = ExportKind::Timeline;
    ExportOptions options;
    SessionExportData data;
    QList<ActivitySnapshot> snapshots; // Backends: every database's at the cursor

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
            return exportBackends(snapshots, path, options, error);
        case ExportKind::Holders:
            return exportHolders(data, path, options, error);
        case ExportKind::Poolers:
            return exportPoolers(data, path, options, error);
        }
        return false;
    }
};

bool EvidenceActions::prepareExport(
    ExportKind kind, const QString& path, bool everything, ExportTask* task, QString* error)
{
    if (!m_session) {
        if (error)
            *error = tr("%1: no session to export").arg(path);
        return false;
    }
    task->kind = kind;
    task->options.redact = m_view->isRedacted();
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
    case ExportKind::Holders:
        task->data = SessionExportData::copyOf(*m_session, SessionExportData::Targets);
        return true;
    case ExportKind::Poolers:
        task->data = SessionExportData::copyOf(*m_session, SessionExportData::Poolers);
        return true;
    case ExportKind::Backends: {
        if (m_session->databaseCount() == 0) {
            if (error)
                *error = tr("%1: the workspace has no database").arg(path);
            return false;
        }
        // Every database's read at the cursor, as the window already holds them (SessionAtCursor): one file.
        const SessionAtCursor* atCursor = m_window->sessionAtCursor();
        for (int db = 0; db < m_session->databaseCount(); ++db)
            task->snapshots.append(atCursor->database(db).lastOk);
        return true;
    }
    }
    return false;
}

bool EvidenceActions::exportCsv(ExportKind kind, const QString& path, bool everything, QString* error)
{
    if (const QString problem = outputProblem(path, FileKind::Csv); !problem.isEmpty()) {
        if (error)
            *error = problem;
        return false;
    }
    ExportTask task;
    return prepareExport(kind, path, everything, &task, error) && task.write(path, error);
}

quint64 EvidenceActions::startExport(ExportKind kind, const QString& path, bool everything)
{
    auto task = std::make_shared<ExportTask>();
    QString error = outputProblem(path, FileKind::Csv);
    if (!error.isEmpty() || !prepareExport(kind, path, everything, task.get(), &error)) {
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
        u"export:"_s + path, tr("Exporting %1").arg(exportName(kind)), this,
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
    const QString path = QFileDialog::getSaveFileName(m_window, tr("Export %1").arg(exportName(kind)),
        u"poolscope-%1.csv"_s.arg(exportName(kind)), tr("CSV files (*.csv)"));
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
    if (const QString problem = outputProblem(path, kind == ScreenshotKind::ChartSvg ? FileKind::Svg : FileKind::Image);
        !problem.isEmpty()) {
        Q_EMIT screenshotFinished(path, false, problem);
        return 0;
    }
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
        u"screenshot:"_s + path, tr("Saving the screenshot"), this,
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
    const QString path = QFileDialog::getSaveFileName(m_window, tr("Save screenshot"),
        svg ? u"poolscope-chart.svg"_s : u"poolscope.png"_s, svg ? tr("SVG images (*.svg)") : tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    startScreenshot(kind, path);
}

void EvidenceActions::copyScreenshot()
{
    QApplication::clipboard()->setImage(ScreenshotRenderer::renderWindow(m_window));
    m_window->statusBar()->showMessage(tr("Screenshot copied to the clipboard"), 5000);
}

} // namespace poolscope
