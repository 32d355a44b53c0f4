#include "ServiceLoader.h"

#include "AgentSeries.h"
#include "PromQuery.h"
#include "PrometheusClient.h"
#include "jobs/JobTracker.h"

using namespace Qt::StringLiterals;

namespace poolscope {

ServiceLoader::ServiceLoader(PrometheusClient* client, Workspace fleet, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_fleet(std::move(fleet))
    , m_jobs(std::make_unique<JobTracker>())
{ }

ServiceLoader::~ServiceLoader() = default;

void ServiceLoader::load(
    const QString& service, qint64 fromMs, qint64 toMs, int pixels, Callback done, qint64 stepSeconds)
{
    namespace as = agentseries;
    struct Round
    {
        ServiceRangeInput input;
        int pending = 5;
        QString error;
    };
    auto round = std::make_shared<Round>();
    const qint64 step = stepSeconds > 0 ? stepSeconds : promquery::fitStepSeconds(toMs - fromMs, pixels);
    round->input.stepMs = step * 1000;
    auto finish = [this, round, service, done] {
        if (--round->pending > 0)
            return;
        if (!round->error.isEmpty()) {
            done(nullptr, round->error);
            return;
        }
        m_jobs->run(
            u"backfill %1"_s.arg(service), u"Backfilling %1"_s.arg(service), this,
            [round, service, fleet = m_fleet](JobControl&) {
                return std::make_shared<ServiceHistory>(buildServiceHistory(service, round->input, fleet));
            },
            [done](std::shared_ptr<ServiceHistory> history) { done(std::move(history), QString()); });
    };
    auto into = [round, finish](std::vector<PromSeries> ServiceRangeInput::*field) {
        return [round, finish, field](PromResponse response) {
            if (!response.ok() && round->error.isEmpty())
                round->error = response.error;
            round->input.*field = std::move(response.series);
            finish();
        };
    };
    const QString extra = m_client->config().selector;
    const QList<QPair<QString, QString>> ofService { { as::serviceLabel(), service } };
    auto ask = [&](const QString& metric, std::vector<PromSeries> ServiceRangeInput::*field) {
        m_client->queryRange(
            promquery::range(promquery::selector(metric, extra, ofService), fromMs, toMs, step), this, into(field));
    };
    ask(as::up(), &ServiceRangeInput::up);
    ask(as::checkedOut(), &ServiceRangeInput::checkedOut);
    ask(as::tracked(), &ServiceRangeInput::tracked);
    ask(as::discrepancy(), &ServiceRangeInput::discrepancy);
    ask(as::poolMax(), &ServiceRangeInput::poolMax);
}

} // namespace poolscope
