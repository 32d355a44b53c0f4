#include "JobProgressWidget.h"

#include "jobs/JobTracker.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

using namespace Qt::StringLiterals;

namespace poolscope {

JobProgressWidget::JobProgressWidget(JobTracker* tracker, QWidget* parent)
    : QWidget(parent)
    , m_tracker(tracker)
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 0);
    m_title = new QLabel(this);
    m_bar = new QProgressBar(this);
    m_bar->setMaximumWidth(160);
    m_bar->setMaximumHeight(14);
    m_bar->setTextVisible(false);
    m_bar->setAccessibleName(tr("Progress of the background job"));
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setAutoRaise(true);
    layout->addWidget(m_title);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    hide();

    connect(m_cancel, &QToolButton::clicked, this, [this] {
        if (m_tracker && m_shown != 0)
            m_tracker->cancel(m_shown);
        refresh();
    });
    m_refresh.setInterval(100);
    connect(&m_refresh, &QTimer::timeout, this, &JobProgressWidget::refresh);
    if (tracker) {
        connect(tracker, &JobTracker::jobStarted, this, [this] {
            if (!m_refresh.isActive())
                m_refresh.start();
        });
        connect(tracker, &JobTracker::jobFinished, this, &JobProgressWidget::refresh);
        connect(tracker, &JobTracker::jobProgress, this, [this](quint64 id) {
            if (id == m_shown)
                refresh();
        });
    }
}

void JobProgressWidget::refresh()
{
    const QList<JobTracker::JobInfo> jobs = m_tracker ? m_tracker->jobs() : QList<JobTracker::JobInfo>();
    if (jobs.isEmpty())
        m_refresh.stop();
    const JobTracker::JobInfo* shown = nullptr;
    for (const auto& job : jobs) {
        if (job.elapsedMs >= kShowAfterMs) {
            shown = &job;
            break;
        }
    }
    if (!shown) {
        m_shown = 0;
        hide();
        return;
    }
    m_shown = shown->id;
    const qsizetype more = jobs.size() - 1;
    m_title->setText(more > 0 ? tr("%1… (+%2 more)").arg(shown->title).arg(more) : shown->title + u"…"_s);
    if (shown->progress < 0) {
        m_bar->setRange(0, 0); // busy
    } else {
        m_bar->setRange(0, 1000);
        m_bar->setValue(static_cast<int>(shown->progress * 1000));
    }
    m_cancel->setToolTip(tr("Cancel: %1").arg(shown->title));
    show();
}

} // namespace poolscope
