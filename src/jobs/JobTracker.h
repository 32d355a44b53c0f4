#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace poolscope {

class JobTracker;

// What the work of one job sees (thread-safe): whether it should stop, where to report its progress,
// and how to hand results (partial or final) to its receiver.
class JobControl
{
public:
    static constexpr double kIndeterminate = -1.0;

    quint64 id() const { return m_id; }
    // Cooperative cancel: Cancel in the window, a newer job of the same kind, the receiver destroyed or
    // the tracker going away. The work checks this between steps and returns early.
    bool isCanceled() const { return m_canceled.load(std::memory_order_relaxed); }
    // 0..1 (clamped) or kIndeterminate.
    void setProgress(double fraction);
    double progress() const;
    // Runs `result` on the tracker's thread, in the order delivered, unless the job has been canceled or
    // made stale by then or its receiver is gone (then it is dropped, never run).
    void deliver(std::function<void()> result);

private:
    friend class JobTracker;
    JobControl(JobTracker* tracker, quint64 id)
        : m_tracker(tracker)
        , m_id(id)
    { }

    JobTracker* m_tracker; // outlives the work: ~JobTracker waits for its pool
    const quint64 m_id;
    std::atomic<bool> m_canceled { false };
    std::atomic<int> m_progress { -1 }; // in 1/10000, -1 indeterminate
};

// Runs work off the GUI thread, in the spirit of hotspot's job tracker: every job is numbered; its
// receiver is held weakly (results for a destroyed receiver are dropped and the job canceled); results
// reach the receiver through a queued call on the tracker's thread (the receiver must live there); a
// newer job of the same kind makes the older ones stale (canceled, their results dropped); jobs without a
// kind (an empty one) are independent: none makes another stale. Progress is
// sampled every 100 ms for the views (JobProgressWidget). The work runs on the tracker's own pool, so
// the tracker can cancel and wait for it when it is destroyed.
class JobTracker : public QObject
{
    Q_OBJECT
public:
    struct JobInfo
    {
        quint64 id = 0;
        QString kind;
        QString title;
        double progress = JobControl::kIndeterminate;
        qint64 elapsedMs = 0;
    };

    explicit JobTracker(QObject* parent = nullptr);
    ~JobTracker() override;

    // Starts `work(JobControl&)` on the pool. Its return value (if any) is handed to `done` on this
    // thread when the job is still current and `receiver` alive. Returns the job's number.
    template <typename Work, typename Done>
    quint64 run(const QString& kind, const QString& title, QObject* receiver, Work work, Done done)
    {
        const std::shared_ptr<JobControl> control = begin(kind, title, receiver);
        m_pool.start([control, work = std::move(work), done = std::move(done)]() mutable {
            using Result = std::invoke_result_t<Work&, JobControl&>;
            if (!control->isCanceled()) {
                if constexpr (std::is_void_v<Result>) {
                    work(*control);
                    control->deliver(std::move(done));
                } else {
                    auto result = std::make_shared<Result>(work(*control));
                    control->deliver([done = std::move(done), result]() mutable { done(std::move(*result)); });
                }
            }
            finished(control);
        });
        return control->id();
    }
    // The same for work that returns nothing (it delivers what it has through JobControl::deliver).
    template <typename Work> quint64 run(const QString& kind, const QString& title, QObject* receiver, Work work)
    {
        return run(kind, title, receiver, std::move(work), [] {});
    }

    void cancel(quint64 id);
    void cancelAll();
    // Waits (blocking) until no job runs; for tests and benchmarks, never the GUI.
    bool waitForDone(int timeoutMs = -1) { return m_pool.waitForDone(timeoutMs); }

    bool isRunning(quint64 id) const { return m_jobs.contains(id); }
    int runningCount() const { return static_cast<int>(m_jobs.size()); }
    QList<JobInfo> jobs() const;
    // The newest job of this (non-empty) kind, 0 when none was started.
    quint64 latest(const QString& kind) const { return m_latest.value(kind); }

Q_SIGNALS:
    void jobStarted(quint64 id, const QString& title);
    // Sampled every 100 ms while the job runs; progress is kIndeterminate when unknown.
    void jobProgress(quint64 id, double progress);
    // After the job's last result was delivered (or dropped).
    void jobFinished(quint64 id, bool canceled);

private:
    friend class JobControl;
    struct Job
    {
        std::shared_ptr<JobControl> control;
        QString kind;
        QString title;
        QPointer<QObject> receiver;
        bool hasReceiver = false;
        QElapsedTimer clock;
        int reportedProgress = -2;
    };

    std::shared_ptr<JobControl> begin(const QString& kind, const QString& title, QObject* receiver);
    static void finished(const std::shared_ptr<JobControl>& control);
    void onDelivered(quint64 id, const std::function<void()>& result);
    void onFinished(quint64 id);
    void sampleProgress();

    QThreadPool m_pool;
    QTimer m_progressTimer;
    quint64 m_nextId = 1;
    QHash<quint64, Job> m_jobs;
    QHash<QString, quint64> m_latest; // kind -> newest job
};

} // namespace poolscope
