#pragma once

#include <QString>
#include <QStringList>
#include <QTimeZone>

namespace poolscope {

// What the caption strip under a screenshot says. Widget-free and pure: built by
// ScreenshotRenderer from the window, tested on its own.
struct ScreenshotCaption
{
    QStringList targets; // the target(s) shown, selected first
    qint64 fromMs = 0; // the time range shown (UTC ms)
    qint64 toMs = 0;
    qint64 cursorMs = 0; // the time cursor, 0 when live
    bool review = false; // reopened recording (never says "live")
    QTimeZone zone = QTimeZone::systemTimeZone();
    QString version = QStringLiteral(POOLSCOPE_VERSION);
    QString verdict; // the selected target's verdict sentence; empty leaves the line out
    bool redacted = false;

    // "2026-11-27 03:05–03:12 CET (UTC+01:00)"; both dates are written when the range spans days;
    // seconds are shown for ranges under two minutes.
    static QString timeRangeText(qint64 fromMs, qint64 toMs, const QTimeZone& zone);
    // The caption's lines: "web · 2026-11-27 03:05–03:12 CET (UTC+01:00) · at 03:10:04 · PoolScope 0.1.0
    // · redacted", then the verdict sentence when there is one.
    QStringList lines() const;
};

} // namespace poolscope
