#pragma once

#include "ScreenshotCaption.h"

#include <QByteArray>
#include <QImage>
#include <QString>
#include <QStringList>

namespace poolscope {

class MainWindow;

// Screenshots for incident reviews: the window or the chart with a caption strip at the bottom
// (targets, time range with the time zone, the cursor, "PoolScope 0.1.0", the selected target's verdict).
// Captions are built from what the views show, so they are redacted when the Session is.
class ScreenshotRenderer
{
public:
    // The caption for what the window shows now.
    static ScreenshotCaption captionFor(MainWindow* window);
    // `content` with the caption strip appended below (same width, taller); keeps the device pixel ratio.
    static QImage withCaption(const QImage& content, const QStringList& lines);
    // Height in device-independent pixels of the strip for `lines` at `width`.
    static int captionHeight(const QStringList& lines, int width);

    static QImage renderWindow(MainWindow* window);
    static QImage renderChart(MainWindow* window);
    // The chart as SVG (vector), with the caption below; empty when it cannot be painted. GUI thread.
    static QByteArray renderChartSvg(MainWindow* window);
    // renderChartSvg() then saveSvg(). False and *error naming the path on failure.
    static bool saveChartSvg(MainWindow* window, const QString& path, QString* error = nullptr);
    // Encode and write: callable from any thread (a job), the rendering having been done on the GUI thread.
    // PNG of the window or the chart, captioned.
    static bool savePng(const QImage& image, const QString& path, QString* error = nullptr);
    static bool saveSvg(const QByteArray& svg, const QString& path, QString* error = nullptr);
};

// The captioned window (used by the GUI and by `poolscope screenshot`).
QImage renderWindowWithCaption(MainWindow* window);

} // namespace poolscope
