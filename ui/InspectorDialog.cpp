#include "InspectorDialog.h"

#include "Theme.h"
#include "workspace/WorkspaceFile.h"

#include "format/Format.h"
#include "jobs/JobTracker.h"
#include "models/PayloadModel.h"
#include "profiles/PayloadInspection.h"
#include "profiles/Profile.h"
#include "sources/Monitor.h"
#include "store/Session.h"
#include "workspace/WorkspaceEdit.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// Values that feed a metric in bold, so they stand out in a large tree.
class MappedBoldDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.data(PayloadModel::MappedRole).toBool())
            option->font.setBold(true);
    }
};

} // namespace

InspectorDialog::InspectorDialog(Monitor* monitor, Session* session, JobTracker* jobs, QWidget* parent)
    : QDialog(parent)
    , m_monitor(monitor)
    , m_session(session)
    , m_jobs(jobs)
    , m_model(new PayloadModel(this))
    , m_target(new QComboBox(this))
    , m_refresh(new QPushButton(tr("Refresh"), this))
    , m_summary(new QLabel(this))
    , m_view(new QTreeView(this))
    , m_fieldKey(new QComboBox(this))
    , m_selected(new QLabel(this))
    , m_use(new QPushButton(tr("Use as"), this))
    , m_message(new QLabel(this))
{
    setWindowTitle(tr("Payload inspector"));
    setAccessibleName(tr("Payload inspector"));
    resize(900, 600);

    m_target->setObjectName(u"InspectorTarget"_s);
    m_target->setAccessibleName(tr("Target"));
    if (session) {
        for (const TargetConfig& t : session->workspace().targets)
            m_target->addItem(t.name);
    }
    m_refresh->setObjectName(u"InspectorRefresh"_s);
    m_refresh->setToolTip(tr("Show the target's newest payload"));
    m_summary->setObjectName(u"InspectorSummary"_s);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_view->setObjectName(u"PayloadTree"_s);
    m_view->setAccessibleName(tr("Payload"));
    m_view->setModel(m_model);
    m_view->setItemDelegate(new MappedBoldDelegate(m_view));
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->header()->setStretchLastSection(true);

    m_fieldKey->setObjectName(u"InspectorFieldKey"_s);
    m_fieldKey->setAccessibleName(tr("Metric"));
    m_fieldKey->addItems(Profile::fieldKeys());
    m_selected->setObjectName(u"InspectorSelected"_s);
    m_selected->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_use->setObjectName(u"InspectorUse"_s);
    m_use->setToolTip(
        tr("Write the selected value's pointer or selector into the target's fields in the workspace file"));
    m_use->setEnabled(false);
    m_message->setObjectName(u"InspectorMessage"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Target:"), this));
    top->addWidget(m_target, 1);
    top->addWidget(m_refresh);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_selected);
    bottom->addWidget(m_use);
    bottom->addWidget(m_fieldKey);
    bottom->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
    layout->addLayout(bottom);
    layout->addWidget(m_message);

    connect(m_target, &QComboBox::currentTextChanged, this, [this] {
        m_selectAfterRefresh.clear();
        refresh();
    });
    connect(m_refresh, &QPushButton::clicked, this, [this] {
        m_selectAfterRefresh = selectedField();
        refresh();
    });
    connect(m_use, &QPushButton::clicked, this, [this] { useSelectedAs(m_fieldKey->currentText()); });
    connect(m_view, &QTreeView::customContextMenuRequested, this, &InspectorDialog::showContextMenu);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, &InspectorDialog::updateSelected);
    connect(m_model, &QAbstractItemModel::modelReset, this, &InspectorDialog::updateSelected);
    updateSelected();
    if (monitor)
        connect(monitor, &Monitor::payloadReceived, this, &InspectorDialog::onPayloadReceived);
    refresh();
}

InspectorDialog::~InspectorDialog() = default;

void InspectorDialog::setTarget(const QString& target)
{
    if (target == m_target->currentText())
        return;
    m_target->setCurrentText(target); // refreshes
}

QString InspectorDialog::target() const
{
    return m_target->currentText();
}

QString InspectorDialog::message() const
{
    return m_message->text();
}

void InspectorDialog::refresh()
{
    m_newPayload = false;
    m_refresh->setText(tr("Refresh"));
    const QString name = target();
    const TargetConfig* config = m_monitor ? m_monitor->targetConfig(name) : nullptr;
    if (!config) {
        m_model->setInspection({});
        m_summary->setText(name.isEmpty() ? tr("No target.") : tr("No source polls \"%1\".").arg(name));
        return;
    }
    const Payload payload = m_monitor->lastPayload(name);
    if (payload.isEmpty()) {
        m_model->setInspection({});
        m_summary->setText(tr("No payload from %1 yet: it is shown when the first poll answers.").arg(name));
        return;
    }
    m_summary->setText(tr("Reading the payload of %1…").arg(name));
    m_jobs->run(
        u"inspect-payload"_s, tr("Reading the payload of %1").arg(name), this,
        [payload, config = *config](JobControl&) { return inspectPayload(payload, config); },
        [this](PayloadInspection inspection) {
            m_model->setInspection(std::move(inspection));
            showInspection();
            Q_EMIT inspectionReady();
        });
}

