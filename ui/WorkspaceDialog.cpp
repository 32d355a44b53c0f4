#include "WorkspaceDialog.h"

#include "Theme.h"
#include "jobs/JobTracker.h"
#include "models/PayloadModel.h"
#include "profiles/PayloadInspection.h"
#include "profiles/Profile.h"
#include "sources/TrialPoll.h"
#include "workspace/WorkspaceFile.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QStackedWidget>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

constexpr int kEmptyPage = 0;
constexpr int kTargetPage = 1;
constexpr int kDatabasePage = 2;

// "Name: value" per line, sorted by name (headers, fields).
QString mapText(const QHash<QString, QString>& map)
{
    QStringList keys = map.keys();
    keys.sort();
    QStringList lines;
    for (const QString& key : std::as_const(keys))
        lines.append(key + u": "_s + map.value(key));
    return lines.join(u'\n');
}

// The lines back; a line without ':' is reported (the place and the line) in *error.
QHash<QString, QString> parseMap(const QString& text, const QString& place, QString* error)
{
    QHash<QString, QString> map;
    const QStringList lines = text.split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(u':');
        if (colon <= 0) {
            if (error->isEmpty())
                *error = u"%1: line %2 is not \"name: value\""_s.arg(place).arg(i + 1);
            continue;
        }
        map.insert(line.left(colon).trimmed(), line.mid(colon + 1).trimmed());
    }
    return map;
}

QString entryText(const QString& name, const QString& detail)
{
    return (name.isEmpty() ? WorkspaceDialog::tr("(no name)") : name) + u"  —  "_s + detail;
}

QDoubleSpinBox* secondsBox(double max, QWidget* parent)
{
    auto* box = new QDoubleSpinBox(parent);
    box->setRange(0.1, max);
    box->setDecimals(1);
    box->setSingleStep(0.5);
    box->setSuffix(u" s"_s);
    return box;
}

} // namespace

