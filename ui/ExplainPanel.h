#pragma once

#include <QWidget>

class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace poolscope {

struct Reconciliation;
class SuspectsModel;

// The reconciliation of the selected target with its backends: the summary sentence, the confidence
// and its reason, the backends by state and the suspects (best first). Selecting a suspect emits
// suspectSelected(pid) so the window can select that backend.
class ExplainPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ExplainPanel(QWidget* parent = nullptr);
    ~ExplainPanel() override;

    // nullptr: nothing to explain (no target).
    void setReconciliation(const Reconciliation* reconciliation);
    // Literals in the holders' code locations are shown as "?" (View ▸ Redact sensitive data).
    void setRedacted(bool redacted);

    QString summaryText() const;
    QString confidenceText() const;
    QString countsText() const;
    SuspectsModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    void selectSuspect(int row);

Q_SIGNALS:
    void suspectSelected(int pid);

private:
    QLabel* m_summary = nullptr;
    QLabel* m_confidence = nullptr;
    QLabel* m_counts = nullptr;
    SuspectsModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_table = nullptr;
    bool m_redacted = false;
};

} // namespace poolscope
