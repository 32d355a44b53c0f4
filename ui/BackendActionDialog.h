#pragma once

#include "sources/BackendActions.h"

#include <QDialog>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace poolscope {

struct Backend;

// The confirmation before a guarded action (Cancel query, Terminate connection): what is about to be
// signalled (database, pid, application, state, its age and the connection's, the query), with the safe
// choice as the default button. Accepting it runs nothing by itself: whoever opened it runs the action.
class BackendActionDialog : public QDialog
{
    Q_OBJECT
public:
    // nowMs: the moment ages are measured at (the snapshot's server time).
    BackendActionDialog(BackendActions::Kind kind, const QString& database, const Backend& backend, qint64 nowMs,
        QWidget* parent = nullptr);
    ~BackendActionDialog() override;

    BackendActions::Kind kind() const { return m_kind; }
    const QString& database() const { return m_database; }
    int pid() const { return m_pid; }
    // The button that runs the action ("Terminate connection"); the dialog's text, for tests and screen readers.
    QPushButton* confirmButton() const { return m_confirm; }
    const QString& summary() const { return m_summary; }

private:
    BackendActions::Kind m_kind;
    QString m_database;
    int m_pid = 0;
    QLabel* m_details = nullptr;
    QPlainTextEdit* m_query = nullptr;
    QPushButton* m_confirm = nullptr;
    QString m_summary;
};

} // namespace poolscope