WorkspaceDialog::WorkspaceDialog(const Workspace& workspace, QWidget* parent)
    : QDialog(parent)
    , m_workspace(workspace)
    , m_targets(new QListWidget(this))
    , m_databases(new QListWidget(this))
    , m_duplicate(new QPushButton(tr("Dupli&cate"), this))
    , m_remove(new QPushButton(tr("&Remove"), this))
    , m_forms(new QStackedWidget(this))
    , m_test(new QPushButton(tr("&Test"), this))
    , m_testSummary(new QLabel(this))
    , m_testView(new QTreeView(this))
    , m_testModel(new PayloadModel(this))
    , m_general(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this))
    , m_trial(new TrialPoll(this))
    , m_jobs(new JobTracker(this))
{
    setWindowTitle(tr("Edit workspace"));
    setAccessibleName(tr("Edit workspace"));
    resize(1040, 680);

    m_targets->setObjectName(u"WorkspaceTargets"_s);
    m_targets->setAccessibleName(tr("Targets"));
    m_databases->setObjectName(u"WorkspaceDatabases"_s);
    m_databases->setAccessibleName(tr("Databases"));
    auto* addTargetButton = new QPushButton(tr("Add tar&get"), this);
    addTargetButton->setObjectName(u"AddTarget"_s);
    addTargetButton->setToolTip(tr("A process that owns a pool and serves a health endpoint"));
    auto* addDatabaseButton = new QPushButton(tr("Add data&base"), this);
    addDatabaseButton->setObjectName(u"AddDatabase"_s);
    addDatabaseButton->setToolTip(tr("A PostgreSQL database whose pg_stat_activity is read"));
    m_duplicate->setObjectName(u"DuplicateEntry"_s);
    m_remove->setObjectName(u"RemoveEntry"_s);

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("<b>Targets</b> (health endpoints)"), left));
    leftLayout->addWidget(m_targets, 3);
    leftLayout->addWidget(new QLabel(tr("<b>Databases</b> (pg_stat_activity)"), left));
    leftLayout->addWidget(m_databases, 2);
    auto* entryButtons = new QGridLayout;
    entryButtons->addWidget(addTargetButton, 0, 0);
    entryButtons->addWidget(addDatabaseButton, 0, 1);
    entryButtons->addWidget(m_duplicate, 1, 0);
    entryButtons->addWidget(m_remove, 1, 1);
    leftLayout->addLayout(entryButtons);

    auto* empty = new QLabel(tr("Add a target or a database, or select one to edit it."), m_forms);
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    m_forms->addWidget(empty);
    m_forms->addWidget(buildTargetForm());
    m_forms->addWidget(buildDatabaseForm());

    m_test->setObjectName(u"TestEntry"_s);
    m_test->setToolTip(tr("Poll the target once (or read the database once) with these settings"));
    m_testSummary->setObjectName(u"TestSummary"_s);
    m_testSummary->setWordWrap(true);
    m_testSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_testView->setObjectName(u"TestPayload"_s);
    m_testView->setAccessibleName(tr("Test payload"));
    m_testView->setModel(m_testModel);
    m_testView->setUniformRowHeights(true);
    m_testView->setAlternatingRowColors(true);
    m_testView->header()->setStretchLastSection(true);
    m_testView->setVisible(false);

    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_forms);
    auto* testRow = new QHBoxLayout;
    testRow->addWidget(m_test);
    testRow->addWidget(m_testSummary, 1);
    rightLayout->addLayout(testRow);
    rightLayout->addWidget(m_testView, 1);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(u"WorkspaceDialogSplitter"_s);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({ 320, 720 });

    m_general->setObjectName(u"WorkspaceProblems"_s);
    m_general->setWordWrap(true);
    m_general->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_general->setStyleSheet(u"QLabel { color: %1; }"_s.arg(Theme::errorColor().name()));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_general);
    layout->addWidget(m_buttons);

    connect(addTargetButton, &QPushButton::clicked, this, &WorkspaceDialog::addTarget);
    connect(addDatabaseButton, &QPushButton::clicked, this, &WorkspaceDialog::addDatabase);
    connect(m_duplicate, &QPushButton::clicked, this, &WorkspaceDialog::duplicateSelected);
    connect(m_remove, &QPushButton::clicked, this, &WorkspaceDialog::removeSelected);
    connect(m_test, &QPushButton::clicked, this, &WorkspaceDialog::testSelected);
    connect(m_targets, &QListWidget::currentRowChanged, this, [this](int row) {
        if (!m_filling && row >= 0)
            select(Kind::Target, row);
    });
    connect(m_databases, &QListWidget::currentRowChanged, this, [this](int row) {
        if (!m_filling && row >= 0)
            select(Kind::Database, row);
    });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &WorkspaceDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &WorkspaceDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &WorkspaceDialog::apply);
    connect(m_trial, &TrialPoll::targetPolled, this, &WorkspaceDialog::onTargetPolled);
    connect(m_trial, &TrialPoll::databaseRead, this, &WorkspaceDialog::onDatabaseRead);

    fillLists();
    if (!m_workspace.targets.isEmpty())
        select(Kind::Target, 0);
    else if (!m_workspace.databases.isEmpty())
        select(Kind::Database, 0);
    else
        select(Kind::None, -1);
}

WorkspaceDialog::~WorkspaceDialog() = default;

void WorkspaceDialog::addRow(QFormLayout* form, const QString& field, const QString& label, QWidget* editor)
{
    auto* error = new QLabel(form->parentWidget());
    error->setObjectName(u"Error_"_s + field);
    error->setWordWrap(true);
    error->setStyleSheet(u"QLabel { color: %1; }"_s.arg(Theme::errorColor().name()));
    error->setVisible(false);
    editor->setObjectName(u"Edit_"_s + field);
    auto* cell = new QWidget(form->parentWidget());
    auto* cellLayout = new QVBoxLayout(cell);
    cellLayout->setContentsMargins(0, 0, 0, 0);
    cellLayout->setSpacing(2);
    cellLayout->addWidget(editor);
    cellLayout->addWidget(error);
    auto* caption = new QLabel(label, form->parentWidget());
    caption->setBuddy(editor); // Alt+<mnemonic> goes to the editor, not its cell
    form->addRow(caption, cell);
    const bool target = form->parentWidget()->objectName() == u"TargetForm"_s;
    (target ? m_targetRows : m_databaseRows).insert(field, { editor, error });

    if (auto* line = qobject_cast<QLineEdit*>(editor))
        connect(line, &QLineEdit::textChanged, this, &WorkspaceDialog::readForm);
    else if (auto* text = qobject_cast<QPlainTextEdit*>(editor))
        connect(text, &QPlainTextEdit::textChanged, this, &WorkspaceDialog::readForm);
    else if (auto* combo = qobject_cast<QComboBox*>(editor))
        connect(combo, &QComboBox::currentTextChanged, this, &WorkspaceDialog::readForm);
    else if (auto* spin = qobject_cast<QDoubleSpinBox*>(editor))
        connect(spin, &QDoubleSpinBox::valueChanged, this, &WorkspaceDialog::readForm);
}

