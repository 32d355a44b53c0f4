#include "FleetSource.h"

#include "AgentSeries.h"
#include "PromQuery.h"
#include "PrometheusClient.h"

#include <QDateTime>

#include <memory>

using namespace Qt::StringLiterals;

namespace poolscope {

FleetSource::FleetSource(PrometheusClient* client, QObject* parent)
    : QObject(parent)
    , m_client(client)
{
    connect(&m_timer, &QTimer::timeout, this, &FleetSource::refresh);
}

FleetSource::~FleetSource() = default;

void FleetSource::start(int intervalMs)
{
    m_timer.start(intervalMs);
    refresh();
}

void FleetSource::stop()
{
    m_timer.stop();
}

const FleetRow* FleetSource::row(const QString& service) const
{
    for (const FleetRow& r : m_rows) {
        if (r.service == service)
            return &r;
    }
    return nullptr;
}

void FleetSource::refresh()
{
    if (m_inFlight)
        return;
    m_inFlight = true;
    if (m_state == State::Idle)
        m_state = State::Loading;

    namespace as = agentseries;
    const QString extra = m_client->config().selector;
    struct Round
    {
        FleetInput input;
        int pending = 6;
        QString error;
    };
    auto round = std::make_shared<Round>();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    round->input.sparkStepMs = kSparkRangeMs / kSparkPoints;
    // The grid ends at the next step boundary after now (Prometheus evaluates it from the newest samples), so
    // the last point is current and successive refreshes share the grid.
    const qint64 sparkEnd = (now / round->input.sparkStepMs + 1) * round->input.sparkStepMs;
    round->input.sparkFromMs = sparkEnd - kSparkRangeMs;
    round->input.sparkPoints = kSparkPoints + 1;

    auto finish = [this, round] {
        if (--round->pending > 0)
            return;
        m_inFlight = false;
        if (round->error.isEmpty()) {
            m_rows = buildFleet(round->input);
            m_state = State::Ok;
            m_error.clear();
            m_updatedMs = QDateTime::currentMSecsSinceEpoch();
        } else {
            m_state = State::Failing;
            m_error = round->error;
        }
        Q_EMIT updated();
    };
    auto into = [round, finish](std::vector<PromSeries> FleetInput::*field) {
        return [round, finish, field](PromResponse response) {
            if (!response.ok() && round->error.isEmpty())
                round->error = response.error;
            round->input.*field = std::move(response.series);
            finish();
        };
    };
    m_client->query(promquery::instant(promquery::selector(as::up(), extra)), this, into(&FleetInput::up));
    m_client->query(
        promquery::instant(promquery::selector(as::checkedOut(), extra)), this, into(&FleetInput::checkedOut));
    m_client->query(promquery::instant(promquery::selector(as::tracked(), extra)), this, into(&FleetInput::tracked));
    m_client->query(
        promquery::instant(promquery::selector(as::discrepancy(), extra)), this, into(&FleetInput::discrepancy));
    m_client->query(
        promquery::instant(promquery::selector(as::verdict(), extra) + u" == 1"_s), this, into(&FleetInput::verdict));
    const QString spark = u"sum by (%1) (%2)"_s.arg(as::serviceLabel(), promquery::selector(as::discrepancy(), extra));
    m_client->queryRange(promquery::range(spark, round->input.sparkFromMs, sparkEnd, round->input.sparkStepMs / 1000),
        this, into(&FleetInput::sparkline));
}

} // namespace poolscope
