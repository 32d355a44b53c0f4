#pragma once

#include <QIdentityProxyModel>

namespace poolscope {

// Dresses a TargetsModel for a view: a state icon and colour in the State column, the discrepancy
// coloured by its threshold level. Colours come from Theme.
class TargetsProxyModel : public QIdentityProxyModel
{
    Q_OBJECT
public:
    explicit TargetsProxyModel(QObject* parent = nullptr);
    ~TargetsProxyModel() override;

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
};

} // namespace poolscope
