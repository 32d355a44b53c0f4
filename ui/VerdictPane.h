#pragma once

#include <QPointer>
#include <QWidget>

namespace poolscope {

class Diagnosis;
class VerdictBanner;

// The selected target's verdict (VerdictBanner), kept up to date from the Diagnosis.
class VerdictPane : public QWidget
{
    Q_OBJECT
public:
    explicit VerdictPane(Diagnosis* diagnosis, QWidget* parent = nullptr);
    ~VerdictPane() override;

    void setTarget(int targetIndex);
    VerdictBanner* banner() const { return m_banner; }
    // The verdict sentence of a target ("web: stable at 5 ..."); empty without a diagnosis.
    QString verdictLine(int targetIndex) const;

private:
    void showDiagnosis();

    QPointer<Diagnosis> m_diagnosis;
    int m_target = -1;
    VerdictBanner* m_banner = nullptr;
};

} // namespace poolscope
