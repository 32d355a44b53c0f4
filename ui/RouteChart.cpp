#include "RouteChart.h"

#include "Theme.h"
#include "WholeNumberAxis.h"
#include "models/RoutesModel.h"
#include "store/TargetHistory.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegend>
#include <QLineSeries>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

RouteChart::RouteChart(QWidget* parent)
    : QWidget(parent)
    , m_chart(new QChart)
{
    setAccessibleName(tr("Route chart"));
    m_chart->setMargins(QMargins(2, 2, 2, 2));
    m_chart->setBackgroundRoundness(0);
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->setTitleFont(font());

    m_rate = new QLineSeries(m_chart);
    m_rate->setName(tr("Acquires/min"));
    m_active = new QLineSeries(m_chart);
    m_active->setName(tr("Active"));
    m_chart->addSeries(m_rate);
    m_chart->addSeries(m_active);

    m_axisX = new QDateTimeAxis(m_chart);
    m_axisX->setFormat(u"HH:mm"_s);
    m_axisX->setTickCount(3);
    m_axisRate = new QValueAxis(m_chart);
    WholeNumberAxis::setUp(m_axisRate);
    m_axisRate->setTitleText(tr("per min"));
    m_axisActive = new QValueAxis(m_chart);
    WholeNumberAxis::setUp(m_axisActive);
    m_axisActive->setTitleText(tr("active"));
    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() - 1));
    for (QAbstractAxis* axis : { static_cast<QAbstractAxis*>(m_axisX), static_cast<QAbstractAxis*>(m_axisRate),
             static_cast<QAbstractAxis*>(m_axisActive) }) {
        axis->setLabelsFont(small);
        axis->setTitleFont(small);
    }
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisRate, Qt::AlignLeft);
    m_chart->addAxis(m_axisActive, Qt::AlignRight);
    m_rate->attachAxis(m_axisX);
    m_rate->attachAxis(m_axisRate);
    m_active->attachAxis(m_axisX);
    m_active->attachAxis(m_axisActive);

    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    applyTheme();
    setRoute(nullptr);
}

void RouteChart::applyTheme()
{
    Theme::styleChart(m_chart);
    m_rate->setPen(QPen(Theme::lineColor(Theme::Line::CheckedOut), 1.5));
    m_active->setPen(QPen(Theme::lineColor(Theme::Line::Discrepancy), 2));
}

void RouteChart::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        applyTheme();
}

RouteChart::~RouteChart() = default;

void RouteChart::setRoute(const RouteSeries* route, qint64 fromMs, qint64 toMs)
{
    m_name = route ? route->name : QString();
    m_chart->setTitle(route ? route->name : tr("Select a route to see its traffic"));
    QList<QPointF> rates, active;
    if (route) {
        const std::vector<RoutePoint> points = fromMs == 0 && toMs == 0 ? route->points() : route->points(fromMs, toMs);
        rates = RoutesModel::acquireRateSeries(points);
        active = RoutesModel::activeSeries(points);
    }
    m_rate->replace(rates);
    m_active->replace(active);

    double minX = qInf(), maxX = -qInf(), maxRate = 0, maxActive = 0;
    for (const QPointF& p : std::as_const(rates)) {
        minX = std::min(minX, p.x()), maxX = std::max(maxX, p.x());
        maxRate = std::max(maxRate, p.y());
    }
    for (const QPointF& p : std::as_const(active)) {
        minX = std::min(minX, p.x()), maxX = std::max(maxX, p.x());
        maxActive = std::max(maxActive, p.y());
    }
    if (!std::isfinite(minX) || minX >= maxX) {
        const qint64 now = std::isfinite(minX) ? static_cast<qint64>(minX) : QDateTime::currentMSecsSinceEpoch();
        minX = static_cast<double>(now - 60'000);
        maxX = static_cast<double>(now);
    }
    m_axisX->setRange(QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(minX)),
        QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(maxX)));
    WholeNumberAxis::fit(m_axisRate, maxRate * 1.1);
    WholeNumberAxis::fit(m_axisActive, maxActive * 1.1);
}

int RouteChart::ratePointCount() const
{
    return static_cast<int>(m_rate->count());
}

int RouteChart::activePointCount() const
{
    return static_cast<int>(m_active->count());
}

double RouteChart::minimumRate() const
{
    double lowest = qQNaN();
    for (const QPointF& p : m_rate->points())
        lowest = std::isnan(lowest) ? p.y() : std::min(lowest, p.y());
    return lowest;
}

} // namespace poolscope
