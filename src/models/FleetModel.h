#pragma once

#include "TableModel.h"
#include "fleet/Fleet.h"

#include <QPointer>

namespace poolscope {

class FleetSource;

// The fleet view's table: one row per service (FleetSource's rows, worst first: growing, stable, unknown,
// none, then the largest discrepancy), updated by diff after every refresh so the selection stays.
class FleetModel : public TableModel<FleetRow, QString>
{
    Q_OBJECT
public:
    enum Column { Service, Replicas, CheckedOut, Tracked, Discrepancy, Verdict, Trend, NumColumns };
    Q_ENUM(Column)
    enum Role {
        SortRole = Qt::UserRole + 1, // raw numbers (verdict: its rank, worst first)
        SparklineRole, // QList<double>: the summed discrepancy of the last hour, NaN in gaps
        ServiceRole, // QString
        VerdictRole, // QString: growing, stable, unknown, none or ""
    };
    Q_ENUM(Role)

    explicit FleetModel(FleetSource* source, QObject* parent = nullptr);
    ~FleetModel() override;

    QString serviceAt(int row) const;
    int rowOfService(const QString& service) const { return rowOfKey(service); }

protected:
    QString keyOf(const FleetRow& row) const override { return row.service; }
    QVariant cell(const FleetRow& row, int column, int role) const override;
    QVariant header(int column, int role) const override;

private:
    void refresh();

    QPointer<FleetSource> m_source;
};

} // namespace poolscope
