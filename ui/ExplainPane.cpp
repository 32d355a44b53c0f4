#include "ExplainPane.h"

#include "ExplainPanel.h"
#include "analysis/Diagnosis.h"

#include <QVBoxLayout>

namespace poolscope {

ExplainPane::ExplainPane(Diagnosis* diagnosis, QWidget* parent)
    : QWidget(parent)
    , m_diagnosis(diagnosis)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_panel = new ExplainPanel(this);
    layout->addWidget(m_panel);
    connect(m_panel, &ExplainPanel::suspectSelected, this, &ExplainPane::suspectSelected);
    if (diagnosis) {
        connect(diagnosis, &Diagnosis::updated, this, [this](int target) {
            if (target == m_target)
                showDiagnosis();
        });
    }
}

ExplainPane::~ExplainPane() = default;

void ExplainPane::setTarget(int targetIndex)
{
    m_target = targetIndex;
    showDiagnosis();
}

void ExplainPane::setRedacted(bool redacted)
{
    m_panel->setRedacted(redacted);
    showDiagnosis();
}

void ExplainPane::showDiagnosis()
{
    const Reconciliation* reconciliation
        = m_diagnosis && m_target >= 0 ? &m_diagnosis->target(m_target).reconciliation : nullptr;
    m_panel->setReconciliation(reconciliation);
    const int suspects = reconciliation ? static_cast<int>(reconciliation->suspects.size()) : 0;
    if (suspects != m_suspects || !reconciliation) {
        m_suspects = suspects;
        Q_EMIT suspectCountChanged(suspects);
    }
}

} // namespace poolscope
