#pragma once

// What the Prometheus integration tests share (the test against fake_agent.py and the end-to-end test
// against a real `poolscope agent`): waiting for asynchronous answers, and the raw samples Prometheus
// scraped, which a service's backfill must equal.
#include "fleet/PromQuery.h"
#include "fleet/PrometheusClient.h"
#include "fleet/ServiceLoader.h"

#include <QEventLoop>
#include <QTimer>

#include <map>
#include <memory>
#include <optional>
#include <utility>

namespace poolscope::test {

// Calls `ask(done)` and runs the event loop until `done` got the answer (or timeoutMs passed: nullopt).
template <typename Result, typename Ask> std::optional<Result> await(Ask ask, int timeoutMs = 60'000)
{
    std::optional<Result> result;
    QEventLoop loop;
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    ask([&result, &loop](Result r) {
        result = std::move(r);
        loop.quit();
    });
    if (!result)
        loop.exec();
    return result;
}

inline PromResponse ask(PrometheusClient& client, const QString& promql,
    PromResponse::Type type = PromResponse::Type::Vector, qint64 timeMs = 0)
{
    QObject context;
    auto r = await<PromResponse>(
        [&](auto done) { client.query(promquery::instant(promql, timeMs), &context, done, type); });
    if (!r) {
        PromResponse none;
        none.error = QStringLiteral("no answer within 60 s");
        return none;
    }
    return *r;
}

// A service's backfill by a ServiceLoader on `client` (stepSeconds as ServiceLoader::load): the history, or null
// and why; nullopt when no answer came within 60 s.
using LoadedService = std::pair<std::shared_ptr<ServiceHistory>, QString>;
inline std::optional<LoadedService> loadService(
    PrometheusClient& client, const QString& service, qint64 fromMs, qint64 toMs, int pixels, qint64 stepSeconds = 0)
{
    ServiceLoader loader(&client, Workspace {});
    return await<LoadedService>([&](auto done) {
        loader.load(
            service, fromMs, toMs, pixels,
            [done](std::shared_ptr<ServiceHistory> h, QString e) {
                done(LoadedService { std::move(h), e });
            },
            stepSeconds);
    });
}

// The samples Prometheus stored of `selector` in the `window` before timeMs: target -> time -> value.
inline std::map<QString, std::map<qint64, double>> rawSamples(
    PrometheusClient& client, const QString& selector, qint64 timeMs, QString* error)
{
    std::map<QString, std::map<qint64, double>> result;
    const PromResponse r = ask(client, selector + QStringLiteral("[15m]"), PromResponse::Type::Matrix, timeMs);
    if (!r.ok()) {
        *error = r.error;
        return result;
    }
    for (const PromSeries& s : r.series) {
        auto& points = result[s.label(QStringLiteral("target"))];
        for (std::size_t i = 0; i < s.timesMs.size(); ++i)
            points[s.timesMs[i]] = s.values[i];
    }
    return result;
}

// The raw sample a range query at `tMs` evaluates to: the newest at or before it (within the 5 min lookback).
inline std::optional<double> valueAt(const std::map<qint64, double>& raw, qint64 tMs)
{
    auto it = raw.upper_bound(tMs);
    if (it == raw.begin())
        return std::nullopt;
    --it;
    if (tMs - it->first > 5 * 60'000)
        return std::nullopt;
    return it->second;
}

} // namespace poolscope::test
