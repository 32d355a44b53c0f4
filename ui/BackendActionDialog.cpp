#include "BackendActionDialog.h"

#include "format/Format.h"
#include "types/ActivitySnapshot.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

QString age(qint64 nowMs, qint64 sinceMs)
{
    return nowMs == kNoTime || sinceMs == kNoTime ? unknownText() : formatDurationMs(nowMs - sinceMs);
}

} // namespace

BackendActionDialog::BackendActionDialog(
    BackendActions::Kind kind, const QString& database, const Backend& backend, qint64 nowMs, QWidget* parent)
    : QDialog(parent)
    , m_kind(kind)
    , m_database(database)
    , m_pid(backend.pid)
{
    const QString title = BackendActions::title(kind);
    setWindowTitle(tr("%1?").arg(title));
    setAccessibleName(title);
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(kind == BackendActions::Kind::Cancel
            ? tr("Cancel the statement this backend is running? Its client gets an error; the connection stays.")
            : tr("Terminate this backend? Its client loses the connection and any open transaction is rolled "
                 "back."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* form = new QFormLayout;
    const auto add = [this, form](const QString& label, const QString& value) {
        auto* field = new QLabel(value.isEmpty() ? unknownText() : value, this);
        field->setTextInteractionFlags(Qt::TextSelectableByMouse);
        form->addRow(label, field);
    };
    add(tr("Database"), database);
    add(tr("PID"), QString::number(backend.pid));
    add(tr("Application"), backend.applicationName);
    add(tr("User"), backend.usename);
    add(tr("State"), backend.state);
    add(tr("In this state for"), age(nowMs, backend.stateChangeMs));
    add(tr("Transaction age"), age(nowMs, backend.xactStartMs));
    add(tr("Connection age"), age(nowMs, backend.backendStartMs));
    layout->addLayout(form);

    m_query = new QPlainTextEdit(backend.withheld ? tr("<insufficient privilege>") : backend.query, this);
    m_query->setReadOnly(true);
    m_query->setAccessibleName(tr("Query"));
    m_query->setMaximumHeight(m_query->fontMetrics().lineSpacing() * 8);
    layout->addWidget(new QLabel(tr("Query"), this));
    layout->addWidget(m_query);

    auto* buttons = new QDialogButtonBox(this);
    m_confirm = buttons->addButton(title, QDialogButtonBox::AcceptRole);
    m_confirm->setObjectName(u"ConfirmButton"_s);
    QPushButton* keep = buttons->addButton(QDialogButtonBox::Cancel);
    keep->setText(tr("Leave it"));
    // The safe choice is the default: Enter does not kill anything.
    m_confirm->setAutoDefault(false);
    keep->setDefault(true);
    keep->setFocus();
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    QStringList lines { intro->text() };
    for (int row = 0; row < form->rowCount(); ++row) {
        const auto* label = qobject_cast<QLabel*>(form->itemAt(row, QFormLayout::LabelRole)->widget());
        const auto* value = qobject_cast<QLabel*>(form->itemAt(row, QFormLayout::FieldRole)->widget());
        if (label && value)
            lines.append(label->text() + u": "_s + value->text());
    }
    lines.append(tr("Query: %1").arg(m_query->toPlainText()));
    m_summary = lines.join(u'\n');
}

BackendActionDialog::~BackendActionDialog() = default;

} // namespace poolscope
