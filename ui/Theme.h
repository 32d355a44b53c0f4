#pragma once

#include "models/BackendsModel.h"
#include "models/TargetsModel.h"

#include <QColor>
#include <QIcon>
#include <QPalette>
#include <QPen>

class QChart;

namespace poolscope {

// One place for the colours and icons of PoolScope, so the chart legend, the targets list and the
// table marks always agree. The colours follow the application's palette: on a dark one (View ▸ Theme ▸ Dark,
// or a dark system theme) they are the lighter variants that stay readable on it.
class Theme
{
public:
    // View ▸ Theme: the system's palette, or PoolScope's light or dark one.
    enum class Scheme { System, Light, Dark };
    static Scheme schemeFromName(const QString& name, bool* ok = nullptr); // "system", "light", "dark"
    static QString schemeName(Scheme scheme);
    static QPalette palette(Scheme scheme);
    // Sets the application's palette (the System scheme restores the one it started with).
    static void apply(Scheme scheme);
    // The scheme last applied (System before any).
    static Scheme current();
    // The scheme chosen in View ▸ Theme, kept across starts (QSettings view/theme); the app applies it at start.
    static Scheme remembered();
    static void remember(Scheme scheme);
    // True when the application's window background is dark.
    static bool isDark();
    // Background, plot area, grid, labels and legend of a chart from the application's palette.
    static void styleChart(QChart* chart);
    // WCAG 2 contrast ratio of two colours (1..21; 4.5 is the minimum for text).
    static double contrastRatio(const QColor& a, const QColor& b);

    enum class Line { CheckedOut, Tracked, Discrepancy, Backends, PoolMax, NumLines };

    static QColor lineColor(Line line);
    static QPen linePen(Line line);
    static QString lineLabel(Line line);

    static QColor stateColor(TargetsModel::StateLevel level);
    static QIcon stateIcon(TargetsModel::StateLevel level);
    static QString stateName(TargetsModel::StateLevel level);

    // Row background of a backend mark; invalid QColor for none.
    static QColor markBackground(BackendsModel::Mark mark);
    static QColor markForeground(BackendsModel::Mark mark);

    static QColor errorColor();
    static QIcon appIcon();
    static QIcon pauseIcon();
    static QIcon followIcon();
};

} // namespace poolscope
