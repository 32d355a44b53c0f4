#pragma once

#include "PromResponse.h"
#include "types/Workspace.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace poolscope {

class JobTracker;

// Asks a Prometheus (the workspace's `prometheus` entry) over its HTTP API, asynchronously: every request
// has a timeout and a body cap, failures are answers (PromResponse::error names what went wrong, never an
// exception or silence), and bodies are parsed off the GUI thread. Queries are POSTed as forms
// (/api/v1/query, /api/v1/query_range), with `Authorization: Bearer` from the token's ${env:NAME}, expanded
// for each request and never kept.
class PrometheusClient : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(PromResponse)>;
    static constexpr qint64 kDefaultMaxBodyBytes = 256LL * 1024 * 1024;

    explicit PrometheusClient(PrometheusConfig config, QObject* parent = nullptr);
    ~PrometheusClient() override;

    const PrometheusConfig& config() const { return m_config; }
    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }

    // `form` from promquery::instant / promquery::range. `done` runs on this object's thread, unless
    // `context` is destroyed first (then never). An instant query of a range selector (x[5m]) answers a
    // matrix of the stored samples: pass Type::Matrix.
    void query(const QByteArray& form, QObject* context, Callback done,
        PromResponse::Type expected = PromResponse::Type::Vector);
    void queryRange(const QByteArray& form, QObject* context, Callback done);

    // Requests sent and not answered yet.
    int inFlight() const { return m_inFlight; }

private:
    void post(const QString& path, const QByteArray& form, PromResponse::Type type, QObject* context, Callback done);

    PrometheusConfig m_config;
    qint64 m_maxBodyBytes = kDefaultMaxBodyBytes;
    QNetworkAccessManager* m_network = nullptr;
    std::unique_ptr<JobTracker> m_jobs;
    int m_inFlight = 0;
};

} // namespace poolscope
