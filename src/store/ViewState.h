#pragma once

#include <QObject>

namespace poolscope {

// What a window shows of a Session, apart from the Session's data: the time cursor, redaction, the
// timeline's visible range (published by the chart: routes rates and exports cover it) and whether it
// is paused (frozen while data keeps arriving) or follows the newest data.
// Shared by the window's panes, its models and the Diagnosis that follows the cursor. Lives on the GUI
// thread; widget-free.
class ViewState : public QObject
{
    Q_OBJECT
public:
    explicit ViewState(QObject* parent = nullptr);
    ~ViewState() override;

    // The time cursor: kLive follows the newest data; any other value is a moment in the past that the
    // backends table, routes and suspects show (Session::snapshotAt/routesAt).
    static constexpr qint64 kLive = 0;
    qint64 cursor() const { return m_cursorMs; }
    bool isLive() const { return m_cursorMs == kLive; }
    void setCursor(qint64 ms);
    // What the moment at the cursor reads from changed (a recording's archive was attached after the cursor was
    // set): everything that follows the cursor reads it again (cursorChanged with the same moment). Nothing
    // when live.
    void reloadAtCursor();

    // Redaction for views, screenshots and exports: query text reduced to its fingerprint (literals
    // replaced) and client addresses masked (analysis/QueryFingerprint.h does both).
    bool isRedacted() const { return m_redacted; }
    void setRedacted(bool redacted);

    // The range the timeline shows (UTC ms; 0, 0 before it has drawn).
    qint64 visibleFromMs() const { return m_fromMs; }
    qint64 visibleToMs() const { return m_toMs; }
    void setVisibleRange(qint64 fromMs, qint64 toMs);
    // The range the timeline was asked for (its range choice, ending at the newest data) before it is
    // narrowed to the data held, and its width in pixels: a window over Prometheus fetches what lies before
    // its oldest point (fleet/HistoryZoom). 0, 0, 0 before it has drawn.
    qint64 requestedFromMs() const { return m_requestedFromMs; }
    qint64 requestedToMs() const { return m_requestedToMs; }
    int requestedPixels() const { return m_requestedPixels; }
    void setRequestedRange(qint64 fromMs, qint64 toMs, int pixels);

    // Paused: the visible range stays put while data arrives; not paused: it follows the newest data.
    bool isPaused() const { return m_paused; }
    void setPaused(bool paused);

Q_SIGNALS:
    void cursorChanged(qint64 cursorMs);
    void redactedChanged(bool redacted);
    void visibleRangeChanged(qint64 fromMs, qint64 toMs);
    void requestedRangeChanged(qint64 fromMs, qint64 toMs, int pixels);
    void pausedChanged(bool paused);

private:
    qint64 m_cursorMs = kLive;
    bool m_redacted = false;
    qint64 m_fromMs = 0;
    qint64 m_toMs = 0;
    qint64 m_requestedFromMs = 0;
    qint64 m_requestedToMs = 0;
    int m_requestedPixels = 0;
    bool m_paused = false;
};

} // namespace poolscope
