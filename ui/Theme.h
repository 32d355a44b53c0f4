#pragma once

#include "models/BackendsModel.h"
#include "models/TargetsModel.h"

#include <QColor>
#include <QIcon>
#include <QPen>

namespace poolscope {

// One place for the colours and icons of PoolScope, so the chart legend, the targets list and the
// table marks always agree.
class Theme
{
public:
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
