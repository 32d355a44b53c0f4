#pragma once

#include "types/Workspace.h"

#include <QDialog>
#include <QHash>

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTreeView;
class QWidget;

namespace poolscope {

class JobTracker;
class PayloadModel;
class TrialPoll;
struct ActivitySnapshot;
struct Payload;
struct Sample;

// Monitor ▸ Edit workspace… (and the welcome page's "New workspace"): adds, edits, duplicates and removes
// targets and databases. Every edit is validated as the loader validates a file (the workspace is written
// as the file would be and read back with parseWorkspace), and each problem is shown next to the field it
// names ("targets[1].url: ..."); a literal secret (literalSecrets) is refused the same way. OK and Apply
// stay disabled while there is a problem. "Test" polls the selected target once (or reads its database's
// pg_stat_activity once) with the settings as edited, and shows what the profile recognised: the metrics
// and the payload laid out as the inspector lays it out. Applying emits `applied`; the window applies it to
// the Session and Monitor. No I/O of its own: TrialPoll polls, a job lays the payload out.
class WorkspaceDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Kind { None, Target, Database };

    explicit WorkspaceDialog(const Workspace& workspace, QWidget* parent = nullptr);
    ~WorkspaceDialog() override;

    // The workspace as edited (path and thresholds as given).
    Workspace workspace() const { return m_workspace; }
    // Every problem, as the loader words it; empty when the workspace may be applied.
    QStringList problems() const { return m_problems; }
    // The problem shown next to a field of the selected entry ("url", "interval", ...), empty when none.
    QString fieldError(const QString& field) const;

    void addTarget();
    void addDatabase();
    void duplicateSelected();
    void removeSelected();
    void select(Kind kind, int index);
    Kind selectedKind() const { return m_kind; }
    int selectedIndex() const { return m_index; }
    // Polls the selected target (or reads the selected database) once; testFinished follows.
    void testSelected();
    QString testSummary() const;
    PayloadModel* testModel() const { return m_testModel; }

    // The editors of the selected target or database, by the workspace field they edit
    // ("name", "url", "profile", "interval", "timeout", "application_name", "database", "pool", "headers",
    // "fields", "conninfo"); null for an unknown one.
    QWidget* editor(const QString& field) const;
    QDialogButtonBox* buttons() const { return m_buttons; }

    void accept() override;
    bool apply();

Q_SIGNALS:
    // OK or Apply with a valid workspace.
    void applied(const poolscope::Workspace& workspace);
    // A Test finished (ok: it answered and, for a target, the profile mapped it).
    void testFinished(bool ok);

private:
    struct FieldRow
    {
        QWidget* editor = nullptr;
        QLabel* error = nullptr;
    };

    QWidget* buildTargetForm();
    QWidget* buildDatabaseForm();
    void addRow(QFormLayout* form, const QString& field, const QString& label, QWidget* editor);
    void fillLists();
    void showSelected();
    void readForm();
    void validate();
    void onTargetPolled(const Sample& sample, const Payload& payload);
    void onDatabaseRead(const ActivitySnapshot& snapshot);
    void showTest(const QString& text, bool ok);

    Workspace m_workspace;
    QStringList m_problems;
    Kind m_kind = Kind::None;
    int m_index = -1;
    bool m_filling = false; // the form is being filled from the workspace, not edited
    QString m_headersError; // a line of headers/fields that is not "Name: value"

    QListWidget* m_targets = nullptr;
    QListWidget* m_databases = nullptr;
    QPushButton* m_duplicate = nullptr;
    QPushButton* m_remove = nullptr;
    QStackedWidget* m_forms = nullptr;
    QHash<QString, FieldRow> m_targetRows;
    QHash<QString, FieldRow> m_databaseRows;
    QPushButton* m_test = nullptr;
    QLabel* m_testSummary = nullptr;
    QTreeView* m_testView = nullptr;
    PayloadModel* m_testModel = nullptr;
    QLabel* m_general = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    TrialPoll* m_trial = nullptr;
    JobTracker* m_jobs = nullptr;
    TargetConfig m_testedTarget;
};

} // namespace poolscope