QWidget* WorkspaceDialog::buildTargetForm()
{
    auto* page = new QWidget(m_forms);
    page->setObjectName(u"TargetForm"_s);
    auto* form = new QFormLayout(page);
    auto* name = new QLineEdit(page);
    name->setToolTip(tr("The target's name in the window, the recording and alerts"));
    addRow(form, u"name"_s, tr("&Name"), name);
    auto* url = new QLineEdit(page);
    url->setPlaceholderText(tr("http://127.0.0.1:8000/health/detailed"));
    url->setToolTip(tr("The health endpoint: JSON or Prometheus text / OpenMetrics"));
    addRow(form, u"url"_s, tr("&URL"), url);
    auto* holdersUrl = new QLineEdit(page);
    holdersUrl->setPlaceholderText(tr("optional: http://127.0.0.1:8000/debug/holders"));
    holdersUrl->setToolTip(tr("Where the app serves its holders (README \"Holders\"), fetched after the URL with the "
                              "same headers; its holders replace any in the health payload"));
    addRow(form, u"holders_url"_s, tr("Hol&ders URL"), holdersUrl);
    auto* profile = new QComboBox(page);
    profile->addItems(Profile::builtinNames());
    profile->setToolTip(tr("How the payload maps onto metrics; auto recognises the built-in shapes"));
    addRow(form, u"profile"_s, tr("&Profile"), profile);
    addRow(form, u"interval"_s, tr("&Interval"), secondsBox(3600, page));
    addRow(form, u"timeout"_s, tr("Ti&meout"), secondsBox(300, page));
    auto* application = new QLineEdit(page);
    application->setPlaceholderText(tr("the target's name"));
    application->setToolTip(tr("pg_stat_activity.application_name of this process's connections"));
    addRow(form, u"application_name"_s, tr("&Application name"), application);
    auto* database = new QComboBox(page);
    database->setEditable(true);
    database->lineEdit()->setPlaceholderText(tr("the only database, when there is one"));
    database->setToolTip(tr("The databases entry whose backends belong to this target (empty: the only one)"));
    addRow(form, u"database"_s, tr("&Database"), database);
    auto* pool = new QLineEdit(page);
    pool->setToolTip(tr("The pool label's value when a Prometheus payload exposes several pools"));
    addRow(form, u"pool"_s, tr("P&ool"), pool);
    auto* headers = new QPlainTextEdit(page);
    headers->setPlaceholderText(tr("Authorization: Bearer ${env:TOKEN}"));
    headers->setToolTip(tr("One \"Name: value\" per line. Secrets only as ${env:NAME}: the file never holds them"));
    headers->setTabChangesFocus(true);
    headers->setFixedHeight(56);
    addRow(form, u"headers"_s, tr("&Headers"), headers);
    auto* fields = new QPlainTextEdit(page);
    fields->setPlaceholderText(tr("tracked: /app/sessions_open"));
    fields->setToolTip(tr("One \"metric: JSON Pointer or series selector\" per line (the inspector writes these)"));
    fields->setTabChangesFocus(true);
    fields->setFixedHeight(56);
    addRow(form, u"fields"_s, tr("&Fields"), fields);
    return page;
}

