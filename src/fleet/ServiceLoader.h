#pragma once

#include "ServiceHistory.h"

#include <QObject>

#include <functional>
#include <memory>

namespace poolscope {

class JobTracker;
class PrometheusClient;

// Backfills one service from Prometheus: range queries of the agents' series of that service over
// [fromMs, toMs] at a step fitted to the chart's width (promquery::fitStepSeconds), turned into a
// ServiceHistory off the GUI thread.
class ServiceLoader : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kDefaultRangeMs = 24LL * 3600 * 1000;
    using Callback = std::function<void(std::shared_ptr<ServiceHistory> history, QString error)>;

    // `client` must outlive this object; `fleet` is the workspace with the prometheus entry.
    ServiceLoader(PrometheusClient* client, Workspace fleet, QObject* parent = nullptr);
    ~ServiceLoader() override;

    // `done` gets the history (and an empty error), or null and why. Runs on this object's thread.
    // stepSeconds 0: fitted to `pixels`; a window following Prometheus passes the step it was opened with.
    void load(const QString& service, qint64 fromMs, qint64 toMs, int pixels, Callback done, qint64 stepSeconds = 0);

private:
    PrometheusClient* m_client;
    Workspace m_fleet;
    std::unique_ptr<JobTracker> m_jobs;
};

} // namespace poolscope
