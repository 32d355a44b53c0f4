#pragma once

#include "OlderHistory.h"

#include <QElapsedTimer>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <memory>
#include <optional>

namespace poolscope {

class JobTracker;
class PrometheusClient;
class ServiceLoader;
class Session;

// Zooming a window over Prometheus out past what it holds (issue 13: "any range on zoom-out"). Fed the range
// the timeline was asked for (ViewState::requestedRangeChanged), it fetches the span before the session's
// oldest point from Prometheus at the step fitted to the NEW range's pixels (olderhistory::spanToFetch),
// merges the older rows before the session's off the GUI thread and swaps them in
// (Session::replaceTargetHistories, which the chart, the models and the Diagnosis rebuild on).
// Requests are debounced (kDebounceMs); one fetch is in flight at a time; a request made meanwhile that reaches
// further back supersedes it (its answer is dropped, the newer span is fetched). Rows the session got while
// the merge ran (following) are kept. A failure is a warning event "cannot fetch older history: <reason>";
// what is shown stays. A replica found in the older span only (gone before the window opened) is not added
// (olderhistory::olderOnly says why); an event names it once, and says that its points count in the sum. Lives
// on the GUI thread.
class HistoryZoom : public QObject
{
    Q_OBJECT
public:
    static constexpr int kDebounceMs = 300;
    // After a failure, the same or a shorter span is asked again only after this long.
    static constexpr int kRetryMs = 30'000;

    // `client` and `session` must outlive this object; `fleet` is the workspace with the prometheus entry;
    // `followStepSeconds` the step the window follows at (a finer one only repeats samples).
    HistoryZoom(PrometheusClient* client, const Workspace& fleet, Session* session, QString service,
        qint64 followStepSeconds, QObject* parent = nullptr);
    ~HistoryZoom() override;

    // What the status line says: progress, the last failure, or empty.
    QString status() const { return m_status; }
    bool isBusy() const { return m_inFlight.has_value(); }
    // Spans fetched from Prometheus so far (each answer merged or dropped).
    int fetchCount() const { return m_fetches; }
    // The oldest moment the window holds or has asked Prometheus for (0: nothing yet).
    qint64 coveredFromMs() const;

public Q_SLOTS:
    // The range the timeline was asked to draw, on `pixels` columns.
    void request(qint64 fromMs, qint64 toMs, int pixels);

Q_SIGNALS:
    // `failure`: the status is "cannot fetch older history: <reason>" (to show for a while, then let go);
    // otherwise it is progress, or empty when done.
    void statusChanged(const QString& status, bool failure);

private:
    struct Wanted
    {
        qint64 fromMs = 0;
        qint64 toMs = 0;
        int pixels = 0;
    };
    void consider();
    void fetch(const olderhistory::Span& span);
    void fetched(const olderhistory::Span& span, std::shared_ptr<ServiceHistory> older, const QString& error);
    void finish();
    // Names, once each, the replicas `older` holds and the window does not.
    void tellOlderOnly(const std::vector<TargetState>& held, const ServiceHistory& older);
    void setStatus(const QString& status, bool failure = false);

    Session* m_session;
    QString m_service;
    qint64 m_followStepSeconds;
    std::unique_ptr<ServiceLoader> m_loader; // its own: ServiceLoader's jobs of one kind supersede each other
    std::unique_ptr<JobTracker> m_jobs;
    QTimer m_debounce;
    Wanted m_wanted;
    std::optional<olderhistory::Span> m_inFlight;
    qint64 m_askedFromMs = 0; // the oldest start Prometheus answered (merged), 0 none
    olderhistory::Span m_failed; // the last span that failed, and when
    QElapsedTimer m_failedAt;
    int m_fetches = 0;
    QSet<QString> m_olderOnly; // replicas of the older span only, already told
    QString m_status;
};

} // namespace poolscope
