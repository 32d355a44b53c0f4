#include "TimelineChart.h"

#include "Theme.h"
#include "WholeNumberAxis.h"
#include "analysis/Diagnosis.h"
#include "models/Format.h"
#include "store/Decimation.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGraphicsLayout>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QKeyEvent>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QRegularExpression>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
Theme::Line lineOf(TimelineChart::Series series)
{
    return static_cast<Theme::Line>(static_cast<int>(series));
}

Metric metricOf(TimelineChart::Series series)
{
    switch (series) {
    case TimelineChart::Series::CheckedOut:
        return Metric::CheckedOut;
    case TimelineChart::Series::Tracked:
        return Metric::Tracked;
    default:
        return Metric::Discrepancy;
    }
}

// Index of the element of `times` nearest to t, or -1.
std::ptrdiff_t nearest(const ColumnView<qint64>& times, qint64 t)
{
    if (times.empty())
        return -1;
    const auto it = std::lower_bound(times.begin(), times.end(), t);
    std::ptrdiff_t i = it - times.begin();
    if (i == static_cast<std::ptrdiff_t>(times.size()))
        return i - 1;
    if (i > 0 && t - times[static_cast<std::size_t>(i - 1)] < times[static_cast<std::size_t>(i)] - t)
        --i;
    return i;
}

QString valueText(double v)
{
    return formatWhole(v);
}
} // namespace

