#include "PoolerPane.h"

#include "models/Format.h"
#include "store/Decimation.h"
#include "store/Session.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

constexpr int kRefreshIntervalMs = 500;
using PoolMetric = PoolerHistory::PoolMetric;

QColor metricColor(int metric)
{
    static const QColor colors[] = { QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28), QColor(0x2c, 0xa0, 0x2c),
        QColor(0x7f, 0x7f, 0x7f), QColor(0xff, 0x7f, 0x0e) };
    return colors[metric];
}

} // namespace

PoolerPane::PoolerPane(Session* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_chart(new QChart)
    , m_timer(new QTimer(this))
{
    setAccessibleName(u"pgbouncer pools"_s);
    m_last.fill(qQNaN());
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    auto* top = new QHBoxLayout;
    auto* label = new QLabel(u"Pool "_s, this);
    m_poolBox = new QComboBox(this);
    m_poolBox->setAccessibleName(u"pgbouncer pool"_s);
    m_poolBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    label->setBuddy(m_poolBox);
    m_state = new QLabel(this);
    m_state->setTextFormat(Qt::PlainText);
    top->addWidget(label);
    top->addWidget(m_poolBox);
    top->addWidget(m_state, 1);
    layout->addLayout(top);

    m_chart->setMargins(QMargins(2, 2, 2, 2));
    m_chart->setBackgroundRoundness(0);
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_axisX = new QDateTimeAxis(m_chart);
    m_axisX->setFormat(u"HH:mm:ss"_s);
    m_axisX->setTickCount(4);
    m_axisCount = new QValueAxis(m_chart);
    m_axisCount->setLabelFormat(u"%.0f"_s);
    m_axisCount->setTitleText(u"connections"_s);
    m_axisWait = new QValueAxis(m_chart);
    m_axisWait->setLabelFormat(u"%.1f"_s);
    m_axisWait->setTitleText(u"maxwait (s)"_s);
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisCount, Qt::AlignLeft);
    m_chart->addAxis(m_axisWait, Qt::AlignRight);
    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    layout->addWidget(m_view, 1);

    m_timer->setSingleShot(true);
    m_timer->setInterval(kRefreshIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &PoolerPane::refresh);
    connect(m_poolBox, &QComboBox::currentIndexChanged, this, &PoolerPane::updateLines);
    if (session)
        connect(session, &Session::poolerSnapshotAdded, this, &PoolerPane::schedule);
    refresh();
}

PoolerPane::~PoolerPane() = default;

double PoolerPane::lastCharted(int metric) const
{
    return metric >= 0 && metric < kMetrics ? m_last[static_cast<std::size_t>(metric)] : qQNaN();
}

void PoolerPane::schedule()
{
    if (!m_timer->isActive())
        m_timer->start();
}

void PoolerPane::refresh()
{
    m_timer->stop();
    updatePools();
    updateLines();
}

void PoolerPane::updatePools()
{
    if (!m_session)
        return;
    // Item data: "pooler index/pool key"; existing items keep their place (and the selection).
    QStringList states;
    for (int p = 0; p < m_session->poolerCount(); ++p) {
        const PoolerState& pooler = m_session->pooler(p);
        for (const auto& series : pooler.history.pools()) {
            const QString id = QString::number(p) + u'/' + series.key;
            if (m_poolBox->findData(id) < 0)
                m_poolBox->addItem(pooler.config.name + u": "_s + series.key, id);
        }
        if (!pooler.polled())
            states << pooler.config.name + u" waiting"_s;
        else if (!pooler.latest.ok())
            states << pooler.config.name + u" failing: "_s + singleLine(pooler.latest.error);
        else
            states << pooler.config.name + u" ok"_s;
    }
    m_state->setText(states.join(u" · "_s));
    m_state->setToolTip(m_state->text());
}

void PoolerPane::updateLines()
{
    m_last.fill(qQNaN());
    const PoolerHistory::PoolSeries* pool = nullptr;
    if (m_session && m_poolBox->currentIndex() >= 0) {
        const QString id = m_poolBox->currentData().toString();
        const int slash = static_cast<int>(id.indexOf(u'/'));
        const int poolerIndex = id.left(slash).toInt();
        if (poolerIndex >= 0 && poolerIndex < m_session->poolerCount())
            pool = m_session->pooler(poolerIndex).history.pool(id.mid(slash + 1));
    }
    qint64 t0 = 0, t1 = 0;
    if (pool && !pool->times.empty()) {
        t0 = pool->times.front();
        t1 = std::max(pool->times.back(), t0 + 1000);
    }
    const int columns = std::max(100, m_view->width());
    double maxCount = 1, maxWait = 1;
    for (int metric = 0; metric < kMetrics; ++metric) {
        auto& runs = m_series[static_cast<std::size_t>(metric)];
        Segments segments;
        if (pool) {
            const auto values = pool->column(static_cast<PoolMetric>(metric));
            segments = decimate(pool->times, values, t0, t1, columns);
            if (!values.empty())
                m_last[static_cast<std::size_t>(metric)] = values.back();
            for (const auto& segment : std::as_const(segments)) {
                for (const QPointF& p : segment) {
                    if (metric == static_cast<int>(PoolMetric::MaxwaitSeconds))
                        maxWait = std::max(maxWait, p.y());
                    else
                        maxCount = std::max(maxCount, p.y());
                }
            }
        }
        while (runs.size() < static_cast<std::size_t>(segments.size())) {
            auto* series = new QLineSeries(m_chart);
            series->setPen(QPen(metricColor(metric), metric == static_cast<int>(PoolMetric::ClWaiting) ? 2.0 : 1.5));
            m_chart->addSeries(series);
            series->attachAxis(m_axisX);
            series->attachAxis(metric == static_cast<int>(PoolMetric::MaxwaitSeconds) ? m_axisWait : m_axisCount);
            // One legend entry per metric: the first run's.
            if (runs.empty())
                series->setName(PoolerHistory::metricName(static_cast<PoolMetric>(metric)));
            else if (auto markers = m_chart->legend()->markers(series); !markers.isEmpty())
                markers.first()->setVisible(false);
            runs.push_back(series);
        }
        for (std::size_t i = 0; i < runs.size(); ++i)
            runs[i]->replace(
                i < static_cast<std::size_t>(segments.size()) ? segments[static_cast<qsizetype>(i)] : QList<QPointF>());
    }
    if (t1 <= t0) {
        t1 = QDateTime::currentMSecsSinceEpoch();
        t0 = t1 - 60'000;
    }
    m_axisX->setRange(QDateTime::fromMSecsSinceEpoch(t0), QDateTime::fromMSecsSinceEpoch(t1));
    m_axisCount->setRange(0, std::ceil(maxCount * 1.1));
    m_axisWait->setRange(0, std::ceil(maxWait * 1.1));
    m_chart->setTitle(pool ? QString() : u"No pgbouncer pool read yet"_s);
}

} // namespace poolscope
