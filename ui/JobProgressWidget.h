#pragma once

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace poolscope {

class JobTracker;

// A status-bar strip for background jobs: the title of the oldest job that has run longer than
// kShowAfterMs, its progress (a busy bar when unknown), "+N more" and a Cancel button. Hidden otherwise.
class JobProgressWidget : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kShowAfterMs = 200;

    explicit JobProgressWidget(JobTracker* tracker, QWidget* parent = nullptr);

    // The job shown, 0 when hidden (for tests).
    quint64 shownJob() const { return m_shown; }
    QToolButton* cancelButton() const { return m_cancel; }

private:
    void refresh();

    QPointer<JobTracker> m_tracker;
    QTimer m_refresh;
    QLabel* m_title = nullptr;
    QProgressBar* m_bar = nullptr;
    QToolButton* m_cancel = nullptr;
    quint64 m_shown = 0;
};

} // namespace poolscope
