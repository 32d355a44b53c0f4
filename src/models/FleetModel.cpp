#include "FleetModel.h"

#include "fleet/FleetSource.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
QString number(double v)
{
    return std::isnan(v) ? u"—"_s : QString::number(v, 'g', 6);
}
} // namespace

FleetModel::FleetModel(FleetSource* source, QObject* parent)
    : TableModel(NumColumns, parent)
    , m_source(source)
{
    connect(source, &FleetSource::updated, this, &FleetModel::refresh);
    refresh();
}

FleetModel::~FleetModel() = default;

QString FleetModel::serviceAt(int row) const
{
    return isRow(row) ? rowAt(row).service : QString();
}

void FleetModel::refresh()
{
    if (!m_source)
        return;
    const QList<FleetRow>& rows = m_source->rows();
    updateRows(std::vector<FleetRow>(rows.begin(), rows.end()), Order::Follow, true);
}

QVariant FleetModel::cell(const FleetRow& row, int column, int role) const
{
    if (role == ServiceRole)
        return row.service;
    if (role == VerdictRole)
        return row.verdict;
    if (role == SparklineRole) {
        QList<double> values(row.sparkline.begin(), row.sparkline.end());
        return QVariant::fromValue(values);
    }
    const auto replicas = static_cast<int>(row.replicas.size());
    if (role == SortRole) {
        switch (static_cast<Column>(column)) {
        case Service:
            return row.service;
        case Replicas:
            return row.replicasUp;
        case CheckedOut:
            return row.checkedOut;
        case Tracked:
            return row.tracked;
        case Discrepancy:
        case Trend:
            return row.discrepancy;
        case Verdict:
            return verdictRank(row.verdict);
        case NumColumns:
            break;
        }
        return {};
    }
    if (role == Qt::DisplayRole) {
        switch (static_cast<Column>(column)) {
        case Service:
            return row.service;
        case Replicas:
            return u"%1 / %2"_s.arg(row.replicasUp).arg(replicas);
        case CheckedOut:
            return number(row.checkedOut);
        case Tracked:
            return number(row.tracked);
        case Discrepancy:
            return number(row.discrepancy);
        case Verdict:
            return row.verdict.isEmpty() ? u"—"_s : row.verdict;
        case Trend:
        case NumColumns:
            break;
        }
        return {};
    }
    if (role == Qt::ToolTipRole && column == Replicas) {
        QStringList down;
        for (const FleetReplica& r : row.replicas) {
            if (!r.up)
                down.append(r.name);
        }
        return down.isEmpty() ? u"every replica up"_s : u"down: "_s + down.join(u", "_s);
    }
    if (role == Qt::TextAlignmentRole && column != Service && column != Verdict)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant FleetModel::header(int column, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    switch (static_cast<Column>(column)) {
    case Service:
        return u"Service"_s;
    case Replicas:
        return u"Replicas up"_s;
    case CheckedOut:
        return u"Checked out"_s;
    case Tracked:
        return u"Tracked"_s;
    case Discrepancy:
        return u"Discrepancy"_s;
    case Verdict:
        return u"Verdict"_s;
    case Trend:
        return u"Last hour"_s;
    case NumColumns:
        break;
    }
    return {};
}

} // namespace poolscope
