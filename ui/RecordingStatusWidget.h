#pragma once

#include <QPointer>
#include <QWidget>

class QLabel;
class QTimer;
class QToolButton;

namespace poolscope {

class RecordingManager;
class Session;

// The recording status in the status bar: a record toggle (start/stop through the RecordingManager),
// the file being written (elided; the full path in the tooltip; a click opens its folder) and its size,
// refreshed every few seconds. Without a manager (setManager not called) the toggle is disabled.
class RecordingStatusWidget : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kRefreshIntervalMs = 3000;

    explicit RecordingStatusWidget(Session* session, QWidget* parent = nullptr);
    ~RecordingStatusWidget() override;

    void setManager(RecordingManager* manager);
    RecordingManager* manager() const;

    QToolButton* recordButton() const { return m_record; }
    QString pathText() const;
    QString sizeText() const;

    // "1.2 MB", "640 KB", "12 B".
    static QString formatSize(qint64 bytes);

public Q_SLOTS:
    void refresh();
    void setRecording(bool on);

Q_SIGNALS:
    void message(const QString& text);

private:
    QPointer<Session> m_session;
    QPointer<RecordingManager> m_manager;
    QToolButton* m_record = nullptr;
    QToolButton* m_path = nullptr;
    QLabel* m_size = nullptr;
    QTimer* m_timer = nullptr;
};

} // namespace poolscope
