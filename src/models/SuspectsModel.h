#pragma once

#include "analysis/Suspects.h"

#include <QAbstractTableModel>
#include <QList>

namespace poolscope {

// The suspects of a reconciliation (best first): the backends most likely held outside tracking.
class SuspectsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Pid, Application, State, Idle, Unchanged, Fingerprint, Reason, NumColumns };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1, // raw: pid, seconds (NaN unknown), text
        PidRole, // the suspect's pid (any column)
    };
    Q_ENUM(Role)

    explicit SuspectsModel(QObject* parent = nullptr);
    ~SuspectsModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setSuspects(const QList<Suspect>& suspects);
    const QList<Suspect>& suspects() const { return m_suspects; }
    int pidAt(int row) const;
    int rowOfPid(int pid) const;

private:
    QList<Suspect> m_suspects;
};

} // namespace poolscope
