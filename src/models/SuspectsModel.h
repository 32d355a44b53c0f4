#pragma once

#include "analysis/Suspects.h"

#include "TableModel.h"

#include <QList>

namespace poolscope {

// The suspects of a reconciliation (best first): the backends most likely held outside tracking.
// Rows are keyed by pid; a new reconciliation is diffed against them (TableModel).
class SuspectsModel : public TableModel<Suspect, int>
{
    Q_OBJECT
public:
    // Holder: where the app took the connection and for how long (exact suspects; tooltip: the stack).
    enum Column { Pid, Application, State, Idle, Unchanged, Holder, Fingerprint, Reason, NumColumns };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1, // raw: pid, seconds (NaN unknown), text
        PidRole, // the suspect's pid (any column)
    };
    Q_ENUM(Role)

    explicit SuspectsModel(QObject* parent = nullptr);
    ~SuspectsModel() override;

    QHash<int, QByteArray> roleNames() const override;

    void setSuspects(const QList<Suspect>& suspects);
    // Literals in the holders' stacks are shown as "?" (redactFrame).
    void setRedacted(bool redacted);
    QList<Suspect> suspects() const { return { rows().begin(), rows().end() }; }
    int pidAt(int row) const;
    int rowOfPid(int pid) const;

private:
    int keyOf(const Suspect& suspect) const override { return suspect.pid; }
    QVariant cell(const Suspect& suspect, int column, int role) const override;
    QVariant header(int column, int role) const override;

    bool m_redacted = false;
};

} // namespace poolscope