QWidget* WorkspaceDialog::buildDatabaseForm()
{
    auto* page = new QWidget(m_forms);
    page->setObjectName(u"DatabaseForm"_s);
    auto* form = new QFormLayout(page);
    addRow(form, u"name"_s, tr("&Name"), new QLineEdit(page));
    auto* conninfo = new QLineEdit(page);
    conninfo->setPlaceholderText(tr("host=db.internal dbname=app user=${env:PGUSER}"));
    conninfo->setToolTip(tr("A libpq connection string, URI or service=NAME. Passwords come from ~/.pgpass, a "
                            "service file or PGPASSWORD, never from the workspace"));
    addRow(form, u"conninfo"_s, tr("C&onninfo"), conninfo);
    addRow(form, u"interval"_s, tr("&Interval"), secondsBox(3600, page));
    addRow(form, u"timeout"_s, tr("Ti&meout"), secondsBox(300, page));
    return page;
}

QWidget* WorkspaceDialog::editor(const QString& field) const
{
    if (m_kind == Kind::Target)
        return m_targetRows.value(field).editor;
    if (m_kind == Kind::Database)
        return m_databaseRows.value(field).editor;
    return nullptr;
}

QString WorkspaceDialog::fieldError(const QString& field) const
{
    const auto& rows = m_kind == Kind::Target ? m_targetRows : m_databaseRows;
    const FieldRow row = rows.value(field);
    return row.error && !row.error->isHidden() ? row.error->text() : QString();
}

void WorkspaceDialog::fillLists()
{
    m_filling = true;
    m_targets->clear();
    for (const TargetConfig& t : std::as_const(m_workspace.targets))
        m_targets->addItem(entryText(t.name, t.url));
    m_databases->clear();
    for (const DatabaseConfig& d : std::as_const(m_workspace.databases))
        m_databases->addItem(entryText(d.name, d.conninfo));
    m_filling = false;
}

void WorkspaceDialog::select(Kind kind, int index)
{
    const int count = kind == Kind::Target ? static_cast<int>(m_workspace.targets.size())
        : kind == Kind::Database           ? static_cast<int>(m_workspace.databases.size())
                                           : 0;
    if (index < 0 || index >= count)
        kind = Kind::None;
    m_kind = kind;
    m_index = kind == Kind::None ? -1 : index;
    m_filling = true;
    m_targets->setCurrentRow(kind == Kind::Target ? index : -1);
    m_databases->setCurrentRow(kind == Kind::Database ? index : -1);
    m_filling = false;
    m_trial->cancel();
    m_testSummary->clear();
    m_testModel->setInspection({});
    m_testView->setVisible(false);
    showSelected();
    validate();
}

void WorkspaceDialog::showSelected()
{
    m_filling = true;
    m_headersError.clear();
    if (m_kind == Kind::Target) {
        const TargetConfig& t = m_workspace.targets.at(m_index);
        m_forms->setCurrentIndex(kTargetPage);
        qobject_cast<QLineEdit*>(editor(u"name"_s))->setText(t.name);
        qobject_cast<QLineEdit*>(editor(u"url"_s))->setText(t.url);
        qobject_cast<QLineEdit*>(editor(u"holders_url"_s))->setText(t.holdersUrl);
        auto* profile = qobject_cast<QComboBox*>(editor(u"profile"_s));
        if (profile->findText(t.profile) < 0)
            profile->addItem(t.profile); // unknown: shown, and the loader's message says so
        profile->setCurrentText(t.profile);
        qobject_cast<QDoubleSpinBox*>(editor(u"interval"_s))->setValue(t.intervalMs / 1000.0);
        qobject_cast<QDoubleSpinBox*>(editor(u"timeout"_s))->setValue(t.timeoutMs / 1000.0);
        qobject_cast<QLineEdit*>(editor(u"application_name"_s))->setText(t.applicationName);
        auto* database = qobject_cast<QComboBox*>(editor(u"database"_s));
        database->clear();
        database->addItem(QString());
        for (const DatabaseConfig& d : std::as_const(m_workspace.databases))
            database->addItem(d.name);
        database->setCurrentText(t.database);
        qobject_cast<QLineEdit*>(editor(u"pool"_s))->setText(t.pool);
        qobject_cast<QPlainTextEdit*>(editor(u"headers"_s))->setPlainText(mapText(t.headers));
        qobject_cast<QPlainTextEdit*>(editor(u"fields"_s))->setPlainText(mapText(t.fields));
    } else if (m_kind == Kind::Database) {
        const DatabaseConfig& d = m_workspace.databases.at(m_index);
        m_forms->setCurrentIndex(kDatabasePage);
        qobject_cast<QLineEdit*>(editor(u"name"_s))->setText(d.name);
        qobject_cast<QLineEdit*>(editor(u"conninfo"_s))->setText(d.conninfo);
        qobject_cast<QDoubleSpinBox*>(editor(u"interval"_s))->setValue(d.intervalMs / 1000.0);
        qobject_cast<QDoubleSpinBox*>(editor(u"timeout"_s))->setValue(d.timeoutMs / 1000.0);
    } else {
        m_forms->setCurrentIndex(kEmptyPage);
    }
    m_duplicate->setEnabled(m_kind != Kind::None);
    m_remove->setEnabled(m_kind != Kind::None);
    m_test->setEnabled(m_kind != Kind::None);
    m_filling = false;
}

