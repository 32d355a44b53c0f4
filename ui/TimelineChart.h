#pragma once

#include <QPointer>
#include <QWidget>

#include <array>
#include <vector>

class QChart;
class QChartView;
class QDateTimeAxis;
class QGraphicsLineItem;
class QGraphicsSimpleTextItem;
class QLabel;
class QLineSeries;
class QTimer;
class QValueAxis;

namespace poolscope {

class Diagnosis;
class Session;
class ViewState;

// The timeline of one target: checked out, tracked, discrepancy (emphasised) and the server-side
// backend count over time, with the pool max as a dotted line. A failed poll splits every line
// (one QLineSeries per segment; series are reused, each fed with one replace() per refresh).
// Data is decimated to the plot's pixel width. Refreshes are coalesced (at most 4 per second).
// Hovering the plot shows the time and the values of the nearest sample.
// With a Diagnosis, the past before the first poll that the held connections' timestamps bound (the
// target's Reconstruction) is drawn as a dashed, lighter step line of its own, named as reconstructed in
// the legend; the visible window reaches back to it.
// The time cursor (Session::cursor): clicking the plot sets it to the nearest sample's time, Left/Right
// step one sample, Esc returns to live (to the end in review mode). It is drawn as a vertical line
// with its time on top.
class TimelineChart : public QWidget
{
    Q_OBJECT
public:
    enum class Series { CheckedOut, Tracked, Discrepancy, Backends, NumSeries };
    Q_ENUM(Series)

    // New data redraws the chart after kRefreshIntervalMs, or after the time one pixel column of the plot spans
    // (the newest column is the only one new samples change), at most kMaxRefreshIntervalMs.
    static constexpr int kRefreshIntervalMs = 250;
    static constexpr int kMaxRefreshIntervalMs = 1000;

    // view: shared with the other panes (cursor, paused, and the visible range this chart publishes); not null.
    TimelineChart(Session* session, ViewState* view, QWidget* parent = nullptr);
    ~TimelineChart() override;

    void setTarget(int targetIndex);
    int target() const { return m_target; }
    // The Diagnosis whose reconstructed history is drawn (null: none).
    void setDiagnosis(Diagnosis* diagnosis);

    // The reconstructed series: its legend name for a staircase resting on `evidence` (Reconstruction::evidence:
    // the verdict's "reconstructed from ..." for the same connections), the name shown now, and its points as
    // drawn now (time in ms, connections).
    static QString reconstructedLegend(const QString& evidence);
    QString reconstructedName() const;
    QList<QPointF> reconstructedPoints() const;

    // Width of the visible window; 0 shows everything recorded.
    void setRangeMs(qint64 rangeMs);
    qint64 rangeMs() const { return m_rangeMs; }

    // Paused freezes the visible window while data keeps arriving; follow() resumes.
    void setPaused(bool paused);
    bool isPaused() const;
    void follow() { setPaused(false); }

    qint64 visibleStartMs() const { return m_t0; }
    qint64 visibleEndMs() const { return m_t1; }

    // Points currently in all line series (pool max excluded), and non-empty segments of one line.
    int pointCount() const;
    int segmentCount(Series series) const;
    // The empty-state or failure text shown over the plot; empty when none.
    QString overlayText() const;
    // The hover read-out for a time (nearest sample), as plain text.
    QString readoutText(qint64 timestampMs) const;
    // The read-out the mouse currently shows (rich text), empty when hidden.
    QString hoverText() const;
    // The plot area in this widget's coordinates (where hovering shows the read-out).
    QRect plotRect() const;
    QChart* chart() const { return m_chart; }

    // The point of this widget (mid-height of the plot) at which a time is drawn; for clicks in tests.
    QPoint positionOf(qint64 timestampMs) const;
    // The nearest sample time of the selected target to t (t itself when there is none).
    qint64 snapToSample(qint64 timestampMs) const;
    // Moves the cursor by `samples` samples of the selected target (from the newest when live).
    void stepCursor(int samples);
    // The time label drawn on the cursor line; empty when live.
    QString cursorLabelText() const;

public Q_SLOTS:
    void refresh();
    void scheduleRefresh();

Q_SIGNALS:
    void pausedChanged(bool paused);

protected:
    void resizeEvent(QResizeEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    // Colours of the chart, its lines and overlays from the application's palette (Theme).
    void applyTheme();
    QLineSeries* segmentSeries(Series series, int segment);
    void feed(Series series, const QList<QList<QPointF>>& segments);
    void layoutOverlays();
    void showReadout(const QPoint& viewPos);
    void hideReadout();
    void layoutCursor();
    QString readoutHtml(qint64 timestampMs) const;

    QList<QPointF> reconstructedCorners() const;
    QString reconstructedEvidence() const; // of the connections reconstructedCorners() draws

    QPointer<Session> m_session;
    QPointer<ViewState> m_viewState;
    QPointer<Diagnosis> m_diagnosis;
    int m_target = -1;
    qint64 m_rangeMs = 5 * 60 * 1000;
    qint64 m_t0 = 0;
    qint64 m_t1 = 0;

    QChart* m_chart = nullptr;
    QChartView* m_view = nullptr;
    QDateTimeAxis* m_axisX = nullptr;
    QValueAxis* m_axisY = nullptr;
    std::array<std::vector<QLineSeries*>, static_cast<std::size_t>(Series::NumSeries)> m_series;
    QLineSeries* m_poolMax = nullptr;
    QLineSeries* m_reconstructed = nullptr;
    QGraphicsSimpleTextItem* m_poolMaxLabel = nullptr;
    double m_poolMaxValue = 0;
    QGraphicsLineItem* m_cursorLine = nullptr;
    QGraphicsLineItem* m_timeCursor = nullptr;
    QLabel* m_cursorLabel = nullptr;
    QLabel* m_readout = nullptr;
    QLabel* m_emptyLabel = nullptr;
    QLabel* m_failureLabel = nullptr;
    QTimer* m_refreshTimer = nullptr;
};

} // namespace poolscope
