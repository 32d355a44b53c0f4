#include "VerdictPane.h"

#include "VerdictBanner.h"
#include "analysis/Diagnosis.h"

#include <QVBoxLayout>

namespace poolscope {

VerdictPane::VerdictPane(Diagnosis* diagnosis, QWidget* parent)
    : QWidget(parent)
    , m_diagnosis(diagnosis)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_banner = new VerdictBanner(this);
    layout->addWidget(m_banner);
    setSizePolicy(m_banner->sizePolicy());
    if (diagnosis) {
        connect(diagnosis, &Diagnosis::updated, this, [this](int target) {
            if (target == m_target)
                showDiagnosis();
        });
    }
}

VerdictPane::~VerdictPane() = default;

void VerdictPane::setTarget(int targetIndex)
{
    m_target = targetIndex;
    showDiagnosis();
}

void VerdictPane::showDiagnosis()
{
    m_banner->setDiagnosis(m_diagnosis && m_target >= 0 ? &m_diagnosis->target(m_target) : nullptr);
}

QString VerdictPane::verdictLine(int targetIndex) const
{
    return m_diagnosis && targetIndex >= 0 ? m_diagnosis->target(targetIndex).verdict.text() : QString();
}

} // namespace poolscope