TimelineChart::TimelineChart(Session* session, ViewState* view, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_viewState(view)
    , m_chart(new QChart)
    , m_refreshTimer(new QTimer(this))
{
    setAccessibleName(tr("Timeline chart"));
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setMargins(QMargins(4, 4, 8, 4));
    m_chart->setBackgroundRoundness(0);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->legend()->setShowToolTips(true);
    m_chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries);

    m_axisX = new QDateTimeAxis(m_chart);
    m_axisX->setFormat(u"HH:mm:ss"_s);
    m_axisX->setTickCount(7);
    m_axisX->setTitleText(QString());
    m_chart->addAxis(m_axisX, Qt::AlignBottom);

    m_axisY = new QValueAxis(m_chart);
    WholeNumberAxis::setUp(m_axisY);
    m_axisY->setRange(0, 5);
    m_axisY->setTitleText(u"connections"_s);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);

    m_poolMax = new QLineSeries(m_chart);
    m_poolMax->setName(Theme::lineLabel(Theme::Line::PoolMax));
    m_chart->addSeries(m_poolMax);
    m_poolMax->attachAxis(m_axisX);
    m_poolMax->attachAxis(m_axisY);
    m_poolMax->setPen(Theme::linePen(Theme::Line::PoolMax));
    m_chart->legend()->markers(m_poolMax).value(0)->setVisible(false);
    // The reconstructed past: the discrepancy's colour, lighter and dashed.
    m_reconstructed = new QLineSeries(m_chart);
    m_reconstructed->setName(reconstructedLegend({}));
    m_chart->addSeries(m_reconstructed);
    m_reconstructed->attachAxis(m_axisX);
    m_reconstructed->attachAxis(m_axisY);
    QPen reconstructedPen = Theme::linePen(Theme::Line::Discrepancy);
    QColor reconstructedColor = reconstructedPen.color();
    reconstructedColor.setAlpha(150);
    reconstructedPen.setColor(reconstructedColor);
    reconstructedPen.setStyle(Qt::DashLine);
    m_reconstructed->setPen(reconstructedPen);
    m_chart->legend()->markers(m_reconstructed).value(0)->setVisible(false); // shown while there is one
    // The legend entries, in a fixed order; the discrepancy last so it is drawn on top.
    for (const auto series : { Series::CheckedOut, Series::Tracked, Series::Backends, Series::Discrepancy })
        segmentSeries(series, 0);

    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setAccessibleName(tr("Timeline plot"));
    m_view->viewport()->setMouseTracking(true);
    m_view->viewport()->installEventFilter(this);
    m_view->setFrameShape(QFrame::NoFrame);

    m_poolMaxLabel = new QGraphicsSimpleTextItem(m_chart);
    m_poolMaxLabel->setText(tr("pool max"));
    m_poolMaxLabel->setZValue(10);
    m_poolMaxLabel->hide();

    m_cursorLine = new QGraphicsLineItem(m_chart);
    m_cursorLine->setZValue(20);
    m_cursorLine->hide();

    m_timeCursor = new QGraphicsLineItem(m_chart);
    m_timeCursor->setPen(QPen(QColor(0x6a, 0x1b, 0x9a), 2));
    m_timeCursor->setZValue(25);
    m_timeCursor->hide();
    setFocusPolicy(Qt::StrongFocus);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);

    m_emptyLabel = new QLabel(this);
    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setAccessibleName(tr("Chart status"));
    m_emptyLabel->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_emptyLabel->hide();

    m_failureLabel = new QLabel(this);
    m_failureLabel->setWordWrap(true);
    m_failureLabel->setAccessibleName(tr("Target failure"));
    m_failureLabel->setStyleSheet(u"QLabel { color: #ffffff; background: rgba(183, 28, 28, 225); "
                                  "border-radius: 4px; padding: 5px 10px; font-weight: bold; }"_s);
    m_failureLabel->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_failureLabel->hide();

    m_cursorLabel = new QLabel(this);
    m_cursorLabel->setAccessibleName(tr("Time cursor"));
    m_cursorLabel->setStyleSheet(u"QLabel { color: #ffffff; background: #6a1b9a; border-radius: 3px; "
                                 "padding: 1px 5px; font-weight: bold; }"_s);
    m_cursorLabel->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_cursorLabel->hide();

    m_readout = new QLabel(this);
    m_readout->setTextFormat(Qt::RichText);
    m_readout->setAccessibleName(tr("Hover read-out"));
    m_readout->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_readout->hide();

    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(kRefreshIntervalMs);
    connect(m_refreshTimer, &QTimer::timeout, this, &TimelineChart::refresh);

    if (m_session) {
        connect(m_session, &Session::sampleAdded, this, [this](int index) {
            if (index == m_target)
                scheduleRefresh();
        });
        // A snapshot adds to the selected target's backends line, if it is of the target's database; without a
        // target the chart shows nothing that moves.
        connect(m_session, &Session::snapshotAdded, this, [this](int database) {
            if (m_target >= 0
                && m_session->target(m_target).config.database == m_session->database(database).config.name)
                scheduleRefresh();
        });
        connect(m_session, &Session::historyReplaced, this, &TimelineChart::scheduleRefresh);
    }
    connect(m_viewState, &ViewState::cursorChanged, this, &TimelineChart::layoutCursor);
    connect(m_viewState, &ViewState::pausedChanged, this, [this](bool paused) {
        Q_EMIT pausedChanged(paused);
        refresh();
    });
    connect(m_chart, &QChart::plotAreaChanged, this, &TimelineChart::layoutOverlays);
    applyTheme();
    refresh();
}

TimelineChart::~TimelineChart() = default;

void TimelineChart::setTarget(int targetIndex)
{
    if (m_session && (targetIndex < 0 || targetIndex >= m_session->targetCount()))
        targetIndex = -1;
    if (targetIndex == m_target)
        return;
    m_target = targetIndex;
    hideReadout();
    refresh();
}

void TimelineChart::setDiagnosis(Diagnosis* diagnosis)
{
    if (m_diagnosis)
        disconnect(m_diagnosis, nullptr, this, nullptr);
    m_diagnosis = diagnosis;
    if (diagnosis) {
        connect(diagnosis, &Diagnosis::updated, this, [this](int index) {
            if (index == m_target)
                scheduleRefresh();
        });
    }
    refresh();
}

QString TimelineChart::reconstructedLegend(const QString& evidence)
{
    return evidence.isEmpty() ? u"Reconstructed"_s : u"Reconstructed from "_s + evidence;
}

QString TimelineChart::reconstructedName() const
{
    return m_reconstructed->name();
}

QList<QPointF> TimelineChart::reconstructedPoints() const
{
    return m_reconstructed->points();
}

