#pragma once

#include "Fleet.h"

#include <QObject>
#include <QTimer>

namespace poolscope {

class PrometheusClient;

// The fleet as Prometheus sees it, refreshed on a timer: instant queries of the agents' series (discovery
// is the poolscope_target_up query: every replica an agent serves) and a range query for the sparklines.
// A failed round keeps the rows of the last good one and says why (state() Failing, error()).
class FleetSource : public QObject
{
    Q_OBJECT
public:
    enum class State { Idle, Loading, Ok, Failing };
    static constexpr int kSparkPoints = 60;
    static constexpr qint64 kSparkRangeMs = 3600 * 1000;

    // `client` must outlive this object.
    explicit FleetSource(PrometheusClient* client, QObject* parent = nullptr);
    ~FleetSource() override;

    // A round now, then every intervalMs.
    void start(int intervalMs = 15'000);
    void stop();
    // One round now, unless one is in flight.
    void refresh();

    const QList<FleetRow>& rows() const { return m_rows; }
    const FleetRow* row(const QString& service) const;
    State state() const { return m_state; }
    QString error() const { return m_error; }
    qint64 updatedMs() const { return m_updatedMs; }

Q_SIGNALS:
    // After a round: rows() replaced (Ok) or kept and error() set (Failing).
    void updated();

private:
    PrometheusClient* m_client;
    QTimer m_timer;
    QList<FleetRow> m_rows;
    State m_state = State::Idle;
    QString m_error;
    qint64 m_updatedMs = 0;
    bool m_inFlight = false;
};

} // namespace poolscope
