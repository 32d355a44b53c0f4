#pragma once

#include <QDialog>
#include <QPointer>

class QComboBox;
class QLabel;
class QPushButton;
class QTreeView;

namespace poolscope {

class JobTracker;
class Monitor;
class PayloadModel;
class Session;

// Monitor ▸ Inspect payload…: a target's last health payload as a tree (JSON) or a list of series
// (Prometheus), each value marked with the metric it feeds. "Use as <metric>" writes the chosen value's JSON
// Pointer or series selector into the target's `fields` in the workspace file (validated as on loading) and
// the monitor polls the target with it from then on. The payload is laid out and the file written by jobs,
// off the GUI thread. Refuses to save when the targets came from command-line flags (no workspace file).
class InspectorDialog : public QDialog
{
    Q_OBJECT
public:
    InspectorDialog(Monitor* monitor, Session* session, JobTracker* jobs, QWidget* parent = nullptr);
    ~InspectorDialog() override;

    // Shows this target's last payload (laid out by a job; inspectionReady follows).
    void setTarget(const QString& target);
    QString target() const;
    // Lays out the target's newest payload again.
    void refresh();
    // Writes the selected value's field as `key` (a metric key, "routes", ...); fieldWritten follows. False
    // (and the message says why) when nothing is selected or there is no workspace file.
    bool useSelectedAs(const QString& key);

    PayloadModel* model() const { return m_model; }
    QTreeView* view() const { return m_view; }
    QString message() const;

Q_SIGNALS:
    void inspectionReady();
    void fieldWritten(bool ok, const QString& message);

private:
    void onPayloadReceived(const QString& target);
    void showInspection();
    void showMessage(const QString& text, bool error);
    void showContextMenu(const QPoint& position);
    QString selectedField() const;
    void updateSelected();

    QPointer<Monitor> m_monitor;
    QPointer<Session> m_session;
    JobTracker* m_jobs;
    PayloadModel* m_model;
    QComboBox* m_target;
    QPushButton* m_refresh;
    QLabel* m_summary;
    QTreeView* m_view;
    QComboBox* m_fieldKey;
    QLabel* m_selected;
    QPushButton* m_use;
    QLabel* m_message;
    QString m_selectAfterRefresh;
    bool m_newPayload = false;
};

} // namespace poolscope
