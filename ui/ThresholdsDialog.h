#pragma once

#include "types/Workspace.h"

#include <QDialog>
#include <QPointer>

class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;

namespace poolscope {

class Session;

// Edits the workspace thresholds (discrepancy warning and critical, growth per hour) and applies them
// to the Session on OK. Critical must be at least warning: OK stays disabled, with the reason shown,
// until it is.
class ThresholdsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ThresholdsDialog(Session* session, QWidget* parent = nullptr);
    ~ThresholdsDialog() override;

    Thresholds thresholds() const;
    void setThresholds(const Thresholds& thresholds);
    // Empty when valid, else why not.
    QString validationError() const;
    bool apply();

    QDoubleSpinBox* warningBox() const { return m_warning; }
    QDoubleSpinBox* criticalBox() const { return m_critical; }
    QDoubleSpinBox* growthBox() const { return m_growth; }
    QDialogButtonBox* buttons() const { return m_buttons; }

    void accept() override;

private:
    void validate();

    QPointer<Session> m_session;
    QDoubleSpinBox* m_warning = nullptr;
    QDoubleSpinBox* m_critical = nullptr;
    QDoubleSpinBox* m_growth = nullptr;
    QLabel* m_error = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace poolscope
