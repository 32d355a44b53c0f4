#include "ScreenshotRenderer.h"

#include "MainWindow.h"
#include "TimelineChart.h"
#include "VerdictPane.h"
#include "analysis/Diagnosis.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFontMetrics>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
constexpr int kPadding = 8;
constexpr int kLineGap = 2;

QFont captionFont(int line)
{
    QFont font = QFontDatabase::systemFont(QFontDatabase::GeneralFont);
    font.setBold(line == 1); // the verdict line stands out
    return font;
}

// Draws the strip in the rectangle `strip` (device-independent pixels).
void paintCaption(QPainter& painter, const QRect& strip, const QStringList& lines)
{
    painter.fillRect(strip, QColor(0xf5, 0xf5, 0xf5));
    painter.setPen(QPen(QColor(0xbd, 0xbd, 0xbd), 1));
    painter.drawLine(strip.topLeft(), strip.topRight());
    int y = strip.top() + kPadding;
    for (int i = 0; i < lines.size(); ++i) {
        const QFont font = captionFont(i);
        painter.setFont(font);
        painter.setPen(QColor(0x21, 0x21, 0x21));
        const QFontMetrics fm(font);
        const QRect box(strip.left() + kPadding, y, strip.width() - 2 * kPadding, strip.bottom() - y);
        const QRect used = fm.boundingRect(box, Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, lines[i]);
        painter.drawText(box, Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, lines[i]);
        y += used.height() + kLineGap;
    }
}

void settle(MainWindow* window)
{
    // The analysis is throttled: bring the verdict (banner and caption) up to date first.
    if (window->diagnosis())
        window->diagnosis()->recompute();
    window->renderToImage(); // refreshes status and chart, lets layouts settle
    for (int i = 0; i < 3; ++i)
        QCoreApplication::sendPostedEvents();
}
} // namespace

ScreenshotCaption ScreenshotRenderer::captionFor(MainWindow* window)
{
    ScreenshotCaption caption;
    Session* session = window->session();
    const int selected = window->selectedTarget();
    if (session) {
        if (selected >= 0)
            caption.targets.append(session->target(selected).config.name);
        else
            for (int i = 0; i < session->targetCount(); ++i)
                caption.targets.append(session->target(i).config.name);
        caption.cursorMs = window->viewState()->isLive() ? 0 : window->viewState()->cursor();
        caption.review = session->isReview();
        caption.redacted = window->viewState()->isRedacted();
    }
    caption.fromMs = window->chart()->visibleStartMs();
    caption.toMs = window->chart()->visibleEndMs();
    // The verdict sentence (no query text in it) of the selected target.
    if (selected >= 0)
        caption.verdict = window->verdictPane()->verdictLine(selected);
    return caption;
}

int ScreenshotRenderer::captionHeight(const QStringList& lines, int width)
{
    int height = 2 * kPadding;
    for (int i = 0; i < lines.size(); ++i) {
        const QFontMetrics fm(captionFont(i));
        height += fm.boundingRect(QRect(0, 0, width - 2 * kPadding, 10000), Qt::TextWordWrap, lines[i]).height()
            + (i > 0 ? kLineGap : 0);
    }
    return height;
}

QImage ScreenshotRenderer::withCaption(const QImage& content, const QStringList& lines)
{
    const qreal dpr = content.devicePixelRatio() > 0 ? content.devicePixelRatio() : 1.0;
    const int width = static_cast<int>(content.width() / dpr);
    const int contentHeight = static_cast<int>(content.height() / dpr);
    const int strip = captionHeight(lines, width);
    QImage image(
        content.width(), content.height() + static_cast<int>(strip * dpr), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::TextAntialiasing);
    painter.drawImage(QPointF(0, 0), content);
    paintCaption(painter, QRect(0, contentHeight, width, strip), lines);
    painter.end();
    return image;
}

QImage ScreenshotRenderer::renderWindow(MainWindow* window)
{
    settle(window);
    return withCaption(window->grab().toImage(), captionFor(window).lines());
}

QImage ScreenshotRenderer::renderChart(MainWindow* window)
{
    settle(window);
    return withCaption(window->chart()->grab().toImage(), captionFor(window).lines());
}

QByteArray ScreenshotRenderer::renderChartSvg(MainWindow* window)
{
    settle(window);
    TimelineChart* chart = window->chart();
    const QStringList lines = captionFor(window).lines();
    const QSize size = chart->size();
    const int strip = captionHeight(lines, size.width());
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setResolution(96); // CSS pixels: browsers show it at the widget's size
    svg.setSize(QSize(size.width(), size.height() + strip));
    svg.setViewBox(QRect(0, 0, size.width(), size.height() + strip));
    svg.setTitle(QCoreApplication::translate("ScreenshotRenderer", "PoolScope chart"));
    svg.setDescription(lines.join(u'\n'));
    QPainter painter;
    if (!painter.begin(&svg))
        return {};
    chart->render(&painter);
    paintCaption(painter, QRect(0, size.height(), size.width(), strip), lines);
    painter.end();
    return buffer.data();
}

bool ScreenshotRenderer::saveChartSvg(MainWindow* window, const QString& path, QString* error)
{
    return saveSvg(renderChartSvg(window), path, error);
}

bool ScreenshotRenderer::saveSvg(const QByteArray& svg, const QString& path, QString* error)
{
    if (svg.isEmpty()) {
        if (error)
            *error = QCoreApplication::translate("ScreenshotRenderer", "%1: cannot paint the SVG").arg(path);
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(svg) != svg.size() || !file.commit()) {
        if (error)
            *error = u"%1: %2"_s.arg(path, file.errorString());
        return false;
    }
    return true;
}

bool ScreenshotRenderer::savePng(const QImage& image, const QString& path, QString* error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
        if (error)
            *error = u"%1: %2"_s.arg(path,
                file.errorString().isEmpty() ? QCoreApplication::translate("ScreenshotRenderer", "cannot write the PNG")
                                             : file.errorString());
        return false;
    }
    return true;
}

QImage renderWindowWithCaption(MainWindow* window)
{
    return ScreenshotRenderer::renderWindow(window);
}

} // namespace poolscope