// The selected target's reconstructed staircase, for the connections of the verdict's baseline (all the
// held ones when it has none), ending at the first snapshot.
QList<QPointF> TimelineChart::reconstructedCorners() const
{
    if (!m_diagnosis || !m_session || m_target < 0 || m_target >= m_session->targetCount())
        return {};
    const TargetDiagnosis& diagnosis = m_diagnosis->target(m_target);
    const int n = diagnosis.verdict.baselineCount > 0 ? diagnosis.verdict.baselineCount : -1;
    QList<QPointF> corners;
    for (const auto& [t, count] : diagnosis.reconstruction.staircase(n))
        corners.append(QPointF(double(t), count));
    return corners;
}

QString TimelineChart::reconstructedEvidence() const
{
    if (!m_diagnosis || !m_session || m_target < 0 || m_target >= m_session->targetCount())
        return {};
    const TargetDiagnosis& diagnosis = m_diagnosis->target(m_target);
    return diagnosis.reconstruction.evidence(
        diagnosis.verdict.baselineCount > 0 ? diagnosis.verdict.baselineCount : -1);
}

void TimelineChart::setRangeMs(qint64 rangeMs)
{
    m_rangeMs = std::max<qint64>(rangeMs, 0);
    if (isPaused() && m_rangeMs > 0)
        m_t0 = m_t1 - m_rangeMs; // keep the frozen end, change the width
    refresh();
}

void TimelineChart::setPaused(bool paused)
{
    m_viewState->setPaused(paused); // the view state tells this chart (pausedChanged)
}

bool TimelineChart::isPaused() const
{
    return m_viewState->isPaused();
}

void TimelineChart::scheduleRefresh()
{
    if (m_refreshTimer->isActive())
        return;
    // Not faster than the plot moves: at 5 min over 600 pixels a column is half a second, and a redraw of the
    // chart (decimation, axes, antialiased lines) costs the same whether one sample came or five.
    const double plotWidth = m_chart->plotArea().width();
    int interval = kRefreshIntervalMs;
    if (plotWidth > 10 && m_t1 > m_t0)
        interval = static_cast<int>(
            std::clamp(double(m_t1 - m_t0) / plotWidth, double(kRefreshIntervalMs), double(kMaxRefreshIntervalMs)));
    m_refreshTimer->start(interval);
}

QLineSeries* TimelineChart::segmentSeries(Series series, int segment)
{
    auto& list = m_series[static_cast<std::size_t>(series)];
    while (static_cast<int>(list.size()) <= segment) {
        auto* s = new QLineSeries(m_chart);
        s->setName(Theme::lineLabel(lineOf(series)));
        m_chart->addSeries(s);
        s->attachAxis(m_axisX);
        s->attachAxis(m_axisY);
        s->setPen(Theme::linePen(lineOf(series)));
        s->setPointsVisible(false);
        if (!list.empty()) {
            // Only the first segment of a line has a legend entry.
            const auto markers = m_chart->legend()->markers(s);
            for (auto* marker : markers)
                marker->setVisible(false);
        }
        list.push_back(s);
    }
    return list[static_cast<std::size_t>(segment)];
}

void TimelineChart::applyTheme()
{
    Theme::styleChart(m_chart);
    for (std::size_t i = 0; i < m_series.size(); ++i) {
        for (QLineSeries* s : m_series[i])
            s->setPen(Theme::linePen(lineOf(static_cast<Series>(i))));
    }
    m_poolMax->setPen(Theme::linePen(Theme::Line::PoolMax));
    m_poolMaxLabel->setBrush(Theme::lineColor(Theme::Line::PoolMax));
    QColor hover = palette().color(QPalette::Text);
    hover.setAlpha(90);
    m_cursorLine->setPen(QPen(hover, 1));
    m_emptyLabel->setStyleSheet(u"QLabel { color: %1; font-size: 15pt; background: transparent; }"_s.arg(
        Theme::stateColor(TargetsModel::StateLevel::Waiting).name()));
    m_readout->setStyleSheet(u"QLabel { background: %1; color: %2; border: 1px solid %3; border-radius: 3px; "
                             "padding: 4px 6px; }"_s.arg(palette().color(QPalette::ToolTipBase).name(),
                                 palette().color(QPalette::ToolTipText).name(), palette().color(QPalette::Mid).name()));
}

