#pragma once

#include <QObject>
#include <QPointer>
#include <QStringList>

#include "cli/OutputPath.h"

class QAction;
class QLabel;
class QToolButton;

namespace poolscope {

class JobProgressWidget;
class JobTracker;
class MainWindow;
class RecordingManager;
class RecordingStatusWidget;
class Session;
class ViewState;
class WindowActions;

// The evidence features of the main window: the time cursor indicator, recording status, and what the
// window's actions (WindowActions) Open recording, Export, Save screenshot, Copy screenshot, Live and
// Redact sensitive data (remembered with QSettings) do. Created by MainWindow; owns no data.
class EvidenceActions : public QObject
{
    Q_OBJECT
public:
    enum class ExportKind { Timeline, Routes, Backends, Events, Holders, Poolers };
    Q_ENUM(ExportKind)
    enum class ScreenshotKind { WindowPng, ChartPng, ChartSvg };
    Q_ENUM(ScreenshotKind)

    EvidenceActions(MainWindow* window, Session* session, ViewState* view, WindowActions* actions);
    ~EvidenceActions() override;

    RecordingStatusWidget* recordingStatus() const { return m_recording; }
    // The window's background jobs (exports, screenshots to files, opening a recording) and the status-bar
    // strip that shows the ones running longer than 200 ms with Cancel.
    JobTracker* jobs() const { return m_jobs; }
    JobProgressWidget* jobProgress() const { return m_jobProgress; }

    // The recording hook: the app passes its RecordingManager (the record toggle is disabled without).
    void setRecordingManager(RecordingManager* manager);
    // Files the window reads (a reviewed recording, the workspace): exports and screenshots never write
    // over them, nor over the live recording (src/cli/OutputPath.h decides).
    void setReadFiles(const QStringList& paths) { m_readFiles = paths; }
    // Empty when `path` may be written with `kind`; otherwise why not, naming the path.
    QString outputProblem(const QString& path, FileKind kind) const;

    // "Showing 03:12:04 — Live ▶" / "Live"; in review "Showing 03:12:04 (recording)".
    QString cursorText() const;

    // Writes an export without dialogs. everything=false exports the chart's visible range. Backends are
    // every database's snapshot at the cursor (what the backends table shows), in one file.
    bool exportCsv(ExportKind kind, const QString& path, bool everything, QString* error = nullptr);
    bool saveScreenshot(ScreenshotKind kind, const QString& path, QString* error = nullptr);
    void copyScreenshot();
    // The same as jobs: what is exported is copied (and a screenshot rendered) here, on the GUI thread;
    // the file is encoded and written on a worker. exportFinished/screenshotFinished follow; the job's
    // number is returned (0 when nothing was started, and the Finished signal comes with the error).
    quint64 startExport(ExportKind kind, const QString& path, bool everything);
    quint64 startScreenshot(ScreenshotKind kind, const QString& path);

Q_SIGNALS:
    // File ▸ Open recording…: the app builds the review Session and its window.
    void openRecordingRequested(const QString& path);
    void exportFinished(const QString& path, bool ok, const QString& error);
    void screenshotFinished(const QString& path, bool ok, const QString& error);

private:
    void connectActions(WindowActions* actions);
    struct ExportTask;
    bool prepareExport(ExportKind kind, const QString& path, bool everything, ExportTask* task, QString* error);
    void onExport(ExportKind kind);
    void onScreenshot(ScreenshotKind kind);
    void updateCursor();
    void goLive();

    MainWindow* m_window = nullptr;
    QPointer<Session> m_session;
    QPointer<ViewState> m_view;
    QAction* m_redact = nullptr;
    QAction* m_live = nullptr;
    QLabel* m_cursorLabel = nullptr;
    QToolButton* m_liveButton = nullptr;
    RecordingStatusWidget* m_recording = nullptr;
    QPointer<RecordingManager> m_recordingManager;
    QStringList m_readFiles;
    JobTracker* m_jobs = nullptr;
    JobProgressWidget* m_jobProgress = nullptr;
};

} // namespace poolscope
