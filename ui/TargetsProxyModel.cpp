#include "TargetsProxyModel.h"

#include "Theme.h"
#include "models/TargetsModel.h"

#include <QFont>

namespace poolscope {

TargetsProxyModel::TargetsProxyModel(QObject* parent)
    : QIdentityProxyModel(parent)
{ }

TargetsProxyModel::~TargetsProxyModel() = default;

QVariant TargetsProxyModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    const int column = index.column();
    // The level only for the roles that show it: a painted row asks each cell for a dozen roles.
    const auto level = [&] {
        return static_cast<TargetsModel::StateLevel>(mapToSource(index).data(TargetsModel::StateLevelRole).toInt());
    };
    switch (role) {
    case Qt::DecorationRole:
        if (column == TargetsModel::Name)
            return Theme::stateIcon(level());
        break;
    case Qt::ForegroundRole:
        if (column == TargetsModel::State || column == TargetsModel::Discrepancy) {
            const auto shown = level();
            if (column == TargetsModel::State && shown != TargetsModel::StateLevel::Ok)
                return Theme::stateColor(shown);
            if (column == TargetsModel::Discrepancy
                && (shown == TargetsModel::StateLevel::Warning || shown == TargetsModel::StateLevel::Critical))
                return Theme::stateColor(shown);
        }
        break;
    case Qt::FontRole:
        if (column == TargetsModel::Discrepancy || column == TargetsModel::Name) {
            QFont font;
            font.setBold(true);
            return font;
        }
        break;
    default:
        break;
    }
    return QIdentityProxyModel::data(index, role);
}

} // namespace poolscope