void TimelineChart::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        applyTheme();
}

void TimelineChart::feed(Series series, const QList<QList<QPointF>>& segments)
{
    auto& list = m_series[static_cast<std::size_t>(series)];
    const int needed = std::max<int>(static_cast<int>(segments.size()), static_cast<int>(list.size()));
    for (int i = 0; i < needed; ++i) {
        QLineSeries* s = segmentSeries(series, i);
        if (i < segments.size()) {
            // A lone point between two failed polls draws nothing as a line: show it as a dot.
            s->setPointsVisible(segments[i].size() == 1);
            s->replace(segments[i]);
        } else if (s->count() > 0) {
            s->clear();
        }
    }
}

void TimelineChart::refresh()
{
    m_refreshTimer->stop();
    const TargetState* target = (m_session && m_target >= 0) ? &m_session->target(m_target) : nullptr;

    const QList<QPointF> reconstructed = reconstructedCorners();
    // The visible window.
    if (!isPaused() || m_t1 == 0) {
        const qint64 last = m_session ? m_session->lastTimestampMs() : 0;
        qint64 first = m_session ? m_session->firstTimestampMs() : 0;
        if (!reconstructed.isEmpty() && first > 0)
            first = std::min(first, static_cast<qint64>(reconstructed.first().x()));
        m_t1 = last > 0 ? last : QDateTime::currentMSecsSinceEpoch();
        m_t0 = m_rangeMs > 0 ? m_t1 - m_rangeMs : (first > 0 ? first : m_t1);
        // While there is less data than the range, the data fills the plot (at least a minute wide)
        // instead of huddling at its right edge.
        if (first > m_t0)
            m_t0 = first;
        if (m_t1 - m_t0 < 60'000)
            m_t0 = m_t1 - 60'000;
    }

    int columns = static_cast<int>(m_chart->plotArea().width());
    if (columns <= 10)
        columns = std::max(width() - 80, 200);

    double maxValue = 0;
    const auto noteMax = [&maxValue](const QList<QList<QPointF>>& segments) {
        for (const auto& segment : segments) {
            for (const auto& p : segment)
                maxValue = std::max(maxValue, p.y());
        }
    };
    for (int s = 0; s < static_cast<int>(Series::NumSeries); ++s) {
        const auto series = static_cast<Series>(s);
        QList<QList<QPointF>> segments;
        if (target) {
            const auto& history = target->history;
            if (series == Series::Backends)
                segments = decimate(history.backendCountTimes(), history.backendCounts(), m_t0, m_t1, columns);
            else
                segments = decimate(history.times(), history.column(metricOf(series)), m_t0, m_t1, columns);
        }
        noteMax(segments);
        feed(series, segments);
    }

    // The reconstructed past, clipped to the window.
    QList<QPointF> shown;
    for (qsizetype i = 0; i < reconstructed.size(); ++i) {
        const QPointF& p = reconstructed[i];
        if (p.x() < double(m_t0)) {
            if (i + 1 < reconstructed.size() && reconstructed[i + 1].x() > double(m_t0))
                shown.append(QPointF(double(m_t0), p.y()));
            continue;
        }
        if (p.x() > double(m_t1))
            break;
        shown.append(p);
    }
    m_reconstructed->replace(shown);
    if (!shown.isEmpty()) {
        // The same words as the verdict's "reconstructed from ..." for these connections.
        const QString name = reconstructedLegend(reconstructedEvidence());
        if (m_reconstructed->name() != name)
            m_reconstructed->setName(name);
    }
    if (QLegendMarker* marker = m_chart->legend()->markers(m_reconstructed).value(0);
        marker && marker->isVisible() != !shown.isEmpty()) {
        marker->setVisible(!shown.isEmpty());
        m_chart->legend()->layout()->invalidate(); // the legend lays out a marker shown later only when told
    }
    noteMax({ shown });

    // Pool max: a dotted horizontal line across the window.
    m_poolMaxValue = target ? target->lastOk.metrics[Metric::PoolMax] : kAbsent;
    if (isPresent(m_poolMaxValue)) {
        m_poolMax->replace(QList<QPointF> { { double(m_t0), m_poolMaxValue }, { double(m_t1), m_poolMaxValue } });
        maxValue = std::max(maxValue, m_poolMaxValue);
    } else if (m_poolMax->count() > 0) {
        m_poolMax->clear();
    }

    // Axes: local time; integer ticks from 0 with a little headroom.
    const QString format = (m_t1 - m_t0) > 24LL * 3600 * 1000 ? u"dd MMM HH:mm"_s : u"HH:mm:ss"_s;
    if (m_axisX->format() != format)
        m_axisX->setFormat(format);
    m_axisX->setRange(QDateTime::fromMSecsSinceEpoch(m_t0), QDateTime::fromMSecsSinceEpoch(m_t1));
    WholeNumberAxis::fit(m_axisY, maxValue * 1.1 + 0.5, 5);

    // Overlays: waiting before the first poll, the reason while failing.
    if (!target) {
        m_emptyLabel->setText(
            m_session && m_session->targetCount() == 0 ? tr("No targets in this workspace") : tr("Select a target"));
        m_emptyLabel->show();
        m_failureLabel->hide();
    } else if (!target->polled()) {
        m_emptyLabel->setText(tr("Waiting for the first poll of %1…").arg(target->config.name));
        m_emptyLabel->show();
        m_failureLabel->hide();
    } else {
        m_emptyLabel->hide();
        if (!target->latest.ok()) {
            const QString since = target->lastOk.timestampMs > 0
                ? tr("last success %1").arg(formatClock(target->lastOk.timestampMs))
                : tr("never succeeded");
            m_failureLabel->setText(tr("%1 is failing: %2\n%3 consecutive failed polls · %4")
                                        .arg(target->config.name, singleLine(target->latest.error))
                                        .arg(target->consecutiveFailures)
                                        .arg(since));
            m_failureLabel->show();
        } else {
            m_failureLabel->hide();
        }
    }
    layoutOverlays();
    m_viewState->setVisibleRange(m_t0, m_t1);
    m_viewState->setRequestedRange(m_rangeMs > 0 ? m_t1 - m_rangeMs : m_t0, m_t1, columns);
}

QRect TimelineChart::plotRect() const
{
    const QRectF plot = m_chart->plotArea();
    const QPoint offset = m_view->viewport()->mapTo(this, QPoint(0, 0));
    return m_view->mapFromScene(m_chart->mapToScene(plot).boundingRect()).boundingRect().translated(offset);
}

QString TimelineChart::hoverText() const
{
    return m_readout->isVisibleTo(this) ? m_readout->text() : QString();
}

void TimelineChart::layoutOverlays()
{
    const QRectF plot = m_chart->plotArea();
    const QRect plotRect = this->plotRect();
    m_emptyLabel->setGeometry(plotRect.isValid() ? plotRect : rect());
    if (m_failureLabel->isVisible() || !m_failureLabel->text().isEmpty()) {
        const int w = std::min(plotRect.width() - 24, 720);
        m_failureLabel->setFixedWidth(std::max(w, 200));
        m_failureLabel->adjustSize();
        m_failureLabel->move(plotRect.left() + (plotRect.width() - m_failureLabel->width()) / 2,
            plotRect.top() + (plotRect.height() - m_failureLabel->height()) / 3);
        m_failureLabel->raise();
    }
    m_emptyLabel->raise();
    layoutCursor();

    if (isPresent(m_poolMaxValue) && m_poolMax->count() > 0) {
        const QPointF at = m_chart->mapToPosition(QPointF(double(m_t0), m_poolMaxValue), m_poolMax);
        m_poolMaxLabel->setText(tr("pool max %1").arg(m_poolMaxValue, 0, 'f', 0));
        const QRectF textRect = m_poolMaxLabel->boundingRect();
        m_poolMaxLabel->setPos(plot.left() + 6, at.y() - textRect.height() - 1);
        m_poolMaxLabel->show();
    } else {
        m_poolMaxLabel->hide();
    }
}

void TimelineChart::layoutCursor()
{
    const qint64 cursor = m_viewState->cursor();
    if (cursor == ViewState::kLive || cursor < m_t0 || cursor > m_t1 || m_t1 <= m_t0) {
        m_timeCursor->hide();
        m_cursorLabel->hide();
        return;
    }
    const QRectF plot = m_chart->plotArea();
    const double x = plot.left() + plot.width() * double(cursor - m_t0) / double(m_t1 - m_t0);
    m_timeCursor->setLine(x, plot.top(), x, plot.bottom());
    m_timeCursor->show();
    m_cursorLabel->setText(cursorLabelText());
    m_cursorLabel->adjustSize();
    const QRect area = plotRect();
    const int px = area.left() + static_cast<int>(x - plot.left());
    const int lx = std::clamp(px - m_cursorLabel->width() / 2, area.left(), area.right() - m_cursorLabel->width());
    m_cursorLabel->move(lx, area.top() + 2);
    m_cursorLabel->show();
    m_cursorLabel->raise();
}

QString TimelineChart::cursorLabelText() const
{
    if (m_viewState->isLive())
        return {};
    return formatClock(m_viewState->cursor());
}

QPoint TimelineChart::positionOf(qint64 timestampMs) const
{
    const QRectF plot = m_chart->plotArea();
    const QRect area = plotRect();
    if (m_t1 <= m_t0)
        return area.center();
    const double x = plot.width() * double(timestampMs - m_t0) / double(m_t1 - m_t0);
    return QPoint(area.left() + static_cast<int>(std::lround(x)), area.center().y());
}

qint64 TimelineChart::snapToSample(qint64 timestampMs) const
{
    if (!m_session || m_target < 0)
        return timestampMs;
    const auto& times = m_session->target(m_target).history.times();
    const std::ptrdiff_t i = nearest(times, timestampMs);
    return i < 0 ? timestampMs : times[static_cast<std::size_t>(i)];
}

void TimelineChart::stepCursor(int samples)
{
    if (!m_session || m_target < 0)
        return;
    const auto& times = m_session->target(m_target).history.times();
    if (times.empty())
        return;
    const auto n = static_cast<std::ptrdiff_t>(times.size());
    std::ptrdiff_t i = 0;
    if (m_viewState->isLive()) {
        if (samples >= 0)
            return; // already at the newest
        i = n + samples; // one step left of live is the newest sample
    } else {
        i = nearest(times, m_viewState->cursor()) + samples;
    }
    i = std::clamp<std::ptrdiff_t>(i, 0, n - 1);
    m_viewState->setCursor(times[static_cast<std::size_t>(i)]);
}

void TimelineChart::keyPressEvent(QKeyEvent* event)
{
    if (m_session && event->modifiers() == Qt::NoModifier) {
        switch (event->key()) {
        case Qt::Key_Left:
            stepCursor(-1);
            return;
        case Qt::Key_Right:
            stepCursor(1);
            return;
        case Qt::Key_Escape:
            m_viewState->setCursor(m_session->isReview() ? m_session->lastTimestampMs() : ViewState::kLive);
            return;
        default:
            break;
        }
    }
    QWidget::keyPressEvent(event);
}

void TimelineChart::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    layoutOverlays();
    scheduleRefresh(); // the pixel width changed: decimate again
}

