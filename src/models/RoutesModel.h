#pragma once

#include "analysis/RouteRates.h"
#include "types/Sample.h"

#include "TableModel.h"

#include <QList>
#include <QPointF>

#include <span>

namespace poolscope {

// A row of RoutesModel, keyed by the route's name.
struct RoutesModelRow
{
    QString name;
    RouteStats current;
    RouteRate rate;
};

// One row per route of a target: its counters now (acquired, released, active, leaks, as the views'
// routes show them) and its rates over the analysis window (RouteRate). Rows whose active count keeps
// rising are marked (RisingRole). Updates are diffs by name (TableModel): the rows that stay keep their
// selection, and all of them get one ranged dataChanged.
class RoutesModel : public TableModel<RoutesModelRow, QString>
{
    Q_OBJECT
public:
    enum Column { Route, Acquired, Released, Active, Leaks, PerMinute, ActiveChange, NumColumns };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1, // raw numbers (NaN when unknown), the name for Route
        RisingRole, // bool: active keeps rising
        NameRole, // the route's name (any column)
    };
    Q_ENUM(Role)

    explicit RoutesModel(QObject* parent = nullptr);
    ~RoutesModel() override;

    QHash<int, QByteArray> roleNames() const override;

    // `current`: the routes at the cursor (Session::routesAt); `rates`: over the analysis window.
    // A route in either list gets a row (current order first).
    void setRoutes(const QList<RouteStats>& current, const QList<RouteRate>& rates);
    void clear();

    QString nameAt(int row) const;
    int rowOf(const QString& name) const;
    int risingCount() const;

    // For a route's chart: acquisitions per minute between consecutive polls (a counter reset counts
    // from zero, never a negative rate; x = the later poll's UTC ms) and active over time.
    static QList<QPointF> acquireRateSeries(std::span<const RoutePoint> points);
    static QList<QPointF> activeSeries(std::span<const RoutePoint> points);

private:
    using Row = RoutesModelRow;

    QString keyOf(const Row& row) const override { return row.name; }
    QVariant cell(const Row& row, int column, int role) const override;
    QVariant header(int column, int role) const override;
    QVariant displayData(const Row& row, int column) const;
    QVariant sortData(const Row& row, int column) const;
};

} // namespace poolscope
