// poolscope_render_icon: renders an SVG to square PNGs at the build, for the hicolor icon theme.
//   poolscope_render_icon IN.svg OUTDIR SIZE...   writes OUTDIR/SIZExSIZE/apps/poolscope.png for each SIZE
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char** argv)
{
    QGuiApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 4) {
        std::fprintf(stderr, "usage: poolscope_render_icon IN.svg OUTDIR SIZE...\n");
        return 2;
    }
    QSvgRenderer renderer(args.at(1));
    if (!renderer.isValid()) {
        std::fprintf(stderr, "poolscope_render_icon: %s: not a valid SVG\n", qPrintable(args.at(1)));
        return 1;
    }
    const QString name = QFileInfo(args.at(1)).completeBaseName();
    for (qsizetype i = 3; i < args.size(); ++i) {
        bool ok = false;
        const int size = args.at(i).toInt(&ok);
        if (!ok || size < 8 || size > 1024) {
            std::fprintf(stderr, "poolscope_render_icon: %s: not a size between 8 and 1024\n", qPrintable(args.at(i)));
            return 2;
        }
        const QString dir = u"%1/%2x%2/apps"_s.arg(args.at(2)).arg(size);
        const QString path = u"%1/%2.png"_s.arg(dir, name);
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        renderer.render(&painter, QRectF(0, 0, size, size));
        painter.end();
        if (!QDir().mkpath(dir) || !image.save(path)) {
            std::fprintf(stderr, "poolscope_render_icon: cannot write %s\n", qPrintable(path));
            return 1;
        }
    }
    return 0;
}
