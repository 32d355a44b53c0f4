#include "RoutesModel.h"

#include "Format.h"
#include "analysis/AnalysisText.h"

#include <QHash>

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

double activeOf(const RouteStats& stats)
{
    if (isPresent(stats.active))
        return stats.active;
    if (isPresent(stats.acquired) && isPresent(stats.released))
        return stats.acquired - stats.released;
    return kAbsent;
}
} // namespace

RoutesModel::RoutesModel(QObject* parent)
    : TableModel(NumColumns, parent)
{ }

RoutesModel::~RoutesModel() = default;

void RoutesModel::setRoutes(const QList<RouteStats>& current, const QList<RouteRate>& rates)
{
    std::vector<Row> rows;
    QHash<QString, std::size_t> byName;
    const auto find = [&rows, &byName](const QString& name) -> Row& {
        const auto it = byName.constFind(name);
        if (it != byName.cend())
            return rows[*it];
        byName.insert(name, rows.size());
        Row& row = rows.emplace_back();
        row.name = name;
        row.rate.name = name;
        return row;
    };
    for (const RouteStats& stats : current)
        find(stats.name).current = stats;
    for (const RouteRate& rate : rates)
        find(rate.name).rate = rate;

    updateRows(std::move(rows));
}

void RoutesModel::clear()
{
    setRoutes({}, {});
}

QString RoutesModel::nameAt(int row) const
{
    return isRow(row) ? rowAt(row).name : QString();
}

int RoutesModel::rowOf(const QString& name) const
{
    return rowOfKey(name);
}

int RoutesModel::risingCount() const
{
    int n = 0;
    for (const Row& row : rows())
        n += row.rate.rising ? 1 : 0;
    return n;
}

QVariant RoutesModel::displayData(const Row& row, int column) const
{
    switch (column) {
    case Route:
        return row.rate.rising ? u"▲ "_s + row.name : row.name;
    case Acquired:
        return formatWhole(row.current.acquired);
    case Released:
        return formatWhole(row.current.released);
    case Active:
        return formatWhole(activeOf(row.current));
    case Leaks:
        return formatWhole(row.current.leaks);
    case PerMinute:
        return isPresent(row.rate.acquiresPerMinute) ? QString::number(row.rate.acquiresPerMinute, 'f', 1)
                                                     : unknownText();
    case ActiveChange:
        return isPresent(row.rate.activeChange) ? formatSigned(row.rate.activeChange, 0) : unknownText();
    }
    return {};
}

QVariant RoutesModel::sortData(const Row& row, int column) const
{
    switch (column) {
    case Route:
        return row.name;
    case Acquired:
        return row.current.acquired;
    case Released:
        return row.current.released;
    case Active:
        return activeOf(row.current);
    case Leaks:
        return row.current.leaks;
    case PerMinute:
        return row.rate.acquiresPerMinute;
    case ActiveChange:
        return row.rate.activeChange;
    }
    return {};
}

QVariant RoutesModel::cell(const Row& row, int column, int role) const
{
    switch (role) {
    case Qt::DisplayRole:
        return displayData(row, column);
    case SortRole:
        return sortData(row, column);
    case RisingRole:
        return row.rate.rising;
    case NameRole:
        return row.name;
    case Qt::TextAlignmentRole:
        if (column != Route)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (row.rate.rising)
            return u"Active keeps rising: %1/h over the last %2"_s.arg(
                formatSigned(row.rate.activeSlopePerHour), formatDuration(row.rate.spanSeconds));
        if (row.rate.resets > 0)
            return u"%1 counter reset(s) in the range (counted from zero after each)"_s.arg(row.rate.resets);
        return {};
    }
    return {};
}

QVariant RoutesModel::header(int section, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Route:
            return u"Route"_s;
        case Acquired:
            return u"Acquired"_s;
        case Released:
            return u"Released"_s;
        case Active:
            return u"Active"_s;
        case Leaks:
            return u"Leaks"_s;
        case PerMinute:
            return u"Per min"_s;
        case ActiveChange:
            return u"Δ Active"_s;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case Active:
            return u"Acquired minus released: connections the route holds now"_s;
        case PerMinute:
            return u"Acquisitions per minute over the selected range"_s;
        case ActiveChange:
            return u"Change of active over the selected range"_s;
        }
    }
    return {};
}

QHash<int, QByteArray> RoutesModel::roleNames() const
{
    auto names = QAbstractTableModel::roleNames();
    names.insert(SortRole, "sort");
    names.insert(RisingRole, "rising");
    names.insert(NameRole, "name");
    return names;
}

QList<QPointF> RoutesModel::acquireRateSeries(std::span<const RoutePoint> points)
{
    QList<QPointF> out;
    const RoutePoint* previous = nullptr;
    for (const RoutePoint& point : points) {
        if (!isPresent(point.stats.acquired))
            continue;
        if (previous && point.tMs > previous->tMs) {
            const double delta = point.stats.acquired >= previous->stats.acquired
                ? point.stats.acquired - previous->stats.acquired
                : point.stats.acquired; // a reset: the counter started again from zero
            const double minutes = static_cast<double>(point.tMs - previous->tMs) / 60000.0;
            out.append(QPointF(static_cast<double>(point.tMs), delta / minutes));
        }
        previous = &point;
    }
    return out;
}

QList<QPointF> RoutesModel::activeSeries(std::span<const RoutePoint> points)
{
    QList<QPointF> out;
    for (const RoutePoint& point : points) {
        const double active = activeOf(point.stats);
        if (isPresent(active))
            out.append(QPointF(static_cast<double>(point.tMs), active));
    }
    return out;
}

} // namespace poolscope
