#pragma once

#include <QWidget>

class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace poolscope {

struct RouteSeries;

// The small chart of one route: acquisitions per minute (left axis) and active (right axis) over time.
class RouteChart : public QWidget
{
    Q_OBJECT
public:
    explicit RouteChart(QWidget* parent = nullptr);
    ~RouteChart() override;

    // nullptr clears the chart. [fromMs, toMs] limits the x range (0, 0: everything).
    void setRoute(const RouteSeries* route, qint64 fromMs = 0, qint64 toMs = 0);
    QString routeName() const { return m_name; }
    int ratePointCount() const;
    int activePointCount() const;
    // The lowest acquire rate drawn (never negative, even across counter resets); NaN when empty.
    double minimumRate() const;

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyTheme();

    QChart* m_chart = nullptr;
    QChartView* m_view = nullptr;
    QLineSeries* m_rate = nullptr;
    QLineSeries* m_active = nullptr;
    QDateTimeAxis* m_axisX = nullptr;
    QValueAxis* m_axisRate = nullptr;
    QValueAxis* m_axisActive = nullptr;
    QString m_name;
};

} // namespace poolscope