void WorkspaceDialog::readForm()
{
    if (m_filling || m_kind == Kind::None)
        return;
    m_headersError.clear();
    if (m_kind == Kind::Target) {
        TargetConfig& t = m_workspace.targets[m_index];
        const QString place = u"targets[%1]."_s.arg(m_index);
        t.name = qobject_cast<QLineEdit*>(editor(u"name"_s))->text();
        t.url = qobject_cast<QLineEdit*>(editor(u"url"_s))->text().trimmed();
        t.holdersUrl = qobject_cast<QLineEdit*>(editor(u"holders_url"_s))->text().trimmed();
        t.profile = qobject_cast<QComboBox*>(editor(u"profile"_s))->currentText();
        t.intervalMs = qRound(qobject_cast<QDoubleSpinBox*>(editor(u"interval"_s))->value() * 1000);
        t.timeoutMs = qRound(qobject_cast<QDoubleSpinBox*>(editor(u"timeout"_s))->value() * 1000);
        t.applicationName = qobject_cast<QLineEdit*>(editor(u"application_name"_s))->text();
        t.database = qobject_cast<QComboBox*>(editor(u"database"_s))->currentText();
        t.pool = qobject_cast<QLineEdit*>(editor(u"pool"_s))->text();
        t.headers = parseMap(
            qobject_cast<QPlainTextEdit*>(editor(u"headers"_s))->toPlainText(), place + u"headers"_s, &m_headersError);
        t.fields = parseMap(
            qobject_cast<QPlainTextEdit*>(editor(u"fields"_s))->toPlainText(), place + u"fields"_s, &m_headersError);
        m_targets->item(m_index)->setText(entryText(t.name, t.url));
    } else {
        DatabaseConfig& d = m_workspace.databases[m_index];
        d.name = qobject_cast<QLineEdit*>(editor(u"name"_s))->text();
        d.conninfo = qobject_cast<QLineEdit*>(editor(u"conninfo"_s))->text().trimmed();
        d.intervalMs = qRound(qobject_cast<QDoubleSpinBox*>(editor(u"interval"_s))->value() * 1000);
        d.timeoutMs = qRound(qobject_cast<QDoubleSpinBox*>(editor(u"timeout"_s))->value() * 1000);
        m_databases->item(m_index)->setText(entryText(d.name, d.conninfo));
    }
    validate();
}

