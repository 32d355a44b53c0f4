#include "ExplainPanel.h"

#include "Theme.h"
#include "analysis/AnalysisText.h"
#include "analysis/Suspects.h"
#include "models/SuspectsModel.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

ExplainPanel::ExplainPanel(QWidget* parent)
    : QWidget(parent)
    , m_summary(new QLabel(this))
    , m_confidence(new QLabel(this))
    , m_counts(new QLabel(this))
    , m_model(new SuspectsModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_table(new QTableView(this))
{
    setAccessibleName(tr("Explain"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(4);
    for (QLabel* label : { m_summary, m_confidence, m_counts }) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
        layout->addWidget(label);
    }
    m_summary->setAccessibleName(tr("Reconciliation summary"));
    m_confidence->setAccessibleName(tr("Confidence"));
    m_counts->setAccessibleName(tr("Backends by state"));
    QFont bold = m_summary->font();
    bold.setBold(true);
    m_summary->setFont(bold);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SuspectsModel::SortRole);
    m_table->setAccessibleName(tr("Suspects"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // ranking order until a header is clicked
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    const QFontMetrics fm = m_table->fontMetrics();
    const auto width = [&fm](const QString& sample) { return fm.horizontalAdvance(sample) + 18; };
    m_table->horizontalHeader()->resizeSection(SuspectsModel::Pid, width(u"999999"_s));
    m_table->horizontalHeader()->resizeSection(SuspectsModel::Application, width(u"worker_odds"_s));
    m_table->horizontalHeader()->resizeSection(SuspectsModel::State, width(u"idle in transaction"_s));
    m_table->horizontalHeader()->resizeSection(SuspectsModel::Idle, width(u"59 m 59 s"_s));
    m_table->horizontalHeader()->resizeSection(SuspectsModel::Unchanged, width(u"59 m 59 s (99 polls)"_s));
    m_table->horizontalHeader()->resizeSection(
        SuspectsModel::Holder, width(u"1 m 14 s at demo_service.py:205 in warm_settings_cache()"_s));
    m_table->horizontalHeader()->resizeSection(SuspectsModel::Fingerprint, width(u"SELECT key, value FROM settings"_s));
    layout->addWidget(m_table, 1);

    connect(
        m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
            const int pid = current.data(SuspectsModel::PidRole).toInt();
            if (pid > 0)
                Q_EMIT suspectSelected(pid);
        });
    setReconciliation(nullptr);
}

ExplainPanel::~ExplainPanel() = default;

void ExplainPanel::setReconciliation(const Reconciliation* r)
{
    if (!r) {
        m_summary->setText(tr("No target selected."));
        m_confidence->clear();
        m_counts->clear();
        m_model->setSuspects({});
        return;
    }
    m_summary->setText(r->summary(m_redacted));
    QColor colour;
    switch (r->confidence) {
    case ReconcileConfidence::Exact:
    case ReconcileConfidence::High:
        colour = Theme::stateColor(TargetsModel::StateLevel::Ok);
        break;
    case ReconcileConfidence::Medium:
        colour = Theme::stateColor(TargetsModel::StateLevel::Warning);
        break;
    case ReconcileConfidence::Low:
        colour = Theme::stateColor(TargetsModel::StateLevel::Waiting);
        break;
    }
    m_confidence->setText(
        tr("Confidence: <b style=\"color:%1\">%2</b> — %3")
            .arg(colour.name(), reconcileConfidenceKey(r->confidence), r->confidenceReason.toHtmlEscaped()));
    QStringList parts;
    for (auto it = r->byState.cbegin(); it != r->byState.cend(); ++it)
        parts << u"%1 %2"_s.arg(it.value()).arg(it.key());
    QString counts = u"%1 backends"_s.arg(r->backendCount);
    if (!parts.isEmpty())
        counts += u": "_s + parts.join(u", "_s);
    if (r->thresholdSeconds > 0)
        counts += tr(" · suspect when unchanged ≥ %1").arg(formatDuration(r->thresholdSeconds));
    if (r->explainedByPool > 0)
        counts += tr(" · %1 long-idle are the pool's own idle connections").arg(r->explainedByPool);
    m_counts->setText(counts);
    m_model->setSuspects(r->suspects);
}

void ExplainPanel::setRedacted(bool redacted)
{
    m_redacted = redacted;
    m_model->setRedacted(redacted);
}

QString ExplainPanel::summaryText() const
{
    return m_summary->text();
}

QString ExplainPanel::confidenceText() const
{
    return m_confidence->text();
}

QString ExplainPanel::countsText() const
{
    return m_counts->text();
}

void ExplainPanel::selectSuspect(int row)
{
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (index.isValid())
        m_table->selectionModel()->setCurrentIndex(
            index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

} // namespace poolscope
