#include "ThresholdsDialog.h"

#include "Theme.h"
#include "store/Session.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

ThresholdsDialog::ThresholdsDialog(Session* session, QWidget* parent)
    : QDialog(parent)
    , m_session(session)
    , m_warning(new QDoubleSpinBox(this))
    , m_critical(new QDoubleSpinBox(this))
    , m_growth(new QDoubleSpinBox(this))
    , m_error(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Thresholds"));
    setAccessibleName(tr("Thresholds"));
    for (QDoubleSpinBox* box : { m_warning, m_critical }) {
        box->setRange(0, 100000);
        box->setDecimals(0);
        box->setSuffix(tr(" connections"));
    }
    m_growth->setRange(0, 100000);
    m_growth->setDecimals(1);
    m_growth->setSingleStep(0.5);
    m_growth->setSuffix(tr(" per hour"));
    m_warning->setAccessibleName(tr("Discrepancy warning"));
    m_critical->setAccessibleName(tr("Discrepancy critical"));
    m_growth->setAccessibleName(tr("Growth warning per hour"));

    auto* form = new QFormLayout;
    form->addRow(tr("Discrepancy &warning at"), m_warning);
    form->addRow(tr("Discrepancy &critical at"), m_critical);
    form->addRow(tr("&Growth warning above"), m_growth);
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("A target turns warning or critical when its discrepancy (checked out − tracked) "
                                "reaches these levels, or when it keeps growing faster than the growth threshold."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    layout->addLayout(form);
    m_error->setStyleSheet(u"QLabel { color: %1; }"_s.arg(Theme::errorColor().name()));
    m_error->setAccessibleName(tr("Thresholds error"));
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &ThresholdsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ThresholdsDialog::reject);
    for (QDoubleSpinBox* box : { m_warning, m_critical, m_growth })
        connect(box, &QDoubleSpinBox::valueChanged, this, &ThresholdsDialog::validate);
    setThresholds(session ? session->workspace().thresholds : Thresholds {});
}

ThresholdsDialog::~ThresholdsDialog() = default;

Thresholds ThresholdsDialog::thresholds() const
{
    Thresholds t;
    t.discrepancyWarning = m_warning->value();
    t.discrepancyCritical = m_critical->value();
    t.growthWarningPerHour = m_growth->value();
    return t;
}

void ThresholdsDialog::setThresholds(const Thresholds& thresholds)
{
    m_warning->setValue(thresholds.discrepancyWarning);
    m_critical->setValue(thresholds.discrepancyCritical);
    m_growth->setValue(thresholds.growthWarningPerHour);
    validate();
}

QString ThresholdsDialog::validationError() const
{
    if (m_critical->value() < m_warning->value())
        return tr("thresholds.discrepancyCritical (%1) must be at least thresholds.discrepancyWarning (%2)")
            .arg(m_critical->value())
            .arg(m_warning->value());
    return {};
}

void ThresholdsDialog::validate()
{
    const QString error = validationError();
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty());
}

bool ThresholdsDialog::apply()
{
    if (!validationError().isEmpty() || !m_session)
        return false;
    m_session->setThresholds(thresholds());
    return true;
}

void ThresholdsDialog::accept()
{
    if (apply())
        QDialog::accept();
}

} // namespace poolscope