int TimelineChart::pointCount() const
{
    int n = 0;
    for (const auto& list : m_series) {
        for (const auto* s : list)
            n += s->count();
    }
    return n;
}

int TimelineChart::segmentCount(Series series) const
{
    const auto& list = m_series[static_cast<std::size_t>(series)];
    return static_cast<int>(
        std::count_if(list.begin(), list.end(), [](const QLineSeries* s) { return s->count() > 0; }));
}

QString TimelineChart::overlayText() const
{
    if (m_emptyLabel->isVisibleTo(this))
        return m_emptyLabel->text();
    if (m_failureLabel->isVisibleTo(this))
        return m_failureLabel->text();
    return {};
}

QString TimelineChart::readoutHtml(qint64 timestampMs) const
{
    if (!m_session || m_target < 0)
        return {};
    const TargetState& target = m_session->target(m_target);
    const auto& history = target.history;
    const std::ptrdiff_t row = nearest(history.times(), timestampMs);
    if (row < 0)
        return {};
    const auto r = static_cast<std::size_t>(row);
    const auto swatch
        = [](Theme::Line line) { return u"<span style=\"color:%1\">■</span> "_s.arg(Theme::lineColor(line).name()); };
    QString html = u"<b>%1</b>"_s.arg(formatClock(history.times()[r]));
    if (!history.ok(r)) {
        html += u"<br><span style=\"color:%1\">poll failed</span>"_s.arg(Theme::errorColor().name());
    } else {
        for (const auto series : { Series::CheckedOut, Series::Tracked, Series::Discrepancy }) {
            const double v = history.column(metricOf(series))[r];
            html += u"<br>"_s + swatch(lineOf(series)) + Theme::lineLabel(lineOf(series)) + u": <b>"_s + valueText(v)
                + u"</b>"_s;
        }
    }
    const std::ptrdiff_t b = nearest(history.backendCountTimes(), timestampMs);
    if (b >= 0) {
        const auto bi = static_cast<std::size_t>(b);
        html += u"<br>"_s + swatch(Theme::Line::Backends) + Theme::lineLabel(Theme::Line::Backends) + u": <b>"_s
            + valueText(history.backendCounts()[bi])
            + u"</b> <span style=\"color:#757575\">at %1</span>"_s.arg(formatClock(history.backendCountTimes()[bi]));
    }
    return html;
}

