#include "HistoryZoom.h"

#include "ServiceLoader.h"
#include "format/Format.h"
#include "jobs/JobTracker.h"

#include <QDateTime>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace poolscope {

HistoryZoom::HistoryZoom(PrometheusClient* client, const Workspace& fleet, Session* session, QString service,
    qint64 followStepSeconds, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_service(std::move(service))
    , m_followStepSeconds(std::max<qint64>(1, followStepSeconds))
    , m_loader(std::make_unique<ServiceLoader>(client, fleet))
    , m_jobs(std::make_unique<JobTracker>())
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(kDebounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &HistoryZoom::consider);
}

HistoryZoom::~HistoryZoom() = default;

qint64 HistoryZoom::coveredFromMs() const
{
    qint64 oldest = 0;
    for (int i = 0; i < m_session->targetCount(); ++i) {
        const TargetHistory& h = m_session->target(i).history;
        if (!h.empty() && (oldest == 0 || h.times().front() < oldest))
            oldest = h.times().front();
    }
    if (m_askedFromMs > 0 && (oldest == 0 || m_askedFromMs < oldest))
        oldest = m_askedFromMs;
    return oldest;
}

void HistoryZoom::request(qint64 fromMs, qint64 toMs, int pixels)
{
    m_wanted = { fromMs, toMs, pixels };
    m_debounce.start();
}

void HistoryZoom::consider()
{
    if (m_inFlight)
        return; // looked at again when it lands
    const olderhistory::Span span = olderhistory::spanToFetch(
        m_wanted.fromMs, m_wanted.toMs, m_wanted.pixels, coveredFromMs(), m_followStepSeconds);
    if (span.isEmpty())
        return;
    if (m_failedAt.isValid() && m_failedAt.elapsed() < kRetryMs && span.fromMs >= m_failed.fromMs
        && span.stepSeconds == m_failed.stepSeconds)
        return; // failed a moment ago: not asked again at every refresh
    fetch(span);
}

void HistoryZoom::fetch(const olderhistory::Span& span)
{
    m_inFlight = span;
    ++m_fetches;
    setStatus(u"Fetching older history of %1 from Prometheus: %2 more, one point per %3…"_s.arg(m_service,
        formatDuration(static_cast<double>(span.toMs - span.fromMs) / 1000.0),
        formatDurationMs(span.stepSeconds * 1000)));
    m_loader->load(
        m_service, span.fromMs, span.toMs, 0,
        [this, span](
            std::shared_ptr<ServiceHistory> older, const QString& error) { fetched(span, std::move(older), error); },
        span.stepSeconds);
}

void HistoryZoom::fetched(const olderhistory::Span& span, std::shared_ptr<ServiceHistory> older, const QString& error)
{
    if (!older) {
        m_failed = span;
        m_failedAt.start();
        const QString message = u"cannot fetch older history: "_s + error;
        Event e;
        e.timestampMs = QDateTime::currentMSecsSinceEpoch();
        e.severity = Event::Severity::Warning;
        e.kind = u"prometheus"_s;
        e.message = message;
        m_session->addEvent(e);
        setStatus(message, true);
        finish();
        return;
    }
    // Superseded: a request made meanwhile reaches further back than this answer, which is dropped.
    const olderhistory::Span newer = olderhistory::spanToFetch(
        m_wanted.fromMs, m_wanted.toMs, m_wanted.pixels, coveredFromMs(), m_followStepSeconds);
    if (!newer.isEmpty() && newer.fromMs < span.fromMs) {
        finish();
        return;
    }
    setStatus(u"Merging older history of %1…"_s.arg(m_service));
    std::vector<TargetState> held;
    held.reserve(static_cast<std::size_t>(m_session->targetCount()));
    for (int i = 0; i < m_session->targetCount(); ++i)
        held.push_back(m_session->target(i));
    auto copy = std::make_shared<std::vector<TargetState>>(std::move(held));
    m_jobs->run(
        u"older history %1"_s.arg(m_service), u"Merging older history of %1"_s.arg(m_service), this,
        [copy, older, span](JobControl&) { return olderhistory::withOlder(*copy, *older, span.toMs); },
        [this, copy, older, span](std::vector<TargetHistory> merged) {
            olderhistory::appendNewer(merged, *copy, *m_session); // what following added meanwhile
            m_session->replaceTargetHistories(std::move(merged));
            tellOlderOnly(*copy, *older);
            m_askedFromMs = m_askedFromMs > 0 ? std::min(m_askedFromMs, span.fromMs) : span.fromMs;
            m_failedAt.invalidate();
            setStatus({});
            finish();
        });
}

void HistoryZoom::tellOlderOnly(const std::vector<TargetState>& held, const ServiceHistory& older)
{
    for (const QString& name : olderhistory::olderOnly(held, older)) {
        if (m_olderOnly.contains(name))
            continue;
        m_olderOnly.insert(name);
        const auto it = std::find_if(older.content.targets.begin(), older.content.targets.end(),
            [&name](const TargetState& t) { return t.config.name == name; });
        const TargetHistory& h = it->history;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const int utcOffset = QDateTime::currentDateTime().offsetFromUtc();
        auto clock = [&](qint64 t) { return formatClock(t, now, utcOffset); };
        Event e;
        e.timestampMs = h.empty() ? now : h.times().back(); // when it was last seen: not after the window's data
        e.source = name;
        e.kind = u"prometheus"_s;
        e.message = u"replica %1 of %2 reported to Prometheus in the older span only (%3 to %4): it has no row in "
                    "this window, whose replicas are fixed when it opens; its points count in %5"_s.arg(name, m_service,
                        h.empty() ? u"?"_s : clock(h.times().front()), h.empty() ? u"?"_s : clock(h.times().back()),
                        summedTargetName(m_service));
        m_session->addEvent(e);
    }
}

void HistoryZoom::finish()
{
    m_inFlight.reset();
    consider(); // a request that came meanwhile
}

void HistoryZoom::setStatus(const QString& status, bool failure)
{
    if (status == m_status)
        return;
    m_status = status;
    Q_EMIT statusChanged(status, failure);
}

} // namespace poolscope