void WorkspaceDialog::validate()
{
    // Exactly the loader's checks: the workspace as its file would be written, read back.
    const WorkspaceResult reread = parseWorkspace(workspaceToJson(m_workspace), {});
    m_problems = reread.errors;
    for (const QString& secret : literalSecrets(m_workspace)) {
        if (!m_problems.contains(secret))
            m_problems.append(secret);
    }
    if (!m_headersError.isEmpty())
        m_problems.prepend(m_headersError);

    for (const auto* rows : { &m_targetRows, &m_databaseRows }) {
        for (const FieldRow& row : *rows) {
            row.error->clear();
            row.error->setVisible(false);
        }
    }
    auto markItems = [](QListWidget* list) {
        for (int i = 0; i < list->count(); ++i) {
            list->item(i)->setForeground(QBrush());
            list->item(i)->setToolTip(QString());
        }
    };
    markItems(m_targets);
    markItems(m_databases);

    static const QRegularExpression place(u"^(targets|databases)\\[(\\d+)\\]\\.([A-Za-z_]+)"_s);
    QStringList general;
    for (const QString& problem : std::as_const(m_problems)) {
        const QRegularExpressionMatch match = place.match(problem);
        if (!match.hasMatch()) {
            general.append(problem);
            continue;
        }
        const bool target = match.captured(1) == u"targets"_s;
        const int index = match.captured(2).toInt();
        QListWidget* list = target ? m_targets : m_databases;
        if (QListWidgetItem* item = list->item(index)) {
            item->setForeground(Theme::errorColor());
            item->setToolTip(item->toolTip().isEmpty() ? problem : item->toolTip() + u'\n' + problem);
        }
        const bool shownHere = (target ? m_kind == Kind::Target : m_kind == Kind::Database) && index == m_index;
        const FieldRow row = (target ? m_targetRows : m_databaseRows).value(match.captured(3));
        if (shownHere && row.error) {
            row.error->setText(row.error->text().isEmpty() ? problem : row.error->text() + u'\n' + problem);
            row.error->setVisible(true);
        } else {
            general.append(problem);
        }
    }
    m_general->setText(general.join(u'\n'));
    m_general->setVisible(!general.isEmpty());
    const bool ok = m_problems.isEmpty();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(ok);
}

void WorkspaceDialog::addTarget()
{
    TargetConfig t;
    QStringList names;
    for (const TargetConfig& other : std::as_const(m_workspace.targets))
        names.append(other.name);
    t.name = u"target"_s;
    for (int n = 2; names.contains(t.name); ++n)
        t.name = u"target%1"_s.arg(n);
    m_workspace.targets.append(t);
    fillLists();
    select(Kind::Target, static_cast<int>(m_workspace.targets.size()) - 1);
    editor(u"url"_s)->setFocus();
}

void WorkspaceDialog::addDatabase()
{
    DatabaseConfig d;
    QStringList names;
    for (const DatabaseConfig& other : std::as_const(m_workspace.databases))
        names.append(other.name);
    d.name = u"database"_s;
    for (int n = 2; names.contains(d.name); ++n)
        d.name = u"database%1"_s.arg(n);
    m_workspace.databases.append(d);
    fillLists();
    select(Kind::Database, static_cast<int>(m_workspace.databases.size()) - 1);
    editor(u"conninfo"_s)->setFocus();
}

void WorkspaceDialog::duplicateSelected()
{
    if (m_kind == Kind::Target) {
        TargetConfig copy = m_workspace.targets.at(m_index);
        const QString base = copy.name + u" copy"_s;
        copy.name = base;
        for (int n = 2; std::any_of(m_workspace.targets.cbegin(), m_workspace.targets.cend(),
                 [&copy](const TargetConfig& t) { return t.name == copy.name; });
             ++n)
            copy.name = base + u' ' + QString::number(n);
        if (copy.applicationName == m_workspace.targets.at(m_index).name)
            copy.applicationName.clear(); // the default follows the new name
        m_workspace.targets.insert(m_index + 1, copy);
        fillLists();
        select(Kind::Target, m_index + 1);
    } else if (m_kind == Kind::Database) {
        DatabaseConfig copy = m_workspace.databases.at(m_index);
        const QString base = copy.name + u" copy"_s;
        copy.name = base;
        for (int n = 2; std::any_of(m_workspace.databases.cbegin(), m_workspace.databases.cend(),
                 [&copy](const DatabaseConfig& d) { return d.name == copy.name; });
             ++n)
            copy.name = base + u' ' + QString::number(n);
        m_workspace.databases.insert(m_index + 1, copy);
        fillLists();
        select(Kind::Database, m_index + 1);
    }
}

void WorkspaceDialog::removeSelected()
{
    if (m_kind == Kind::Target) {
        m_workspace.targets.removeAt(m_index);
        fillLists();
        select(Kind::Target, std::min(m_index, static_cast<int>(m_workspace.targets.size()) - 1));
    } else if (m_kind == Kind::Database) {
        m_workspace.databases.removeAt(m_index);
        fillLists();
        select(Kind::Database, std::min(m_index, static_cast<int>(m_workspace.databases.size()) - 1));
    }
}

