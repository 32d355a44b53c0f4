#pragma once

#include <QPointer>
#include <QWidget>

namespace poolscope {

class Diagnosis;
class ExplainPanel;

// The selected target's reconciliation (ExplainPanel), kept up to date from the Diagnosis. Selecting a
// suspect emits suspectSelected(pid).
class ExplainPane : public QWidget
{
    Q_OBJECT
public:
    explicit ExplainPane(Diagnosis* diagnosis, QWidget* parent = nullptr);
    ~ExplainPane() override;

    void setTarget(int targetIndex);
    void setRedacted(bool redacted);
    ExplainPanel* panel() const { return m_panel; }
    int suspectCount() const { return m_suspects; }

Q_SIGNALS:
    void suspectSelected(int pid);
    void suspectCountChanged(int suspects);

private:
    void showDiagnosis();

    QPointer<Diagnosis> m_diagnosis;
    int m_target = -1;
    int m_suspects = 0;
    ExplainPanel* m_panel = nullptr;
};

} // namespace poolscope
