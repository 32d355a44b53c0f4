#pragma once

#include <QSortFilterProxyModel>

namespace poolscope {

// Sorts a RoutesModel by its raw SortRole, filters on the route name (case-insensitive fixed text) and
// paints the rows whose active count keeps rising.
class RoutesProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit RoutesProxyModel(QObject* parent = nullptr);
    ~RoutesProxyModel() override;

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
};

} // namespace poolscope
