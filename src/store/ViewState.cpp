#include "ViewState.h"

namespace poolscope {

ViewState::ViewState(QObject* parent)
    : QObject(parent)
{ }

ViewState::~ViewState() = default;

void ViewState::setCursor(qint64 ms)
{
    if (ms == m_cursorMs)
        return;
    m_cursorMs = ms;
    Q_EMIT cursorChanged(ms);
}

void ViewState::reloadAtCursor()
{
    if (m_cursorMs != kLive)
        Q_EMIT cursorChanged(m_cursorMs);
}

void ViewState::setRedacted(bool redacted)
{
    if (redacted == m_redacted)
        return;
    m_redacted = redacted;
    Q_EMIT redactedChanged(redacted);
}

void ViewState::setVisibleRange(qint64 fromMs, qint64 toMs)
{
    if (fromMs == m_fromMs && toMs == m_toMs)
        return;
    m_fromMs = fromMs;
    m_toMs = toMs;
    Q_EMIT visibleRangeChanged(fromMs, toMs);
}

void ViewState::setRequestedRange(qint64 fromMs, qint64 toMs, int pixels)
{
    if (fromMs == m_requestedFromMs && toMs == m_requestedToMs && pixels == m_requestedPixels)
        return;
    m_requestedFromMs = fromMs;
    m_requestedToMs = toMs;
    m_requestedPixels = pixels;
    Q_EMIT requestedRangeChanged(fromMs, toMs, pixels);
}

void ViewState::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    Q_EMIT pausedChanged(paused);
}

} // namespace poolscope
