#pragma once

#include <QPointer>
#include <QWidget>

#include <array>
#include <vector>

class QChart;
class QChartView;
class QComboBox;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QTimer;
class QValueAxis;

namespace poolscope {

class Session;

// pgbouncer's pools over time: pick a pool (pooler: database/user) and see its cl_active, cl_waiting,
// sv_active and sv_idle (left axis, connections) and maxwait (right axis, seconds), as the Session's pooler
// history holds them. A failed read is a gap (a series per unbroken run), never a bridged line; the lines are
// M4-decimated to the chart's width.
class PoolerPane : public QWidget
{
    Q_OBJECT
public:
    explicit PoolerPane(Session* session, QWidget* parent = nullptr);
    ~PoolerPane() override;

    QComboBox* poolBox() const { return m_poolBox; }
    // The newest charted value of a metric (PoolerHistory::PoolMetric as int) of the selected pool, NaN when
    // none.
    double lastCharted(int metric) const;
    // Rebuilds the pool list and the lines now.
    void refresh();

private:
    static constexpr int kMetrics = 5;
    void schedule();
    void updatePools();
    void updateLines();

    QPointer<Session> m_session;
    QComboBox* m_poolBox = nullptr;
    QLabel* m_state = nullptr;
    QChart* m_chart = nullptr;
    QChartView* m_view = nullptr;
    QDateTimeAxis* m_axisX = nullptr;
    QValueAxis* m_axisCount = nullptr;
    QValueAxis* m_axisWait = nullptr;
    std::array<std::vector<QLineSeries*>, kMetrics> m_series; // per metric, one per unbroken run
    std::array<double, kMetrics> m_last {};
    QTimer* m_timer = nullptr;
};

} // namespace poolscope