void WorkspaceDialog::testSelected()
{
    m_testModel->setInspection({});
    m_testView->setVisible(false);
    if (m_kind == Kind::Target) {
        m_testedTarget = m_workspace.targets.at(m_index);
        showTest(tr("Polling %1…").arg(m_testedTarget.url), true);
        m_trial->pollTarget(m_testedTarget);
    } else if (m_kind == Kind::Database) {
        showTest(tr("Reading pg_stat_activity of %1…").arg(m_workspace.databases.at(m_index).name), true);
        m_trial->readDatabase(m_workspace.databases.at(m_index));
    }
}

QString WorkspaceDialog::testSummary() const
{
    return m_testSummary->text();
}

void WorkspaceDialog::showTest(const QString& text, bool ok)
{
    QString shown = text;
    if (!m_trial->unsetEnvironment().isEmpty())
        shown += u'\n' + tr("(not set in this environment: ") + m_trial->unsetEnvironment().join(u", "_s) + u')';
    m_testSummary->setText(shown);
    m_testSummary->setStyleSheet(ok ? QString() : u"QLabel { color: %1; }"_s.arg(Theme::errorColor().name()));
}

void WorkspaceDialog::onTargetPolled(const Sample& sample, const Payload& payload)
{
    QStringList recognised;
    for (int m = 0; m < kMetricCount; ++m) {
        const auto metric = static_cast<Metric>(m);
        if (sample.metrics.has(metric))
            recognised.append(metricKey(metric) + u' ' + QString::number(sample.metrics[metric]));
    }
    if (!sample.routes.isEmpty())
        recognised.append(tr("%1 routes").arg(sample.routes.size()));
    const QString latency = sample.latencyMs >= 0 ? tr(" in %1 ms").arg(sample.latencyMs) : QString();
    if (sample.ok()) {
        showTest(tr("Answered%1; the profile \"%2\" recognised: %3")
                     .arg(latency, m_testedTarget.profile, recognised.join(u", "_s)),
            true);
    } else {
        showTest(tr("Failed%1: %2").arg(latency, sample.error), false);
    }
    const bool ok = sample.ok();
    if (payload.isEmpty()) {
        Q_EMIT testFinished(ok);
        return;
    }
    const TargetConfig config = m_testedTarget;
    m_jobs->run(
        u"test-inspection"_s, tr("Laying out the test payload"), this,
        [payload, config](JobControl&) { return inspectPayload(payload, config); },
        [this, ok](PayloadInspection inspection) {
            m_testModel->setInspection(std::move(inspection));
            m_testView->setVisible(true);
            m_testView->expandToDepth(1);
            m_testView->resizeColumnToContents(PayloadModel::Key);
            Q_EMIT testFinished(ok);
        });
}

void WorkspaceDialog::onDatabaseRead(const ActivitySnapshot& snapshot)
{
    if (snapshot.ok()) {
        QStringList applications;
        for (const Backend& backend : snapshot.backends) {
            if (!applications.contains(backend.applicationName))
                applications.append(backend.applicationName);
        }
        applications.sort();
        showTest(tr("Read in %1 ms: %2 backends (%3)")
                     .arg(snapshot.latencyMs)
                     .arg(snapshot.backends.size())
                     .arg(applications.isEmpty() ? tr("none") : applications.join(u", "_s)),
            true);
    } else {
        showTest(tr("Failed: ") + snapshot.error, false);
    }
    Q_EMIT testFinished(snapshot.ok());
}

bool WorkspaceDialog::apply()
{
    WorkspaceResult reread = parseWorkspace(workspaceToJson(m_workspace), {});
    if (!reread.ok() || !m_problems.isEmpty())
        return false;
    reread.workspace->path = m_workspace.path;
    Q_EMIT applied(*reread.workspace);
    return true;
}

void WorkspaceDialog::accept()
{
    if (apply())
        QDialog::accept();
}

} // namespace poolscope