void InspectorDialog::onPayloadReceived(const QString& target)
{
    if (target != this->target())
        return;
    // The first payload is shown at once; later ones wait for Refresh, so the tree does not move under the user.
    if (m_model->inspection().kind == PayloadInspection::Kind::None) {
        refresh();
    } else if (!m_newPayload) {
        m_newPayload = true;
        m_refresh->setText(tr("Refresh (newer payload)"));
    }
}

void InspectorDialog::showInspection()
{
    const PayloadInspection& inspection = m_model->inspection();
    const bool exposition = inspection.kind == PayloadInspection::Kind::Exposition;
    QString text = u"%1, %2, received %3: %4 %5, %6 feeding a metric."_s.arg(
        exposition ? tr("Prometheus text") : u"JSON"_s, formatByteSize(inspection.bytes),
        QDateTime::fromMSecsSinceEpoch(inspection.receivedMs).toString(u"HH:mm:ss"_s),
        QString::number(exposition ? inspection.roots.size() : inspection.entries.size()),
        exposition ? u"series"_s : u"values"_s, QString::number(inspection.mappedCount));
    if (!inspection.error.isEmpty())
        text += u"\n"_s % inspection.error;
    if (!inspection.mappingError.isEmpty())
        text += u"\nMapping: "_s % inspection.mappingError;
    m_summary->setText(text);

    m_view->setRootIsDecorated(!exposition); // series are a flat list
    if (!exposition) {
        // Open the branches down to each mapped value; a large tree stays folded otherwise.
        for (qsizetype i = 0; i < inspection.entries.size(); ++i) {
            if (inspection.entries.at(i).feeds.isEmpty())
                continue;
            QModelIndex at = m_model->parent(m_model->indexOfEntry(i));
            for (; at.isValid(); at = at.parent())
                m_view->expand(at);
        }
        if (inspection.entries.size() <= 200)
            m_view->expandAll();
    }
    // Once the tree is laid out with its expanded branches.
    QTimer::singleShot(0, this, [this] {
        for (const int column : { PayloadModel::Key, PayloadModel::Value }) {
            m_view->resizeColumnToContents(column);
            m_view->setColumnWidth(column, m_view->columnWidth(column) + 2 * fontMetrics().averageCharWidth());
        }
    });
    if (!m_selectAfterRefresh.isEmpty()) {
        const QModelIndex index = m_model->indexOfField(m_selectAfterRefresh);
        if (index.isValid()) {
            m_view->setCurrentIndex(index);
            m_view->scrollTo(index);
        }
    }
}

void InspectorDialog::updateSelected()
{
    const QString field = selectedField();
    m_use->setEnabled(!field.isNull());
    m_selected->setText(field.isNull() ? tr("Select a value, then")
                                       : tr("Selected: %1 —").arg(field.isEmpty() ? tr("(the whole payload)") : field));
}

QString InspectorDialog::selectedField() const
{
    const QModelIndex current = m_view->currentIndex();
    return current.isValid() ? current.data(PayloadModel::FieldRole).toString() : QString();
}

void InspectorDialog::showMessage(const QString& text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? u"color: %1;"_s.arg(Theme::errorColor().name()) : QString());
}

bool InspectorDialog::useSelectedAs(const QString& key)
{
    const QString field = selectedField();
    if (field.isNull()) {
        showMessage(tr("Select a value first."), true);
        return false;
    }
    if (!m_session || !m_monitor)
        return false;
    const QString path = m_session->workspace().path;
    if (path.isEmpty()) {
        const QString text
            = u"Not saved: these targets come from command-line flags, not a workspace file. Put them "
              "in a workspace file (see the README) and add \"fields\": {\"%1\": \"%2\"} to the target."_s.arg(
                  key, field);
        showMessage(text, true);
        Q_EMIT fieldWritten(false, text);
        return false;
    }
    const QString name = target();
    m_fieldKey->setCurrentText(key);
    m_use->setEnabled(false);
    showMessage(tr("Saving %1 = %2 to %3…").arg(key, field, path), false);
    m_jobs->run(
        u"write-field:"_s + path, tr("Saving the workspace"), this,
        [path, name, key, field](JobControl&) { return writeTargetField(path, name, key, field); },
        [this, path, name, key, field](WorkspaceResult result) {
            updateSelected();
            if (!result.ok()) {
                const QString text = tr("Not saved: ") % result.errors.join(u"; "_s);
                showMessage(text, true);
                Q_EMIT fieldWritten(false, text);
                return;
            }
            if (const TargetConfig* config = result.workspace->target(name); config && m_monitor)
                m_monitor->reconfigureTarget(*config);
            const QString text = tr("Saved to %1: %2 of %3 is read from %4; the monitor polls with it from now on.")
                                     .arg(path, key, name, field);
            showMessage(text, false);
            m_selectAfterRefresh = field;
            Q_EMIT fieldWritten(true, text);
        });
    return true;
}

void InspectorDialog::showContextMenu(const QPoint& position)
{
    const QModelIndex index = m_view->indexAt(position);
    if (!index.isValid())
        return;
    m_view->setCurrentIndex(index);
    QMenu menu(this);
    for (int i = 0; i < kMetricCount; ++i) {
        const QString key = metricKey(static_cast<Metric>(i));
        menu.addAction(tr("Use as %1").arg(key), this, [this, key] { useSelectedAs(key); });
    }
    menu.exec(m_view->viewport()->mapToGlobal(position));
}

} // namespace poolscope