QString TimelineChart::readoutText(qint64 timestampMs) const
{
    QString html = readoutHtml(timestampMs);
    html.replace(u"<br>"_s, u"\n"_s);
    html.remove(QRegularExpression(u"<[^>]*>"_s));
    html.remove(u"■ "_s);
    return html;
}

void TimelineChart::showReadout(const QPoint& viewPos)
{
    const QPointF scenePos = m_view->mapToScene(viewPos);
    const QPointF chartPos = m_chart->mapFromScene(scenePos);
    const QRectF plot = m_chart->plotArea();
    if (!plot.contains(chartPos) || m_target < 0) {
        hideReadout();
        return;
    }
    const QPointF value = m_chart->mapToValue(chartPos);
    const QString html = readoutHtml(static_cast<qint64>(value.x()));
    if (html.isEmpty()) {
        hideReadout();
        return;
    }
    m_cursorLine->setLine(chartPos.x(), plot.top(), chartPos.x(), plot.bottom());
    m_cursorLine->show();
    m_readout->setText(html);
    m_readout->adjustSize();
    const QPoint at = m_view->viewport()->mapTo(this, viewPos);
    int x = at.x() + 14;
    if (x + m_readout->width() > width())
        x = at.x() - 14 - m_readout->width();
    const int y = std::clamp(at.y() - m_readout->height() / 2, 0, std::max(0, height() - m_readout->height()));
    m_readout->move(x, y);
    m_readout->raise();
    m_readout->show();
}

void TimelineChart::hideReadout()
{
    m_readout->hide();
    m_cursorLine->hide();
}

bool TimelineChart::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view->viewport()) {
        if (event->type() == QEvent::MouseMove) {
            showReadout(static_cast<QMouseEvent*>(event)->position().toPoint());
        } else if (event->type() == QEvent::MouseButtonPress && m_session) {
            const auto* mouse = static_cast<QMouseEvent*>(event);
            const QPointF chartPos = m_chart->mapFromScene(m_view->mapToScene(mouse->position().toPoint()));
            if (mouse->button() == Qt::LeftButton && m_chart->plotArea().contains(chartPos) && m_t1 > m_t0) {
                const QRectF plot = m_chart->plotArea();
                const auto t
                    = m_t0 + static_cast<qint64>(double(m_t1 - m_t0) * (chartPos.x() - plot.left()) / plot.width());
                setFocus(Qt::MouseFocusReason);
                m_viewState->setCursor(snapToSample(t));
                return true;
            }
        } else if (event->type() == QEvent::Leave)
            hideReadout();
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace poolscope
