#pragma once

#include <QObject>
#include <QPointer>

class QAction;
class QLabel;
class QToolButton;

namespace poolscope {

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
    enum class ExportKind { Timeline, Routes, Backends, Events };
    Q_ENUM(ExportKind)
    enum class ScreenshotKind { WindowPng, ChartPng, ChartSvg };
    Q_ENUM(ScreenshotKind)

    EvidenceActions(MainWindow* window, Session* session, ViewState* view, WindowActions* actions);
    ~EvidenceActions() override;

    RecordingStatusWidget* recordingStatus() const { return m_recording; }

    // The recording hook: the app passes its RecordingManager (the record toggle is disabled without).
    void setRecordingManager(RecordingManager* manager);

    // "Showing 03:12:04 — Live ▶" / "Live"; in review "Showing 03:12:04 (recording)".
    QString cursorText() const;

    // Writes an export without dialogs. everything=false exports the chart's visible range. Backends are
    // the snapshot the table shows (at the cursor) of the selected target's database.
    bool exportCsv(ExportKind kind, const QString& path, bool everything, QString* error = nullptr);
    bool saveScreenshot(ScreenshotKind kind, const QString& path, QString* error = nullptr);
    void copyScreenshot();

Q_SIGNALS:
    // File ▸ Open recording…: the app builds the review Session and its window.
    void openRecordingRequested(const QString& path);

private:
    void connectActions(WindowActions* actions);
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
};

} // namespace poolscope
