#pragma once

#include <QSortFilterProxyModel>

namespace poolscope {

// Sorts a BackendsModel by its raw SortRole, filters on every column (case-insensitive fixed text)
// and paints the row marks (idle in transaction, long idle, withheld) with Theme colours.
class BackendsProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit BackendsProxyModel(QObject* parent = nullptr);
    ~BackendsProxyModel() override;

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
};

} // namespace poolscope
