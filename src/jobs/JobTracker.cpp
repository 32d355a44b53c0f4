#include "JobTracker.h"

#include <QMetaObject>
#include <QThread>

#include <algorithm>
#include <cmath>

namespace poolscope {

void JobControl::setProgress(double fraction)
{
    const int value = fraction < 0 || std::isnan(fraction) ? -1 : static_cast<int>(std::min(fraction, 1.0) * 10000);
    m_progress.store(value, std::memory_order_relaxed);
}

double JobControl::progress() const
{
    const int value = m_progress.load(std::memory_order_relaxed);
    return value < 0 ? kIndeterminate : value / 10000.0;
}

void JobControl::deliver(std::function<void()> result)
{
    if (isCanceled())
        return;
    JobTracker* tracker = m_tracker;
    const quint64 id = m_id;
    QMetaObject::invokeMethod(
        tracker, [tracker, id, result = std::move(result)] { tracker->onDelivered(id, result); }, Qt::QueuedConnection);
}

JobTracker::JobTracker(QObject* parent)
    : QObject(parent)
{
    m_pool.setMaxThreadCount(std::max(2, QThread::idealThreadCount()));
    m_progressTimer.setInterval(100);
    connect(&m_progressTimer, &QTimer::timeout, this, &JobTracker::sampleProgress);
}

JobTracker::~JobTracker()
{
    cancelAll();
    m_pool.waitForDone(); // the work holds a pointer to this tracker until it returns
}

std::shared_ptr<JobControl> JobTracker::begin(const QString& kind, const QString& title, QObject* receiver)
{
    Q_ASSERT(!receiver || receiver->thread() == thread());
    const quint64 id = m_nextId++;
    if (!kind.isEmpty()) {
        const quint64 previous = m_latest.value(kind);
        m_latest.insert(kind, id);
        if (previous != 0)
            cancel(previous); // stale: its results would be dropped anyway
    }

    Job job;
    job.control = std::shared_ptr<JobControl>(new JobControl(this, id));
    job.kind = kind;
    job.title = title;
    job.receiver = receiver;
    job.hasReceiver = receiver != nullptr;
    job.clock.start();
    if (receiver)
        connect(receiver, &QObject::destroyed, this, [this, id] { cancel(id); });
    m_jobs.insert(id, job);
    if (!m_progressTimer.isActive())
        m_progressTimer.start();
    Q_EMIT jobStarted(id, title);
    return job.control;
}

void JobTracker::finished(const std::shared_ptr<JobControl>& control)
{
    JobTracker* tracker = control->m_tracker;
    const quint64 id = control->m_id;
    QMetaObject::invokeMethod(
        tracker, [tracker, id] { tracker->onFinished(id); }, Qt::QueuedConnection);
}

void JobTracker::onDelivered(quint64 id, const std::function<void()>& result)
{
    const auto it = m_jobs.constFind(id);
    if (it == m_jobs.constEnd() || it->control->isCanceled() || (!it->kind.isEmpty() && m_latest.value(it->kind) != id))
        return; // stale or canceled
    if (it->hasReceiver && !it->receiver)
        return; // the receiver is gone (its destruction canceled the job too)
    result();
}

void JobTracker::onFinished(quint64 id)
{
    const auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return;
    const bool canceled = it->control->isCanceled();
    m_jobs.erase(it);
    if (m_jobs.isEmpty())
        m_progressTimer.stop();
    Q_EMIT jobFinished(id, canceled);
}

void JobTracker::cancel(quint64 id)
{
    const auto it = m_jobs.constFind(id);
    if (it != m_jobs.constEnd())
        it->control->m_canceled.store(true, std::memory_order_relaxed);
}

void JobTracker::cancelAll()
{
    for (const Job& job : std::as_const(m_jobs))
        job.control->m_canceled.store(true, std::memory_order_relaxed);
}

QList<JobTracker::JobInfo> JobTracker::jobs() const
{
    QList<JobInfo> result;
    for (auto it = m_jobs.constBegin(); it != m_jobs.constEnd(); ++it) {
        if (it->control->isCanceled())
            continue;
        result.append({ it.key(), it->kind, it->title, it->control->progress(), it->clock.elapsed() });
    }
    std::sort(result.begin(), result.end(), [](const JobInfo& a, const JobInfo& b) { return a.id < b.id; });
    return result;
}

void JobTracker::sampleProgress()
{
    for (auto it = m_jobs.begin(); it != m_jobs.end(); ++it) {
        const int now = it->control->m_progress.load(std::memory_order_relaxed);
        if (now == it->reportedProgress)
            continue;
        it->reportedProgress = now;
        Q_EMIT jobProgress(it.key(), it->control->progress());
    }
}

} // namespace poolscope
